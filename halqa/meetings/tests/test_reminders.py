"""Reminders a day and an hour before a meeting, through the scheduler's job: per-person settings,
late but not lost when nothing ran at its time, dropped with a record once the meeting has begun,
never twice; overdue action items told once; meeting kinds in the daily digest, reminders never."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from halqa.core import scheduler
from halqa.core.models import OutboundEmail
from halqa.events.models import Event, Verb
from halqa.meetings import reminders, services
from halqa.meetings.models import ActionItem, Participant, Rsvp
from halqa.notifications import services as notifications
from halqa.notifications.models import Channel, Kind, Notification
from halqa.notifications.queries import items

from . import test_services
from .test_services import circle

m = test_services.m  # the fixture

pytestmark = pytest.mark.django_db

DAY, HOUR = Kind.MEETING_REMINDER_DAY, Kind.MEETING_REMINDER_HOUR


@pytest.fixture
def meeting(m):
    meeting = circle(m)
    services.invite(meeting, actor=m.colleague, people=[m.expert])
    return meeting


def run(at, capture):
    with capture(execute=True):
        return reminders.send_reminders(at)


def told(person, kind):
    return Notification.objects.filter(recipient=person, kind=kind).count()


def test_a_day_then_an_hour_before_each_participant_is_reminded_once(m, meeting, django_capture_on_commit_callbacks):
    start = meeting.starts_at
    place = Participant.objects.get(meeting=meeting, user=m.expert)
    assert place.remind_at == start - dt.timedelta(hours=24)

    assert run(start - dt.timedelta(hours=25), django_capture_on_commit_callbacks)["sent"] == 0  # not yet
    assert run(start - dt.timedelta(hours=23), django_capture_on_commit_callbacks)["sent"] == 2  # Cyrus and Eve
    assert told(m.expert, DAY) == 1 and told(m.colleague, DAY) == 1
    place.refresh_from_db()
    assert place.remind_at == start - dt.timedelta(hours=1)  # advanced to the next lead
    assert run(start - dt.timedelta(hours=23), django_capture_on_commit_callbacks)["sent"] == 0  # a second run
    assert run(start - dt.timedelta(minutes=50), django_capture_on_commit_callbacks)["sent"] == 2
    assert told(m.expert, HOUR) == 1 and told(m.expert, DAY) == 1
    place.refresh_from_db()
    assert place.remind_at is None
    assert run(start - dt.timedelta(minutes=5), django_capture_on_commit_callbacks)["sent"] == 0
    assert OutboundEmail.objects.filter(recipient=m.expert.email, kind=notifications.NOTIFICATION_EMAIL).count() == 2
    item = Notification.objects.filter(recipient=m.expert, kind=HOUR).get()
    assert item.channel == Channel.IMMEDIATELY
    shown = items([item], m.expert)[0]
    assert "Reminder:" in shown.sentence and "starts within the hour" in shown.sentence
    assert meeting.title in shown.sentence and shown.link == meeting.get_absolute_url()


def test_each_person_turns_either_reminder_off(m, meeting, django_capture_on_commit_callbacks):
    notifications.set_preferences(m.expert, {DAY: Channel.OFF})
    notifications.set_preferences(m.colleague, {DAY: Channel.OFF, HOUR: Channel.OFF})
    start = meeting.starts_at
    run(start - dt.timedelta(hours=23), django_capture_on_commit_callbacks)
    run(start - dt.timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert told(m.expert, DAY) == 0 and told(m.expert, HOUR) == 1
    assert told(m.colleague, DAY) == 0 and told(m.colleague, HOUR) == 0


def test_reminders_are_never_digested(m):
    with pytest.raises(ValidationError):
        notifications.set_preferences(m.expert, {HOUR: Channel.DIGEST})
    assert notifications.channels_of(m.expert)[HOUR] == Channel.IMMEDIATELY


def test_the_settings_page_offers_reminders_on_or_off_only(m, client):
    client.force_login(m.expert)
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200
    assert f'name="{HOUR}" value="digest"' not in page.content.decode()
    assert f'name="{HOUR}" value="off"' in page.content.decode()
    choices = dict.fromkeys(Kind.values, Channel.IMMEDIATELY) | {HOUR: Channel.DIGEST}
    refused = client.post(reverse("notifications:settings"), choices)
    assert refused.status_code == 400
    assert notifications.channels_of(m.expert)[HOUR] == Channel.IMMEDIATELY
    choices[HOUR] = Channel.OFF
    assert client.post(reverse("notifications:settings"), choices).status_code == 302
    assert notifications.channels_of(m.expert)[HOUR] == Channel.OFF


def test_the_api_refuses_a_digested_reminder(m, client):
    client.force_login(m.expert)
    url = "/api/v1/notifications/preferences/"
    response = client.put(url, {HOUR: "digest"}, content_type="application/json")
    assert response.status_code == 400
    assert notifications.channels_of(m.expert)[HOUR] == Channel.IMMEDIATELY


def test_a_reminder_found_late_still_goes_out_before_the_start(m, meeting, django_capture_on_commit_callbacks):
    """The scheduler or the worker was down at the day's reminder: it goes out when they are back."""
    start = meeting.starts_at
    assert run(start - dt.timedelta(hours=5), django_capture_on_commit_callbacks)["sent"] == 2
    assert told(m.expert, DAY) == 1
    assert Participant.objects.get(meeting=meeting, user=m.expert).remind_at == start - dt.timedelta(hours=1)


