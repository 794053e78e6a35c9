"""The data migration that writes events for history older than the trail: rows made without events
get theirs once, rows the services already recorded are left alone, and a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from django.utils.html import strip_tags

from halqa.communities import services
from halqa.communities.models import GoalUpdate, Role
from halqa.communities.tests.factories import (
    CharterRevisionFactory,
    CommunityFactory,
    CommunityMembershipFactory,
    DecisionFactory,
    GoalFactory,
)
from halqa.events.models import Event, Verb

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("halqa.events.migrations.0002_backfill_community_history").backfill


@pytest.fixture
def old_history(world):
    """A community whose history was written before the trail: rows, no events."""
    created = timezone.now() - dt.timedelta(days=30)
    community = CommunityFactory(school=world.school, name="Old circle", created_by=world.teacher, created_at=created)
    CommunityMembershipFactory(community=community, user=world.teacher, role=Role.FACILITATOR, joined_at=created)
    CommunityMembershipFactory(
        community=community,
        user=world.colleague,
        invited_by=world.teacher,
        joined_at=created + dt.timedelta(days=2),
    )
    CommunityMembershipFactory(
        community=community, user=world.parent, role=Role.GUEST, joined_at=created + dt.timedelta(days=3)
    )
    CharterRevisionFactory(community=community, edited_by=world.teacher, edited_at=created)  # written with it
    CharterRevisionFactory(community=community, edited_by=world.teacher, edited_at=created + dt.timedelta(days=5))
    goal = GoalFactory(community=community, title="Fluency")
    GoalUpdate.objects.create(goal=goal, progress=30, by=world.colleague, at=created + dt.timedelta(days=6))
    decision = DecisionFactory(
        community=community,
        status="signed",
        signed_by=world.principal,
        signed_by_name="Principal Pia",
        signed_at=created + dt.timedelta(days=7),
        verification_code="OLD-123",
    )
    assert not Event.objects.filter(community_id=community.pk).exists()
    return community, goal, decision


def test_the_backfill_writes_one_event_per_piece_of_old_history(world, old_history):
    community, goal, decision = old_history
    assert backfill(apps) == 6
    events = list(Event.objects.filter(community_id=community.pk).order_by("at", "id"))
    assert [e.verb for e in events] == [
        Verb.COMMUNITY_CREATED,  # tells the first charter and the creator joining too
        Verb.INVITATION_ACCEPTED,
        Verb.REQUEST_ACCEPTED,
        Verb.CHARTER_EDITED,
        Verb.PROGRESS_RECORDED,
        Verb.DECISION_SIGNED,
    ]
    created, cyrus, parisa, charter, progress, signed = events
    assert created.actor == world.teacher and created.at == community.created_at
    assert cyrus.target_label == "Colleague Cyrus" and cyrus.after == {"role": "member", "status": "active"}
    assert parisa.actor is None and parisa.after["role"] == "guest"
    assert progress.target_id == goal.pk and progress.after == {"progress": 30, "note": ""}
    assert progress.actor == world.colleague and progress.at == GoalUpdate.objects.get().at
    assert signed.actor_label == "Principal Pia" and signed.after["verification_code"] == "OLD-123"
    assert {e.school_id for e in events} == {world.school.pk}


def test_running_it_again_adds_nothing(old_history):
    backfill(apps)
    count = Event.objects.count()
    assert backfill(apps) == 0
    assert Event.objects.count() == count


def test_history_the_services_recorded_is_not_told_twice(world):
    community = services.create_community(
        actor=world.teacher, school=world.school, name="New circle", topic="t", charter={"mission": "Read"}
    )
    services.update_charter(community, actor=world.teacher, mission="Read more")
    invitation = services.invite_member(community, actor=world.teacher, person=world.colleague)
    services.answer_invitation(invitation, actor=world.colleague, accept=True)
    goal = services.add_goal(
        community, actor=world.teacher, title="G", target="t", measure="m", due_date=dt.date(2027, 1, 1)
    )
    services.record_progress(goal, actor=world.colleague, progress=20)
    before = Event.objects.count()
    assert backfill(apps) == 0
    assert Event.objects.count() == before


def test_the_old_history_shows_in_the_recent_activity(world, old_history, client):
    from django.urls import reverse

    backfill(apps)
    client.force_login(world.colleague)
    page = strip_tags(client.get(reverse("communities:detail", args=[old_history[0].pk])).content.decode())
    assert "Colleague Cyrus set the progress of “Fluency” to 30%" in page
    assert "Principal Pia signed decision OLD-123" in page
    assert "Teacher Tala created the community" in page
    assert "Parent Parisa" not in page  # a guest's joining, old or new, stays hidden from a member
