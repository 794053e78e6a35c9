"""The official decision: drafting with the members as they stand, who signs (the school's
principal, the network's supervisor), the signature bound to what the signer saw (a changed member
list or text stops it), superseding, and public verification by code.

Pages, API and services side by side; the scene is `plc` (conftest.py) on the suite's `world`.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from halqa.communities import services
from halqa.communities.models import Decision, DecisionStatus, Role
from halqa.communities.tests.conftest import EMAIL, page_url, sign, sign_in_service, url
from halqa.communities.tests.factories import (
    CommunityFactory,
    CommunityMembershipFactory,
    DecisionFactory,
    SignedDecisionFactory,
)

pytestmark = pytest.mark.django_db


DECISION = {
    "number": "14/2025",
    "topic": "Formative assessment",
    "goals_text": "Raise the pass rate to 80%.",
    "period_start": "2025-09-01",
    "period_end": "2026-06-30",
}


def draft_in_service(world, plc):
    return services.draft_decision(
        plc.community,
        actor=world.teacher,
        number="12/2026",
        topic="Algebra",
        goals_text="80% mastery",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2027, 6, 30),
    )


# --- Reading decisions --------------------------------------------------------------------------


def test_decision_pages_visibility(world, plc, client):
    decision = draft_in_service(world, plc)
    client.force_login(world.colleague)
    assert client.get(page_url("decisions", plc.community.pk)).status_code == 200
    assert client.get(page_url("decision", plc.community.pk, decision.pk)).status_code == 200
    assert client.post(page_url("decisions", plc.community.pk), {"topic": "x"}).status_code == 403
    client.force_login(world.foreign_teacher)
    assert client.get(page_url("decisions", plc.community.pk)).status_code == 404
    assert client.get(page_url("decision", plc.community.pk, decision.pk)).status_code == 404


def test_printable_decision_page(world, plc, client):
    decision = sign_in_service(draft_in_service(world, plc), world.principal)
    client.force_login(world.colleague)
    body = client.get(page_url("decision", plc.community.pk, decision.pk)).content.decode()
    assert decision.verification_code in body and "data-print" in body


@pytest.mark.parametrize("who", ["colleague", "expert", "principal", "deputy"])
def test_members_and_leaders_read_decisions(as_, plc, who):
    api = as_(who)
    response = api.get(url(plc.community, "decisions"))
    assert response.status_code == 200
    assert [d["number"] for d in response.json()["results"]] == ["12/2025"]
    assert api.get(url(plc.community, "decisions", plc.draft.pk)).json()["status"] == "draft"


def test_a_guest_reads_decisions(as_, plc):
    assert as_("parent").get(url(plc.community, "decisions")).status_code == 200
    assert as_("parent").get(url(plc.community, "decisions", plc.draft.pk)).status_code == 200


# --- Drafting -----------------------------------------------------------------------------------


def test_draft_can_be_edited_and_deleted(world, plc, client):
    decision = draft_in_service(world, plc)
    client.force_login(world.colleague)
    assert client.get(page_url("decision_edit", plc.community.pk, decision.pk)).status_code == 403
    client.force_login(world.teacher)
    assert client.get(page_url("decision_edit", plc.community.pk, decision.pk)).status_code == 200
    data = {
        "number": "13",
        "topic": "Algebra II",
        "goals_text": "g",
        "period_start": "2026-09-01",
        "period_end": "2027-06-30",
    }
    assert client.post(page_url("decision_edit", plc.community.pk, decision.pk), data).status_code == 302
    bad = {**data, "period_end": "2026-01-01"}
    assert client.post(page_url("decision_edit", plc.community.pk, decision.pk), bad).status_code == 400
    decision.refresh_from_db()
    assert decision.topic == "Algebra II"
    client.force_login(world.colleague)
    assert client.post(page_url("decision_delete", plc.community.pk, decision.pk)).status_code == 403
    client.force_login(world.teacher)
    assert client.post(page_url("decision_delete", plc.community.pk, decision.pk)).status_code == 302
    assert not Decision.objects.filter(pk=decision.pk).exists()


@pytest.mark.parametrize("who", ["teacher", "principal"])
def test_facilitators_and_leaders_draft_a_decision_with_the_members_as_they_stand(as_, plc, who):
    response = as_(who).post(
        url(plc.community, "decisions"),
        {**DECISION, "members": [], "status": "signed", "verification_code": "FAKE-FAKE-FAKE"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["verification_code"], data["signed_by"]) == ("draft", None, None)
    assert [(m["name"], m["role"]) for m in data["members"]] == [
        ("Expert Eve", "expert"),
        ("Teacher Tala", "facilitator"),
        ("Colleague Cyrus", "member"),
    ]  # guests are not assigned by a decision


@pytest.mark.parametrize("who", ["colleague", "expert", "parent", "newcomer"])
def test_others_cannot_draft_change_or_delete(as_, plc, who):
    api = as_(who)
    response = api.post(url(plc.community, "decisions"), DECISION, format="json")
    assert response.status_code == 403
    response = api.patch(url(plc.community, "decisions", plc.draft.pk), {"topic": "Mine"}, format="json")
    assert response.status_code == 403
    assert api.delete(url(plc.community, "decisions", plc.draft.pk)).status_code == 403
    assert Decision.objects.filter(community=plc.community).count() == 1
    assert Decision.objects.get(pk=plc.draft.pk).topic == plc.community.topic


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"period_end": "2025-08-31"}, "period_end", "The end of the period cannot be before its start."),
        ({"period_end": "2029-09-01"}, "period_end", "A decision covers at most three years."),
        ({"topic": ""}, "topic", "This field may not be blank."),
        ({"goals_text": "g" * 4001}, "goals_text", "no more than 4000 characters"),
        ({"number": "n" * 41}, "number", "no more than 40 characters"),
        ({"period_start": 20250901}, "period_start", "Date has wrong format."),
    ],
)
def test_bad_decisions_are_refused(as_, plc, data, field, message):
    response = as_("teacher").post(url(plc.community, "decisions"), {**DECISION, **data}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Decision.objects.filter(community=plc.community).count() == 1


def test_a_draft_is_changed_and_deleted(as_, plc):
    api = as_("teacher")
    response = api.patch(url(plc.community, "decisions", plc.draft.pk), {"number": "13/2025"}, format="json")
    assert response.status_code == 200
    assert Decision.objects.get(pk=plc.draft.pk).number == "13/2025"
    response = api.patch(url(plc.community, "decisions", plc.draft.pk), {"period_end": "2000-01-01"}, format="json")
    assert response.status_code == 400
    assert api.delete(url(plc.community, "decisions", plc.draft.pk)).status_code == 204
    assert not Decision.objects.filter(pk=plc.draft.pk).exists()


# --- Signing ------------------------------------------------------------------------------------


def test_facilitator_drafts_and_only_the_principal_signs(world, plc, client):
    client.force_login(world.teacher)
    data = {
        "number": "12/2026",
        "topic": "Algebra",
        "goals_text": "80%",
        "period_start": "2026-09-01",
        "period_end": "2027-06-30",
    }
    response = client.post(page_url("decisions", plc.community.pk), data)
    decision = Decision.objects.get(community=plc.community, number="12/2026")  # beside the scene's draft
    assert response.status_code == 302
    assert {row["name"] for row in decision.members} == {"Teacher Tala", "Colleague Cyrus", "Expert Eve"}  # no guest
    for who in ["teacher", "colleague", "district_admin", "other_principal"]:
        client.force_login(getattr(world, who))
        status = client.post(page_url("decision_sign", plc.community.pk, decision.pk)).status_code
        assert status in (403, 404), who
    decision.refresh_from_db()
    assert decision.status == "draft"
    client.force_login(world.principal)
    seen = client.get(page_url("decision", plc.community.pk, decision.pk)).context["fingerprint"]
    assert (
        client.post(page_url("decision_sign", plc.community.pk, decision.pk), {"fingerprint": seen}).status_code == 302
    )
    decision.refresh_from_db()
    assert decision.status == "signed" and decision.signed_by == world.principal and decision.verification_code


def test_signed_decision_cannot_be_signed_again_or_edited(world, plc, client):
    decision = sign_in_service(draft_in_service(world, plc), world.principal)
    client.force_login(world.principal)
    response = client.post(page_url("decision_sign", plc.community.pk, decision.pk), follow=True)
    assert "already signed" in response.content.decode()
    client.force_login(world.teacher)
    response = client.post(page_url("decision_edit", plc.community.pk, decision.pk), {"topic": "Changed"}, follow=True)
    assert "cannot be changed" in response.content.decode()
    assert client.post(page_url("decision_delete", plc.community.pk, decision.pk)).status_code == 302
    decision.refresh_from_db()
    assert decision.topic == "Algebra"


def test_a_new_signed_decision_supersedes_the_old(world, plc):
    first = sign_in_service(draft_in_service(world, plc), world.principal)
    second = sign_in_service(draft_in_service(world, plc), world.principal)
    first.refresh_from_db()
    assert first.status == "superseded" and second.supersedes == first


def test_network_decision_is_signed_by_the_supervisor(world, plc):
    decision = services.draft_decision(
        plc.in_network,
        actor=world.supervisor,
        topic="t",
        goals_text="g",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2027, 6, 30),
    )
    with pytest.raises(PermissionDenied):
        sign_in_service(decision, world.principal)
    signed = sign_in_service(decision, world.supervisor)
    assert signed.signed_by_title.startswith("Supervisor")


def test_the_principal_signs_and_a_signed_decision_never_changes(as_, plc):
    seen = as_("principal").get(url(plc.community, "decisions", plc.draft.pk)).json()["fingerprint"]
    response = sign(as_("principal"), plc.community, plc.draft.pk, seen)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "signed"
    assert (data["signed_by"], data["signed_by_name"], data["signed_by_title"]) == (
        plc.principal.pk,
        "Principal Pia",
        "Principal, Al-Farabi School",
    )
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", data["verification_code"])
    signed = Decision.objects.get(pk=plc.draft.pk)

    again = sign(as_("principal"), plc.community, plc.draft.pk, seen)
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This decision is already signed."]}

    edit = as_("teacher").patch(url(plc.community, "decisions", plc.draft.pk), {"topic": "Changed"}, format="json")
    assert edit.status_code == 400
    assert edit.json() == {"non_field_errors": ["A signed decision cannot be changed. Draft a new one to replace it."]}
    delete = as_("principal").delete(url(plc.community, "decisions", plc.draft.pk))
    assert delete.status_code == 400
    assert delete.json() == {"non_field_errors": ["A signed decision cannot be deleted."]}
    after = Decision.objects.get(pk=plc.draft.pk)
    assert (after.topic, after.signed_at, after.verification_code) == (
        signed.topic,
        signed.signed_at,
        signed.verification_code,
    )


@pytest.mark.parametrize(
    "who,status,message",
    [
        ("teacher", 403, "Only the principal of the school can sign this decision."),
        ("deputy", 403, "Only the principal of the school can sign this decision."),
        ("colleague", 403, "Only the principal of the school can sign this decision."),
        ("district_admin", 403, "Only the principal of the school can sign this decision."),
        ("supervisor", 404, None),
        ("other_principal", 404, None),
        ("parent", 403, None),
    ],
)
def test_only_the_schools_principal_signs(as_, plc, who, status, message):
    response = sign(as_(who), plc.community, plc.draft.pk)
    assert response.status_code == status
    if message:
        assert response.json() == {"detail": message}
    assert Decision.objects.get(pk=plc.draft.pk).status == DecisionStatus.DRAFT


def test_the_supervisor_signs_a_network_decision_and_a_principal_may_not(as_, plc):
    draft = DecisionFactory(community=plc.in_network)
    refused = sign(as_("principal"), plc.in_network, draft.pk, "0" * 64)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the network's supervisor can sign this decision."}
    response = sign(as_("supervisor"), plc.in_network, draft.pk)
    assert response.status_code == 200, response.json()
    assert response.json()["signed_by_title"] == f"Supervisor, {plc.network.name}"


def test_a_new_signed_decision_supersedes_the_old_one(as_, plc):
    api = as_("principal")
    first = sign(api, plc.community, plc.draft.pk).json()
    second_draft = api.post(url(plc.community, "decisions"), DECISION, format="json").json()
    second = sign(api, plc.community, second_draft["id"]).json()
    assert second["supersedes"] == first["id"]
    old = api.get(url(plc.community, "decisions", first["id"])).json()
    assert (old["status"], old["superseded_by"]) == ("superseded", second["id"])


# --- Signing what one saw: a changed member list or text stops the signature ---------------------


CHANGED = "changed since you opened it"


@pytest.fixture
def scene(plc):
    """A small community of Tala (facilitator) and Cyrus (member) with a draft; Nima, the scene's
    newcomer, is not in it yet."""
    community = CommunityFactory(
        school=plc.school, name="Grade 8 PLC", facilitator=plc.teacher, members={Role.MEMBER: [plc.colleague]}
    )
    return SimpleNamespace(
        **{**vars(plc), "community": community, "draft": DecisionFactory(community=community, number="7/2026")}
    )


def decision_page(scene, name) -> str:
    return page_url(name, scene.community.pk, scene.draft.pk)


def decision_api(scene, *rest) -> str:
    return url(scene.community, "decisions", scene.draft.pk, *rest)


def still_a_draft(scene) -> bool:
    decision = Decision.objects.get(pk=scene.draft.pk)
    return decision.status == DecisionStatus.DRAFT and not decision.verification_code


def test_a_member_added_after_the_page_was_opened_stops_the_signature(scene, client):
    client.force_login(scene.principal)
    opened = client.get(decision_page(scene, "decision"))
    seen = opened.context["fingerprint"]
    assert "Newcomer Nima" not in opened.content.decode()
    assert f'name="fingerprint" value="{seen}"' in opened.content.decode()
    CommunityMembershipFactory(community=scene.community, user=scene.newcomer)  # meanwhile
    response = client.post(decision_page(scene, "decision_sign"), {"fingerprint": seen}, follow=True)
    assert CHANGED in response.content.decode()
    assert still_a_draft(scene)
    # The page now shows the list that would be signed; signing it works and signs that list.
    reopened = client.get(decision_page(scene, "decision"))
    assert "Newcomer Nima" in reopened.content.decode()
    client.post(decision_page(scene, "decision_sign"), {"fingerprint": reopened.context["fingerprint"]})
    signed = Decision.objects.get(pk=scene.draft.pk)
    assert signed.status == DecisionStatus.SIGNED
    assert {row["name"] for row in signed.members} == {"Teacher Tala", "Colleague Cyrus", "Newcomer Nima"}


def test_a_change_to_the_text_stops_the_signature(scene, client):
    client.force_login(scene.principal)
    seen = client.get(decision_page(scene, "decision")).context["fingerprint"]
    services.update_decision(scene.draft, actor=scene.teacher, goals_text="Something else entirely.")
    response = client.post(decision_page(scene, "decision_sign"), {"fingerprint": seen}, follow=True)
    assert CHANGED in response.content.decode()
    assert still_a_draft(scene)


def test_a_removed_member_stops_the_signature(scene, client):
    client.force_login(scene.principal)
    seen = client.get(decision_page(scene, "decision")).context["fingerprint"]
    services.remove_member(scene.community.memberships.get(user=scene.colleague), actor=scene.teacher)
    client.post(decision_page(scene, "decision_sign"), {"fingerprint": seen})
    assert still_a_draft(scene)


def test_a_sign_form_without_a_fingerprint_signs_nothing(scene, client):
    client.force_login(scene.principal)
    response = client.post(decision_page(scene, "decision_sign"), follow=True)
    assert CHANGED in response.content.decode()
    assert still_a_draft(scene)


def test_a_guest_joining_changes_nothing_that_is_signed(scene, client):
    client.force_login(scene.principal)
    seen = client.get(decision_page(scene, "decision")).context["fingerprint"]
    CommunityMembershipFactory(community=scene.community, user=scene.parent, role=Role.GUEST)
    client.post(decision_page(scene, "decision_sign"), {"fingerprint": seen})
    assert Decision.objects.get(pk=scene.draft.pk).status == DecisionStatus.SIGNED


@pytest.fixture
def principal_api(scene, api):
    api.force_login(scene.principal)
    return api


def test_the_api_shows_a_drafts_current_members_and_fingerprint(scene, principal_api):
    CommunityMembershipFactory(community=scene.community, user=scene.newcomer)
    data = principal_api.get(decision_api(scene)).json()
    assert {row["name"] for row in data["members"]} == {"Teacher Tala", "Colleague Cyrus", "Newcomer Nima"}
    assert data["fingerprint"] == services.decision_fingerprint(Decision.objects.get(pk=scene.draft.pk))
    listed = principal_api.get(f"/api/v1/communities/{scene.community.pk}/decisions/").json()["results"]
    assert listed[0]["fingerprint"] == data["fingerprint"]


def test_the_api_refuses_with_409_when_the_list_changed(scene, principal_api):
    seen = principal_api.get(decision_api(scene)).json()["fingerprint"]
    CommunityMembershipFactory(community=scene.community, user=scene.newcomer)
    response = principal_api.post(decision_api(scene, "sign"), {"fingerprint": seen}, format="json")
    assert response.status_code == 409
    assert CHANGED in response.json()["detail"]
    assert still_a_draft(scene)
    fresh = principal_api.get(decision_api(scene)).json()["fingerprint"]
    signed = principal_api.post(decision_api(scene, "sign"), {"fingerprint": fresh}, format="json")
    assert signed.status_code == 200 and signed.json()["fingerprint"] is None
    assert {row["name"] for row in signed.json()["members"]} >= {"Newcomer Nima"}


@pytest.mark.parametrize("body", [{}, {"fingerprint": ""}, {"fingerprint": "x" * 500}])
def test_the_api_needs_the_fingerprint(scene, principal_api, body):
    response = principal_api.post(decision_api(scene, "sign"), body, format="json")
    assert response.status_code == 400
    assert "fingerprint" in response.json()
    assert still_a_draft(scene)


def test_others_hear_no_before_their_input_is_read(scene, api):
    api.force_login(scene.teacher)
    response = api.post(decision_api(scene, "sign"), {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the principal of the school can sign this decision."}


# --- Public verification ------------------------------------------------------------------------


def test_anyone_verifies_a_signed_decision_without_signing_in(world, plc, client):
    decision = sign_in_service(draft_in_service(world, plc), world.principal)
    assert client.get(reverse("verify")).status_code == 200
    response = client.get(reverse("verify"), {"code": decision.verification_code.lower()})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "genuine and in force" in body and "Principal Pia" in body and "Grade 8 Mathematics PLC" in body
    assert world.parent.display_name not in body


def test_unknown_or_draft_code_is_not_verified(world, plc, client):
    draft_in_service(world, plc)
    response = client.get(reverse("verify_code", args=["AAAA-BBBB-CCCC"]))
    assert response.status_code == 404
    assert "No signed decision has this code" in response.content.decode()
    assert client.get(reverse("verify"), {"code": "x" * 50}).status_code == 400


def test_anyone_verifies_a_signed_decision_without_an_account(api, plc):
    plc.principal.display_name = "Principal Pia"
    signed = SignedDecisionFactory(
        community=plc.community,
        number="9/2025",
        signed_by=plc.principal,
        signed_by_title="Principal, Al-Farabi School",
        signed_at=timezone.now(),
    )
    response = api.get(f"/api/v1/verify/{signed.verification_code.lower()}/")
    assert response.status_code == 200
    data = response.json()
    assert data["community"] == "Grade 8 Mathematics PLC"
    assert (data["school"], data["network"]) == ("Al-Farabi School", None)
    assert (data["number"], data["status"], data["superseded_by"]) == ("9/2025", "signed", None)
    assert data["signed_by_name"] == "Principal Pia" and data["signed_by_title"] == "Principal, Al-Farabi School"
    assert {m["name"]: m["role"] for m in data["members"]} == {
        "Teacher Tala": "facilitator",
        "Colleague Cyrus": "member",
        "Expert Eve": "expert",
    }
    assert {m["role_label"] for m in data["members"]} == {"Facilitator", "Member", "Expert"}
    assert "user" not in data["members"][0] and not EMAIL.search(str(data))


def test_verification_says_when_a_decision_was_superseded(api, plc):
    old = SignedDecisionFactory(community=plc.in_network, status=DecisionStatus.SUPERSEDED)
    newer = SignedDecisionFactory(community=plc.in_network, supersedes=old)
    data = api.get(f"/api/v1/verify/{old.verification_code}/").json()
    assert (data["status"], data["superseded_by"]) == ("superseded", newer.verification_code)
    assert (data["school"], data["network"]) == (None, plc.network.name)


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKLM", "x" * 30, "draft"])
def test_unknown_codes_and_drafts_are_404(api, plc, code):
    plc.draft.verification_code = "DRAF-TDRA-FTXX"
    plc.draft.save()
    assert api.get(f"/api/v1/verify/{code}/").status_code == 404
    assert api.get("/api/v1/verify/DRAF-TDRA-FTXX/").status_code == 404
