"""Background work of notifications: a whole community's notifications, and their two emails.

`notify_event(event id)` writes the notifications of one event with many recipients (a signed
decision tells every member); the emails are outbox emails (`core.outbox`), built by the worker in
the recipient's language when they are sent, and not sent at all if the reader has already read
the notification or may no longer see what it is about.
"""

from __future__ import annotations

import datetime as dt
import html

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django_tasks import task


@task()
def notify_event(event_id: int) -> int:
    """Notify the people an event concerns; returns how many it concerned (a second run writes nothing)."""
    from halqa.events.models import Event

    from . import services

    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return 0
    return len(services.deliver(event))


def plain(sentence: str) -> str:
    """A sentence made for a page (escaped, names in <bdi>) as text for an email."""
    return html.unescape(strip_tags(sentence))


def _emailable(person) -> bool:
    return bool(person is not None and person.is_active and person.email)


def build_notification_email(row) -> EmailMultiAlternatives | None:
    """One notification by email, in the reader's language, if it is still unread and they may still see it."""
    from halqa.core import access

    from .models import Notification
    from .queries import items

    notification = (
        Notification.objects.select_related("recipient", "event__community", "event__actor")
        .filter(pk=row.about_id, read_at__isnull=True)
        .first()
    )
    if notification is None or not _emailable(notification.recipient):
        return None
    reader = notification.recipient
    with access.scope(), translation.override(reader.preferred_language):
        shown = items([notification], reader, check_access=True)
        if not shown or not shown[0].visible:
            return None
        item = shown[0]
        context = {
            "sentence": plain(item.sentence),
            "link": settings.SITE_URL + item.link,
            "settings_link": settings.SITE_URL + reverse("notifications:settings"),
        }
        subject = " ".join(context["sentence"].split())
        body = render_to_string("notifications/email/notification.txt", context)
    return EmailMultiAlternatives(subject, body, to=[reader.email])


def build_digest_email(row) -> EmailMultiAlternatives | None:
    """The day's digest: the batch of notifications stamped together, those still unread and visible."""
    from halqa.accounts.models import User
    from halqa.core import access

    from .models import Notification
    from .queries import items

    reader = User.objects.filter(pk=row.about_id).first()
    if not _emailable(reader):
        return None
    batch = dt.datetime.fromisoformat(row.params.get("batch", ""))
    notifications = list(
        Notification.objects.select_related("event__community", "event__actor")
        .filter(recipient=reader, digested_at=batch, read_at__isnull=True)
        .order_by("created_at", "pk")
    )
    with access.scope(), translation.override(reader.preferred_language):
        shown = [item for item in items(notifications, reader, check_access=True) if item.visible]
        if not shown:
            return None
        context = {
            "items": [{"sentence": plain(item.sentence), "link": settings.SITE_URL + item.link} for item in shown],
            "count": len(shown),
            "list_link": settings.SITE_URL + reverse("notifications:list"),
            "settings_link": settings.SITE_URL + reverse("notifications:settings"),
        }
        subject = " ".join(render_to_string("notifications/email/digest_subject.txt", context).split())
        body = render_to_string("notifications/email/digest.txt", context)
    return EmailMultiAlternatives(subject, body, to=[reader.email])
