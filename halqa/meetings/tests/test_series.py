"""Recurring meetings (RFC 5545): the same local time across a daylight-saving change, the
community's cadences as rules, one occurrence changed or cancelled alone, the rest of a series
changed or cancelled at once, and rules that cannot be a series refused with nothing saved."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from halqa.communities.models import Role
from halqa.communities.tests.factories import CommunityFactory
from halqa.events.models import Event, Verb
from halqa.meetings import recurrence, services
from halqa.meetings.models import Meeting, Series, Status

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Europe/Berlin moves its clocks forward on Sunday 28 March 2027.
FIRST = dt.datetime(2027, 3, 16, 18, 0)


@pytest.fixture
def s(world):
    w = world
    w.community = CommunityFactory(school=w.school, facilitator=w.colleague, members={Role.MEMBER: [w.expert]})
    return w


def series(w, rule="FREQ=WEEKLY;COUNT=4", **extra) -> Meeting:
    return services.create_meeting(
        actor=w.colleague,
        community=w.community,
        title="Lesson study",
        place="Room 7",
        starts_at=FIRST,
        ends_at=FIRST + dt.timedelta(hours=1, minutes=30),
        timezone="Europe/Berlin",
        rrule=rule,
        agenda=[{"title": "Round", "minutes": 20}],
        **extra,
    )


def occurrences(first: Meeting) -> list[Meeting]:
    return list(Meeting.objects.filter(series=first.series).order_by("recurrence_id"))


def test_a_weekly_series_keeps_its_local_time_across_the_clock_change(s):
    first = series(s)
    meetings = occurrences(first)
    assert [m.starts_at.astimezone(BERLIN).hour for m in meetings] == [18, 18, 18, 18]
    assert [m.starts_at.astimezone(dt.UTC).hour for m in meetings] == [17, 17, 16, 16]
    assert all(m.ends_at - m.starts_at == dt.timedelta(hours=1, minutes=30) for m in meetings)
    assert all(m.agenda.count() == 1 and m.participants.filter(user=s.colleague).exists() for m in meetings)
    assert first.series.rrule == "FREQ=WEEKLY;COUNT=4"
    created = Event.objects.filter(verb=Verb.MEETING_CREATED)
    assert created.count() == 1 and created.get().after["count"] == 4


def test_the_community_cadences_as_rules():
    assert recurrence.rule_for("biweekly", FIRST, 6) == "FREQ=WEEKLY;INTERVAL=2;COUNT=6"
    assert recurrence.rule_for("monthly", dt.datetime(2027, 3, 9, 18), 3) == "FREQ=MONTHLY;BYDAY=+2TU;COUNT=3"
    assert recurrence.rule_for("monthly", dt.datetime(2027, 3, 30, 18), 3) == "FREQ=MONTHLY;BYDAY=-1TU;COUNT=3"


def test_monthly_on_the_second_tuesday(s):
    first = services.create_meeting(
        actor=s.colleague,
        community=s.community,
        title="Monthly",
        place="Room",
        starts_at=dt.datetime(2027, 3, 9, 18),
        ends_at=dt.datetime(2027, 3, 9, 19),
        timezone="Europe/Berlin",
        rrule="RRULE:FREQ=MONTHLY;BYDAY=+2TU;COUNT=3",
    )
    days = [m.starts_at.astimezone(BERLIN).date() for m in occurrences(first)]
    assert days == [dt.date(2027, 3, 9), dt.date(2027, 4, 13), dt.date(2027, 5, 11)]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY",  # no end
        "FREQ=WEEKLY;COUNT=60",  # too many
        "FREQ=HOURLY;COUNT=3",
        "FREQ=WEEKLY;UNTIL=20310101T000000",  # beyond two years
        "not a rule",
        "FREQ=WEEKLY;COUNT=x",
        "FREQ=WEEKLY;COUNT=1",
        "FREQ=WEEKLY;COUNT=3\x00",
        "FREQ=WEEKLY;BYDAY=XX;COUNT=3",
    ],
)
def test_rules_that_cannot_be_a_series_are_refused_with_nothing_saved(s, rule):
    with pytest.raises(ValidationError) as refused:
        series(s, rule=rule)
    assert "rrule" in refused.value.message_dict
    assert not Meeting.objects.exists() and not Series.objects.exists()


def test_one_occurrence_changed_and_one_cancelled_alone(s):
    meetings = occurrences(series(s))
    services.update_meeting(
        meetings[1], actor=s.colleague, starts_at=dt.datetime(2027, 3, 24, 17), ends_at=dt.datetime(2027, 3, 24, 18)
    )
    services.cancel_meeting(meetings[2], actor=s.colleague, reason="Holiday")
    after = occurrences(meetings[0])
    assert after[1].starts_at.astimezone(BERLIN) == dt.datetime(2027, 3, 24, 17, tzinfo=BERLIN)
    assert after[1].recurrence_id == meetings[1].recurrence_id  # its place in the rule is kept
    assert after[1].sequence == 1 and after[0].sequence == 0
    assert [m.status for m in after] == [Status.SCHEDULED, Status.SCHEDULED, Status.CANCELLED, Status.SCHEDULED]


def test_the_rest_of_the_series_changed_then_cancelled(s):
    meetings = occurrences(series(s))
    # From the second on: 19:00 instead of 18:00, in another room; the first stays.
    services.update_meeting(
        meetings[1],
        actor=s.colleague,
        scope="following",
        starts_at=dt.datetime(2027, 3, 23, 19),
        ends_at=dt.datetime(2027, 3, 23, 20),
        place="Library",
    )
    after = occurrences(meetings[0])
    assert [m.starts_at.astimezone(BERLIN).hour for m in after] == [18, 19, 19, 19]
    assert [m.place for m in after] == ["Room 7", "Library", "Library", "Library"]
    assert all(m.ends_at - m.starts_at == dt.timedelta(hours=1) for m in after[1:])
    event = Event.objects.filter(verb=Verb.MEETING_UPDATED).get()
    assert event.after["scope"] == "following" and len(event.after["meetings"]) == 3
    services.cancel_meeting(after[2], actor=s.colleague, scope="following")
    assert [m.status for m in occurrences(meetings[0])] == ["scheduled", "scheduled", "cancelled", "cancelled"]
    with pytest.raises(ValidationError):
        services.update_meeting(after[1], actor=s.colleague, scope="all of them", title="X")


def test_a_series_through_the_form_and_the_rest_cancelled_from_the_page(s, login):
    from django.urls import reverse

    client = login(s.colleague)
    answer = client.post(
        reverse("meetings:new_for_community", args=[s.community.pk]),
        {
            "title": "Fortnightly circle",
            "format": "discussion_circle",
            "starts_at": "2027-03-16T18:00",
            "ends_at": "2027-03-16T19:00",
            "timezone": "Europe/Berlin",
            "place": "Room 7",
            "repeat": "biweekly",
            "count": "3",
        },
    )
    assert answer.status_code == 302
    meetings = list(Meeting.objects.order_by("recurrence_id"))
    assert [m.starts_at.astimezone(BERLIN).date() for m in meetings] == [
        dt.date(2027, 3, 16),
        dt.date(2027, 3, 30),
        dt.date(2027, 4, 13),
    ]
    assert [m.starts_at.astimezone(BERLIN).hour for m in meetings] == [18, 18, 18]
    page = client.get(meetings[1].get_absolute_url()).content.decode()
    assert "Meeting 2 of 3 in a series." in page and 'name="scope"' in page
    cancelled = client.post(reverse("meetings:cancel", args=[meetings[1].pk]), {"reason": "", "scope": "following"})
    assert cancelled.status_code == 302
    assert list(Meeting.objects.order_by("recurrence_id").values_list("status", flat=True)) == [
        "scheduled",
        "cancelled",
        "cancelled",
    ]


def test_a_series_through_the_api(s):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(s.colleague)
    body = {
        "community": s.community.pk,
        "title": "Weekly",
        "starts_at": "2027-03-16T18:00:00",
        "ends_at": "2027-03-16T19:00:00",
        "timezone": "Europe/Berlin",
        "place": "Room",
    }
    assert client.post("/api/v1/meetings/", {**body, "rrule": "FREQ=WEEKLY"}, format="json").status_code == 400
    made = client.post("/api/v1/meetings/", {**body, "rrule": "FREQ=WEEKLY;COUNT=3"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["series"] is not None and Meeting.objects.count() == 3
    second = Meeting.objects.order_by("recurrence_id")[1]
    changed = client.patch(f"/api/v1/meetings/{second.pk}/", {"place": "Library", "scope": "following"}, format="json")
    assert changed.status_code == 200
    assert list(Meeting.objects.order_by("recurrence_id").values_list("place", flat=True)) == [
        "Room",
        "Library",
        "Library",
    ]
