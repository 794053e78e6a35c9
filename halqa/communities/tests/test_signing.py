"""A principal signs the member list they saw: if it (or the decision's text) changed since the
page was opened, signing is refused with "changed since you opened it" and nothing is signed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from halqa.accounts.tests.factories import MembershipFactory, UserFactory
from halqa.communities import services
from halqa.communities.models import Decision, DecisionStatus, Role
from halqa.communities.tests.factories import CommunityFactory, CommunityMembershipFactory, DecisionFactory

pytestmark = pytest.mark.django_db

CHANGED = "changed since you opened it"


@pytest.fixture
def scene(world):
    world.community = CommunityFactory(
        school=world.school, name="Grade 8 PLC", facilitator=world.teacher, members={Role.MEMBER: [world.colleague]}
    )
    world.draft = DecisionFactory(community=world.community, number="7/2026")
    world.newcomer = UserFactory(display_name="Newcomer Nima", roles=["teacher"])
    MembershipFactory(user=world.newcomer, school=world.school, position="teacher")
    return world


def page_url(scene, name) -> str:
    return reverse(f"communities:{name}", args=[scene.community.pk, scene.draft.pk])


def api_url(scene, *rest) -> str:
    return f"/api/v1/communities/{scene.community.pk}/decisions/{scene.draft.pk}/" + "".join(f"{r}/" for r in rest)


def still_a_draft(scene) -> bool:
    decision = Decision.objects.get(pk=scene.draft.pk)
    return decision.status == DecisionStatus.DRAFT and not decision.verification_code


# --- Pages --------------------------------------------------------------------------------------------


def test_a_member_added_after_the_page_was_opened_stops_the_signature(scene, client):
    client.force_login(scene.principal)
    opened = client.get(page_url(scene, "decision"))
    seen = opened.context["fingerprint"]
    assert "Newcomer Nima" not in opened.content.decode()
    assert f'name="fingerprint" value="{seen}"' in opened.content.decode()
    CommunityMembershipFactory(community=scene.community, user=scene.newcomer)  # meanwhile
    response = client.post(page_url(scene, "decision_sign"), {"fingerprint": seen}, follow=True)
    assert CHANGED in response.content.decode()
    assert still_a_draft(scene)
    # The page now shows the list that would be signed; signing it works and signs that list.
    reopened = client.get(page_url(scene, "decision"))
    assert "Newcomer Nima" in reopened.content.decode()
    client.post(page_url(scene, "decision_sign"), {"fingerprint": reopened.context["fingerprint"]})
    signed = Decision.objects.get(pk=scene.draft.pk)
    assert signed.status == DecisionStatus.SIGNED
    assert {row["name"] for row in signed.members} == {"Teacher Tala", "Colleague Cyrus", "Newcomer Nima"}


def test_a_change_to_the_text_stops_the_signature(scene, client):
    client.force_login(scene.principal)
    seen = client.get(page_url(scene, "decision")).context["fingerprint"]
    services.update_decision(scene.draft, actor=scene.teacher, goals_text="Something else entirely.")
    response = client.post(page_url(scene, "decision_sign"), {"fingerprint": seen}, follow=True)
    assert CHANGED in response.content.decode()
    assert still_a_draft(scene)


def test_a_removed_member_stops_the_signature(scene, client):
    client.force_login(scene.principal)
    seen = client.get(page_url(scene, "decision")).context["fingerprint"]
    services.remove_member(scene.community.memberships.get(user=scene.colleague), actor=scene.teacher)
    client.post(page_url(scene, "decision_sign"), {"fingerprint": seen})
    assert still_a_draft(scene)


def test_a_sign_form_without_a_fingerprint_signs_nothing(scene, client):
    client.force_login(scene.principal)
    response = client.post(page_url(scene, "decision_sign"), follow=True)
    assert CHANGED in response.content.decode()
    assert still_a_draft(scene)


def test_a_guest_joining_changes_nothing_that_is_signed(scene, client):
    client.force_login(scene.principal)
    seen = client.get(page_url(scene, "decision")).context["fingerprint"]
    CommunityMembershipFactory(community=scene.community, user=scene.parent, role=Role.GUEST)
    client.post(page_url(scene, "decision_sign"), {"fingerprint": seen})
    assert Decision.objects.get(pk=scene.draft.pk).status == DecisionStatus.SIGNED


# --- API ----------------------------------------------------------------------------------------------


@pytest.fixture
def principal_api(scene):
    api = APIClient()
    api.force_login(scene.principal)
    return api


def test_the_api_shows_a_drafts_current_members_and_fingerprint(scene, principal_api):
    CommunityMembershipFactory(community=scene.community, user=scene.newcomer)
    data = principal_api.get(api_url(scene)).json()
    assert {row["name"] for row in data["members"]} == {"Teacher Tala", "Colleague Cyrus", "Newcomer Nima"}
    assert data["fingerprint"] == services.decision_fingerprint(Decision.objects.get(pk=scene.draft.pk))
    listed = principal_api.get(f"/api/v1/communities/{scene.community.pk}/decisions/").json()["results"]
    assert listed[0]["fingerprint"] == data["fingerprint"]


def test_the_api_refuses_with_409_when_the_list_changed(scene, principal_api):
    seen = principal_api.get(api_url(scene)).json()["fingerprint"]
    CommunityMembershipFactory(community=scene.community, user=scene.newcomer)
    response = principal_api.post(api_url(scene, "sign"), {"fingerprint": seen}, format="json")
    assert response.status_code == 409
    assert CHANGED in response.json()["detail"]
    assert still_a_draft(scene)
    fresh = principal_api.get(api_url(scene)).json()["fingerprint"]
    signed = principal_api.post(api_url(scene, "sign"), {"fingerprint": fresh}, format="json")
    assert signed.status_code == 200 and signed.json()["fingerprint"] is None
    assert {row["name"] for row in signed.json()["members"]} >= {"Newcomer Nima"}


@pytest.mark.parametrize("body", [{}, {"fingerprint": ""}, {"fingerprint": "x" * 500}])
def test_the_api_needs_the_fingerprint(scene, principal_api, body):
    response = principal_api.post(api_url(scene, "sign"), body, format="json")
    assert response.status_code == 400
    assert "fingerprint" in response.json()
    assert still_a_draft(scene)


def test_others_hear_no_before_their_input_is_read(scene):
    api = APIClient()
    api.force_login(scene.teacher)
    response = api.post(api_url(scene, "sign"), {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the principal of the school can sign this decision."}
