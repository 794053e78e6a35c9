"""The communities' scene and the helpers every topic file shares (pages, API and services alike).

The people are the suite's one cast, the `world` fixture of the root conftest.py; `plc` puts them
in communities. Helpers that are plain functions are imported from here by the topic files.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.accounts.tests.factories import MembershipFactory, UserFactory
from halqa.communities import services
from halqa.communities.models import Membership, Role, Status, Visibility
from halqa.communities.tests.factories import (
    ActivityFactory,
    CharterRevisionFactory,
    CommunityFactory,
    DecisionFactory,
    GoalFactory,
    NetworkCommunityFactory,
)

API = "/api/v1/communities/"
EMAIL = re.compile(r"[\w.+-]+@example\.org")
# The scene's dates are fixed; a test that asserts what is "upcoming" or "overdue" freezes the clock
# (freezegun) on a day relative to them.
TODAY = dt.date(2025, 9, 1)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def plc(world):
    """The world plus communities.

    * `community` — Al-Farabi School, visible to the school: Tala facilitates, Cyrus is a member,
      Eve an expert, Parisa (a parent) a guest; a charter, two goals, two activities, a draft decision.
    * `private` — members only, in the same school: Cyrus facilitates.
    * `in_network` — across the network's schools (Al-Farabi and Hafez), led by Supervisor Saeed.
    * `public` — in School No. 17 (the foreign authority), open to every signed-in person.

    Two people join the world's cast here, for roles it has no one in: a deputy principal (a school
    leader who may not sign) and Nima, a teacher of Al-Farabi School in no community yet.
    """
    w = world
    w.deputy = UserFactory(display_name="Deputy Darya", roles=["principal"])
    MembershipFactory(user=w.deputy, school=w.school, position="deputy")
    w.newcomer = UserFactory(display_name="Newcomer Nima", roles=["teacher"], email="nima@example.org")
    MembershipFactory(user=w.newcomer, school=w.school, position="teacher")
    w.community = CommunityFactory(
        school=w.school,
        name="Grade 8 Mathematics PLC",
        topic="Formative assessment in grade 8 mathematics",
        facilitator=w.teacher,
        members={Role.MEMBER: [w.colleague], Role.EXPERT: [w.expert], Role.GUEST: [w.parent]},
    )
    CharterRevisionFactory(community=w.community, edited_by=w.teacher)
    w.goal = GoalFactory(community=w.community, title="Pass rate to 80%", due_date=TODAY + dt.timedelta(days=200))
    GoalFactory(community=w.community, title="Every lesson has an exit ticket", due_date=TODAY + dt.timedelta(days=90))
    w.activity = ActivityFactory(community=w.community, title="Common assessment design", starts_on=TODAY)
    ActivityFactory(community=w.community, title="Peer observation round", starts_on=TODAY + dt.timedelta(days=14))
    w.draft = DecisionFactory(community=w.community, number="12/2025")
    w.private = CommunityFactory(
        school=w.school, name="Leadership circle", visibility=Visibility.MEMBERS, facilitator=w.colleague
    )
    w.in_network = NetworkCommunityFactory(
        network=w.network, name="Network of science teachers", facilitator=w.other_teacher
    )
    w.public = CommunityFactory(
        school=w.foreign_school, name="Open reading circle", visibility=Visibility.PUBLIC, facilitator=w.foreign_teacher
    )
    return w


@pytest.fixture
def as_(api, plc):
    """The API client signed in as a person of the scene (by name) or as any user."""

    def sign_in(who):
        api.force_login(getattr(plc, who) if isinstance(who, str) else who)
        return api

    return sign_in


# --- Plain helpers ------------------------------------------------------------------------------


def url(community, *rest) -> str:
    """An API address under one community: url(c, "goals", 3) is /api/v1/communities/<c>/goals/3/."""
    return f"{API}{community.pk}/" + "".join(f"{part}/" for part in rest)


def page_url(name, *args) -> str:
    """A page of the communities area by its URL name."""
    return reverse(f"communities:{name}", args=args)


def names(response) -> list[str]:
    return [c["name"] for c in response.json()["results"]]


def grew(really: bool) -> None:
    assert really, "the seeded data should show in the answer"


def membership(community, person) -> Membership:
    return Membership.objects.get(community=community, user=person)


def add(community, person, role=Role.MEMBER) -> Membership:
    """An active member, made directly (the scene, not the service under test)."""
    return Membership.objects.create(
        community=community, user=person, role=role, status=Status.ACTIVE, joined_at=timezone.now()
    )


def sign(api, community, decision_pk, fingerprint=None):
    """Sign through the API as it asks: with the fingerprint of the draft as one read it."""
    if fingerprint is None:
        fingerprint = api.get(url(community, "decisions", decision_pk)).json().get("fingerprint") or ""
    return api.post(url(community, "decisions", decision_pk, "sign"), {"fingerprint": fingerprint}, format="json")


def sign_in_service(decision, actor):
    """Sign through the service as the principal would: the decision as it stands now is what they saw."""
    return services.sign_decision(decision, actor=actor, fingerprint=services.decision_fingerprint(decision))
