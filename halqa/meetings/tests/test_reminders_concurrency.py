"""Two schedulers sending the same minute's reminders at the same moment (two services, or one slot
fired late while the next runs): each person is reminded once. On PostgreSQL, with two connections."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from halqa.events.models import Event, Verb
from halqa.meetings import reminders, services
from halqa.meetings.models import Participant
from halqa.notifications.models import Kind, Notification

from . import test_services
from .test_services import circle

m = test_services.m  # the fixture

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time: nothing overlaps"
    ),
]


def test_two_schedulers_at_once_remind_each_person_once(m, monkeypatch):
    meeting = circle(m)
    services.invite(meeting, actor=m.colleague, people=[m.expert])
    Notification.objects.all().delete()
    at = meeting.starts_at - dt.timedelta(hours=23)
    meet = threading.Barrier(2)
    due_reminders = reminders.due_reminders

    def together(now):
        rows = due_reminders(now)
        meet.wait(timeout=5)  # both have read the same due rows and are about to claim them
        return rows

    monkeypatch.setattr(reminders, "due_reminders", together)
    errors, counts = [], []

    def run():
        try:
            counts.append(reminders.send_reminders(at)["sent"])
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(counts) == 2  # the two claims split the rows, never both
    assert Event.objects.filter(verb=Verb.MEETING_REMINDER_DAY, target_id=meeting.pk).count() == 2
    assert Notification.objects.filter(kind=Kind.MEETING_REMINDER_DAY, recipient=m.expert).count() == 1
    assert Notification.objects.filter(kind=Kind.MEETING_REMINDER_DAY, recipient=m.colleague).count() == 1
    assert set(Participant.objects.filter(meeting=meeting).values_list("remind_at", flat=True)) == {
        meeting.starts_at - dt.timedelta(hours=1)
    }