def test_when_the_hour_has_come_only_the_hours_reminder_goes_out(m, meeting, django_capture_on_commit_callbacks):
    start = meeting.starts_at
    assert run(start - dt.timedelta(minutes=20), django_capture_on_commit_callbacks)["sent"] == 2
    assert told(m.expert, DAY) == 0 and told(m.expert, HOUR) == 1
    assert Participant.objects.get(meeting=meeting, user=m.expert).remind_at is None


def test_a_reminder_too_late_to_matter_is_dropped_with_a_record(m, meeting, django_capture_on_commit_callbacks):
    start = meeting.starts_at
    counts = run(start + dt.timedelta(minutes=10), django_capture_on_commit_callbacks)
    assert counts == {"sent": 0, "dropped": 2, "skipped": 0}
    assert not Notification.objects.filter(kind__in=[DAY, HOUR]).exists()
    dropped = Event.objects.filter(verb=Verb.MEETING_REMINDER_DROPPED, target_id=meeting.pk)
    assert sorted(e.after["person"] for e in dropped) == sorted([m.expert.pk, m.colleague.pk])
    assert dropped.first().school_id == m.school.pk  # on the school's trail, for its admins
    assert not Participant.objects.filter(meeting=meeting, remind_at__isnull=False).exists()
    assert run(start + dt.timedelta(minutes=11), django_capture_on_commit_callbacks)["dropped"] == 0


