"""The audit page speaks the reader's language: fields by their names, codes by their choice labels,
dates in the reader's calendar, people by name, long text cut short; the CSV keeps the raw values
and adds the same words in two columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import translation

from halqa.accounts.tests.factories import UserFactory
from halqa.communities import services
from halqa.communities.models import Role, Visibility
from halqa.core.calendars import format_date
from halqa.events.describe import audit_rows
from halqa.events.models import Event, Verb

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(display_name="Site Sara", is_staff=True)


@pytest.fixture
def changes(world):
    """A community whose visibility, a member's role, a goal's date and an activity's responsible changed."""
    community = services.create_community(
        actor=world.teacher, school=world.school, name="Readers", topic="Reading", visibility=Visibility.SCHOOL
    )
    services.update_community(community, actor=world.teacher, visibility=Visibility.PUBLIC)
    invitation = services.invite_member(community, actor=world.teacher, person=world.colleague)
    cyrus = services.answer_invitation(invitation, actor=world.colleague, accept=True)
    services.change_role(cyrus, actor=world.teacher, role=Role.EXPERT)
    goal = services.add_goal(
        community, actor=world.teacher, title="Fluency", target="t", measure="m", due_date=dt.date(2027, 6, 1)
    )
    services.update_goal(goal, actor=world.teacher, due_date=dt.date(2027, 9, 15))
    activity = services.add_activity(
        community, actor=world.teacher, title="Lesson study", starts_on=dt.date(2027, 1, 10), responsible=world.teacher
    )
    services.update_activity(activity, actor=world.teacher, responsible=world.colleague)
    services.update_charter(community, actor=world.teacher, mission="Read " * 100)
    return community


def rows_by_verb(viewer) -> dict[str, list]:
    with translation.override("en"):
        rows = audit_rows(Event.objects.all(), viewer)
    return {row.event.verb: [(c.label, c.before, c.after) for c in row.changes] for row in rows}


def test_fields_and_codes_are_named_as_the_reader_says_them(changes, staff):
    rows = rows_by_verb(staff)
    assert rows[Verb.COMMUNITY_UPDATED] == [
        ("Who can see it", "School: people of the school (or network)", "Public: every signed-in person")
    ]
    assert rows[Verb.ROLE_CHANGED] == [("Role", "Member", "Expert")]
    assert rows[Verb.ACTIVITY_UPDATED] == [("Responsible", "Teacher Tala", "Colleague Cyrus")]


def test_dates_are_in_the_readers_calendar(changes, staff):
    assert rows_by_verb(staff)[Verb.GOAL_UPDATED] == [
        ("By when", format_date(dt.date(2027, 6, 1)), format_date(dt.date(2027, 9, 15)))
    ]
    staff.calendar = "hijri"
    label, before, after = rows_by_verb(staff)[Verb.GOAL_UPDATED][0]
    assert after == format_date(dt.date(2027, 9, 15), calendar="hijri") != format_date(dt.date(2027, 9, 15))


def test_long_text_is_cut_short(changes, staff):
    label, before, after = rows_by_verb(staff)[Verb.CHARTER_EDITED][0]
    assert label == "Mission" and len(after) <= 80 and after.endswith("…")


def test_the_audit_page_shows_the_words_not_the_codes(client, changes, staff):
    client.force_login(staff)
    page = client.get(reverse("events:audit"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Who can see it:" in page and "Public: every signed-in person" in page
    assert "visibility:" not in page and "role:" not in page
    assert "Role changed" in page  # the action, in words


def test_the_audit_page_speaks_arabic_to_an_arabic_reader(client, changes, staff):
    staff.preferred_language = "ar"
    staff.save(update_fields=["preferred_language"])
    client.force_login(staff)
    page = client.get(reverse("events:audit")).content.decode()
    with translation.override("ar"):
        role = str(Role.EXPERT.label)
        verb = str(Verb.ROLE_CHANGED.label)
    assert role != "Expert" and role in page and verb in page


def test_the_csv_keeps_raw_values_and_adds_them_in_words(client, changes, staff):
    client.force_login(staff)
    response = client.get(reverse("events:audit_csv"), {"verb": Verb.ROLE_CHANGED}, HTTP_ACCEPT_LANGUAGE="en")
    header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert header[-2:] == ["What happened", "Change"]
    assert json.loads(row[6]) == {"role": "member", "status": "active"}
    assert json.loads(row[7]) == {"role": "expert", "status": "active"}
    assert row[-2] == "Role changed"
    assert row[-1] == "Role: Member → Expert"  # the status was recorded on both sides, and did not change
