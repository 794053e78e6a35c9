"""Two workers delivering the same event at the same moment (a retried task while the first still
runs): each person is told once and emailed once. On PostgreSQL, with two connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from halqa.core.models import OutboundEmail
from halqa.events.models import Event, Verb
from halqa.notifications import services
from halqa.notifications.models import Notification

from .conftest import sign

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time: nothing overlaps"
    ),
]


def test_two_deliveries_at_once_tell_and_email_each_person_once(scene, monkeypatch):
    sign(scene.draft, scene.principal)
    event = Event.objects.get(verb=Verb.DECISION_SIGNED)
    Notification.objects.all().delete()  # whatever the listener did after the signature's commit
    OutboundEmail.objects.filter(kind=services.NOTIFICATION_EMAIL).delete()
    meet = threading.Barrier(2)
    channels_for = services.channels_for

    def together(*args, **kwargs):
        meet.wait(timeout=5)  # both have their recipients and are about to write
        return channels_for(*args, **kwargs)

    monkeypatch.setattr(services, "channels_for", together)
    errors = []

    def run():
        try:
            services.deliver(Event.objects.get(pk=event.pk))
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
    assert Notification.objects.filter(event=event).count() == 4
    emails = OutboundEmail.objects.filter(kind=services.NOTIFICATION_EMAIL)
    assert sorted(emails.values_list("recipient", flat=True)) == sorted(
        p.email for p in (scene.teacher, scene.colleague, scene.expert, scene.parent)
    )