def test_no_reminder_after_no_or_a_cancellation(m, meeting, django_capture_on_commit_callbacks):
    services.respond(meeting, actor=m.expert, rsvp=Rsvp.NO)
    run(meeting.starts_at - dt.timedelta(hours=23), django_capture_on_commit_callbacks)
    assert told(m.expert, DAY) == 0 and told(m.colleague, DAY) == 1
    services.cancel_meeting(meeting, actor=m.colleague)
    run(meeting.starts_at - dt.timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert told(m.colleague, HOUR) == 0


def test_someone_who_may_no_longer_see_the_meeting_is_not_reminded(m, django_capture_on_commit_callbacks):
    meeting = circle(m, announced=False)
    services.invite(meeting, actor=m.colleague, people=[m.parent])
    m.parent.is_active = False
    m.parent.save(update_fields=["is_active"])
    run(meeting.starts_at - dt.timedelta(hours=2), django_capture_on_commit_callbacks)
    assert told(m.parent, DAY) == 0 and told(m.colleague, DAY) == 1


def test_a_meeting_planned_at_short_notice_gets_the_hours_reminder_only(m, django_capture_on_commit_callbacks):
    start = timezone.now() + dt.timedelta(hours=5)
    meeting = services.create_meeting(
        actor=m.colleague,
        community=m.community,
        title="Short notice",
        place="Room 1",
        starts_at=start.replace(tzinfo=None, microsecond=0),
        ends_at=(start + dt.timedelta(hours=1)).replace(tzinfo=None, microsecond=0),
        timezone="UTC",
    )
    place = Participant.objects.get(meeting=meeting, user=m.colleague)
    assert place.remind_at == meeting.starts_at - dt.timedelta(hours=1)


def test_the_job_asks_for_due_rows_only_in_one_query(m, meeting):
    for number in range(5):
        circle(m, title=f"Later {number}")
    with CaptureQueriesContext(connection) as queries:
        assert reminders.send_reminders(meeting.starts_at - dt.timedelta(days=2))["sent"] == 0
    assert len(queries) == 1
    assert "remind_at" in queries[0]["sql"] and "meetings_meeting" in queries[0]["sql"]


def test_the_scheduler_runs_the_reminders_every_minute(m, meeting):
    names = [job.name for job in scheduler.JOBS]
    assert "meeting-reminders" in names and "action-items-overdue" in names
    job = next(job for job in scheduler.JOBS if job.name == "meeting-reminders")
    assert job.period == dt.timedelta(minutes=1)
    fired = scheduler.tick(meeting.starts_at - dt.timedelta(hours=23), jobs=(job,))
    assert fired == ["meeting-reminders"]


# --- Overdue action items ---------------------------------------------------------------------------


def test_an_overdue_action_item_is_told_to_its_owner_once(m, meeting, django_capture_on_commit_callbacks):
    today = timezone.now().date()
    late = ActionItem.objects.create(meeting=meeting, text="Share the exit tickets", owner=m.expert, due_on=today)
    done = ActionItem.objects.create(
        meeting=meeting, text="Done already", owner=m.expert, due_on=today, done_at=timezone.now()
    )
    undated = ActionItem.objects.create(meeting=meeting, text="Some day", owner=m.expert)
    m.expert.time_zone = "UTC"
    m.expert.save(update_fields=["time_zone"])
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.tell_overdue(noon) == 0  # due today: not overdue yet
        assert reminders.tell_overdue(noon + dt.timedelta(days=1)) == 1
        assert reminders.tell_overdue(noon + dt.timedelta(days=2)) == 0
    assert told(m.expert, Kind.MEETING_ACTION_OVERDUE) == 1
    late.refresh_from_db()
    assert late.overdue_told_at is not None
    assert ActionItem.objects.get(pk=done.pk).overdue_told_at is None
    assert ActionItem.objects.get(pk=undated.pk).overdue_told_at is None


def test_overdue_waits_for_the_owners_own_day(m, meeting):
    day = dt.date(2026, 3, 10)
    ActionItem.objects.create(meeting=meeting, text="Tidy up", owner=m.expert, due_on=day)
    m.expert.time_zone = "America/Los_Angeles"
    m.expert.save(update_fields=["time_zone"])
    # 02:00 UTC on the 11th is still the 10th in Los Angeles
    assert reminders.tell_overdue(dt.datetime(2026, 3, 11, 2, tzinfo=dt.UTC)) == 0
    assert reminders.tell_overdue(dt.datetime(2026, 3, 11, 9, tzinfo=dt.UTC)) == 1


# --- The daily digest ------------------------------------------------------------------------------


def test_a_digested_meeting_change_comes_in_the_digest_and_reminders_stay_immediate(
    m, meeting, django_capture_on_commit_callbacks, run_tasks
):
    notifications.set_preferences(m.expert, {Kind.MEETING_CHANGED: Channel.DIGEST})
    m.expert.time_zone = "UTC"
    m.expert.save(update_fields=["time_zone"])
    with django_capture_on_commit_callbacks(execute=True):
        services.update_meeting(meeting, actor=m.colleague, place="Room 14")
    run_tasks()
    changed = Notification.objects.get(recipient=m.expert, kind=Kind.MEETING_CHANGED)
    assert changed.channel == Channel.DIGEST and changed.emailed_at is None
    run(meeting.starts_at - dt.timedelta(minutes=30), django_capture_on_commit_callbacks)
    reminder = Notification.objects.get(recipient=m.expert, kind=HOUR)
    assert reminder.channel == Channel.IMMEDIATELY and reminder.emailed_at is not None
    morning = (timezone.now() + dt.timedelta(days=1)).replace(hour=8, minute=0)
    assert notifications.send_digests(morning) >= 1
    changed.refresh_from_db()
    reminder.refresh_from_db()
    assert changed.digested_at is not None and reminder.digested_at is None
