"""The notifications' scene: the suite's cast (`world`) in two communities, and helpers to let the
after-commit listener, the task queue and the outbox do their work as in production."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from halqa.accounts.tests.factories import MembershipFactory, UserFactory
from halqa.communities import services as community_services
from halqa.communities.models import Membership, Role, Status
from halqa.communities.tests.factories import CommunityFactory, CommunityMembershipFactory, DecisionFactory


@pytest.fixture
def scene(world):
    """`community` (Al-Farabi School, visible to the school): Tala facilitates, Cyrus is a member, Eve
    an expert, Parisa (a parent) a guest; Sami (a student) is invited and has not answered; a draft
    decision. Nima teaches at Al-Farabi School, in no community. `elsewhere` (Hafez School): Olga facilitates, Oleg (a parent there) is a guest."""
    w = world
    w.newcomer = UserFactory(display_name="Newcomer Nima", roles=["teacher"])
    MembershipFactory(user=w.newcomer, school=w.school, position="teacher")
    w.community = CommunityFactory(
        school=w.school,
        name="Grade 8 Mathematics PLC",
        facilitator=w.teacher,
        members={Role.MEMBER: [w.colleague], Role.EXPERT: [w.expert], Role.GUEST: [w.parent]},
    )
    CommunityMembershipFactory(community=w.community, user=w.student, role=Role.GUEST, status=Status.INVITED)
    w.draft = DecisionFactory(community=w.community, number="12/2025")
    w.elsewhere = CommunityFactory(
        school=w.other_school,
        name="Reading circle",
        facilitator=w.other_teacher,
        members={Role.GUEST: [w.other_parent]},
    )
    return w


@pytest.fixture
def settle(run_tasks, django_capture_on_commit_callbacks):
    """Run what the change scheduled after commit, then the task queue (notifications of a whole
    community, then the emails), as the worker would."""

    def run(change=None):
        with django_capture_on_commit_callbacks(execute=True):
            result = change() if change is not None else None
        for _round in range(3):  # the notify task queues emails; their delivery is another task
            with django_capture_on_commit_callbacks(execute=True):
                run_tasks()
        return result

    return run


@pytest.fixture
def api():
    return APIClient()


def sign(decision, actor):
    return community_services.sign_decision(
        decision, actor=actor, fingerprint=community_services.decision_fingerprint(decision)
    )


def membership(community, person) -> Membership:
    return Membership.objects.get(community=community, user=person)
