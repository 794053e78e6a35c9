"""Every write of notifications: telling people about an event, reading, choosing channels, the digest.

`on_event` is registered with `events.on_commit`: it runs after the transaction that recorded an
event has committed, looks up the rule of its verb (`registry`), and either delivers at once (one
recipient) or hands the event's id to a task (a whole community). Delivering is idempotent: one row
per (recipient, event) by a unique constraint, and an immediate email only for the rows whose
`emailed_at` this run stamped, so a retried listener or task tells nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from halqa.accounts.models import User
from halqa.core import access
from halqa.events.models import Event

from .models import Channel, Kind, Notification, Preference
from .registry import Rule, rule_for

logger = logging.getLogger(__name__)

NOTIFICATION_EMAIL = "notifications.immediate"
DIGEST_EMAIL = "notifications.digest"
# The digest goes out at the first run of the hourly job from this local hour on, once a local day.
DIGEST_HOUR = 7


def on_event(event: Event) -> None:
    """The event trail's listener: notify whoever the event's rule names, now or in a task."""
    rule = rule_for(event.verb)
    if rule is None:
        return
    if rule.heavy:
        from .tasks import notify_event

        try:
            notify_event.enqueue(event.pk)
            return
        except Exception:  # a queue that is down must not lose the notifications: do it here instead
            logger.exception("Could not enqueue notifications for event %s; delivering them now", event.pk)
    deliver(event, rule)


def channels_for(people: Iterable[User], kind: str) -> dict[int, str]:
    """Each person's channel for `kind` (their choice, else the kind's default), in one query."""
    from .kinds import DEFAULTS

    ids = [person.pk for person in people]
    chosen = dict(Preference.objects.filter(person_id__in=ids, kind=kind).values_list("person_id", "channel"))
    return {pk: chosen.get(pk, DEFAULTS[kind]) for pk in ids}


def recipients_of(event: Event, rule: Rule, subject) -> list[User]:
    """The rule's people, without the actor, inactive accounts and anyone who may not see the subject."""
    people = {}
    for person in rule.recipients(event, subject):
        if person.pk == event.actor_id or not person.is_active or person.pk in people:
            continue
        people[person.pk] = person
    return [person for person in people.values() if rule.may_see(person, subject)]


def deliver(event: Event, rule: Rule | None = None) -> list[Notification]:
    """Write the notifications of one event and queue its immediate emails; safe to run twice."""
    from halqa.core.outbox import queue_email

    rule = rule or rule_for(event.verb)
    if rule is None:
        return []
    with access.scope(), transaction.atomic():
        subject = rule.subject(event)
        if subject is None:
            return []
        if (
            event.community_id is not None
            and subject._meta.label == "communities.Community"
            and (event.community_id == subject.pk)
        ):
            event.community = subject  # the sentence names it; no second query
        people = recipients_of(event, rule, subject)
        channels = channels_for(people, rule.kind)
        rows = [
            Notification(recipient=person, event=event, kind=rule.kind, channel=channels[person.pk])
            for person in people
            if channels[person.pk] != Channel.OFF
        ]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        if rule.emailed_by_area:
            return rows
        stamp = timezone.now()
        claimed = Notification.objects.filter(
            event=event, recipient__in=[row.recipient_id for row in rows], channel=Channel.IMMEDIATELY
        )
        claimed.filter(emailed_at__isnull=True).update(emailed_at=stamp)
        for notification in claimed.filter(emailed_at=stamp).select_related("recipient"):
            queue_email(
                NOTIFICATION_EMAIL,
                notification.recipient.email,
                about_id=notification.pk,
                language=notification.recipient.preferred_language,
            )
    return rows


# --- Reading -----------------------------------------------------------------------------------


def mark_read(notification: Notification, *, reader: User) -> Notification:
    """Mark one's own notification read (someone else's is not found: callers look it up in
    `queries.notifications_of(reader)`)."""
    if notification.recipient_id != reader.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(reader: User) -> int:
    return Notification.objects.filter(recipient=reader, read_at__isnull=True).update(read_at=timezone.now())


# --- Channels ----------------------------------------------------------------------------------


def set_preferences(person: User, choices: dict[str, str]) -> dict[str, str]:
    """Set the person's channel for each kind given; a kind set to its default keeps no row."""
    from .kinds import DEFAULTS

    unknown_kinds = [kind for kind in choices if kind not in Kind.values]
    if unknown_kinds:
        raise ValidationError(
            _("Unknown kind of notification: %(kinds)s.") % {"kinds": ", ".join(sorted(map(str, unknown_kinds)))}
        )
    unknown_channels = [channel for channel in choices.values() if channel not in Channel.values]
    if unknown_channels:
        raise ValidationError(
            _("Unknown channel: %(channels)s.") % {"channels": ", ".join(sorted(map(str, unknown_channels)))}
        )
    from .kinds import IMMEDIATE_ONLY

    digested = sorted(
        str(kind) for kind, channel in choices.items() if kind in IMMEDIATE_ONLY and channel == Channel.DIGEST
    )
    if digested:
        raise ValidationError(
            _("These come at once or not at all, never in the digest: %(kinds)s.") % {"kinds": ", ".join(digested)}
        )
    with transaction.atomic():
        for kind, channel in choices.items():
            if channel == DEFAULTS[kind]:
                Preference.objects.filter(person=person, kind=kind).delete()
            else:
                Preference.objects.update_or_create(person=person, kind=kind, defaults={"channel": channel})
    return channels_of(person)


def channels_of(person: User) -> dict[str, str]:
    """The person's channel for every kind, defaults filled in."""
    from .kinds import DEFAULTS

    chosen = dict(Preference.objects.filter(person=person).values_list("kind", "channel"))
    return {kind: chosen.get(kind, DEFAULTS[kind]) for kind in Kind.values}


# --- The daily digest --------------------------------------------------------------------------


def _local(moment: dt.datetime, person: User) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(person.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return moment.astimezone(zone)


def digest_due(person: User, now: dt.datetime, last_digest: dt.datetime | None) -> bool:
    """From DIGEST_HOUR in the person's time zone, once per local day."""
    local_now = _local(now, person)
    if local_now.hour < DIGEST_HOUR:
        return False
    return last_digest is None or _local(last_digest, person).date() < local_now.date()


def send_digests(now: dt.datetime | None = None) -> int:
    """Email each person whose morning it is their unread digest-channel notifications, as one email.

    Run every hour by the scheduler. The rows of one digest are stamped with the same `digested_at`
    (only rows not stamped yet: two runs cannot take the same row), and the email names that batch;
    a notification is never in two digests. Returns how many digests were queued."""
    from halqa.core.outbox import queue_email

    now = now or timezone.now()
    pending = Notification.objects.filter(channel=Channel.DIGEST, read_at__isnull=True, digested_at__isnull=True)
    people = (
        User.objects.filter(pk__in=pending.values("recipient_id"), is_active=True)
        .annotate(last_digest=Max("notifications__digested_at"))
        .only("pk", "email", "time_zone", "preferred_language")
    )
    sent = 0
    for person in people:
        if not digest_due(person, now, person.last_digest):
            continue
        with transaction.atomic():
            if pending.filter(recipient=person, created_at__lte=now).update(digested_at=now):
                queue_email(
                    DIGEST_EMAIL,
                    person.email,
                    about_id=person.pk,
                    params={"batch": now.isoformat()},
                    language=person.preferred_language,
                )
                sent += 1
    return sent
