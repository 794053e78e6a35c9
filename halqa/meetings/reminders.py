"""Reminders before a meeting and the overdue action items, run by the scheduler (halqa/core/scheduler.py).

Reminders: `Participant.remind_at` is the indexed "due" field — 24 hours before the start (an hour
before when the meeting was planned later than that), moved with the meeting, cleared on "no" and on
cancellation. Every minute `send_reminders` asks for the rows due now (an index scan on remind_at,
never every meeting) and claims each with `UPDATE … WHERE remind_at = <the value read>`, advancing
it to the next lead (the hour before) or clearing it: of two schedulers or workers reading the same
row, one claim matches and the other updates nothing, so nobody is reminded twice. The claim and the
reminder's event are one transaction; the notification follows the event's commit through the
meeting's rules (kinds `meeting_reminder_day` / `meeting_reminder_hour`, each on or off per person,
never digested).

Not lost when nothing ran at its time: a reminder found late still goes out while the meeting has
not begun (the hour's reminder instead of the day's when the hour has come); once the meeting has
begun it is too late to matter, and it is dropped with an event (`meeting.reminder_dropped`) on the
meeting's trail, which the school's admins see.

Overdue action items: `tell_overdue` (hourly) finds open items due before today (a partial index)
and claims each with `UPDATE … WHERE overdue_told_at IS NULL`, so the owner is told once, in the
morning after the due date in their own time zone.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.db import transaction
from django.utils import timezone

from halqa.events import record
from halqa.events.models import Verb

from .models import ActionItem, Participant, Rsvp, Status
from .services import LAST_REMINDER

logger = logging.getLogger(__name__)

# How many reminders one run handles; the rest are due still and come at the next minute.
BATCH = 500


def _where(meeting) -> dict:
    return meeting.where()


def due_reminders(now: dt.datetime) -> list[Participant]:
    """The places whose reminder is due (an index range scan on remind_at), oldest first."""
    return list(
        Participant.objects.filter(remind_at__lte=now)
        .select_related("meeting__community", "meeting__case")
        .order_by("remind_at", "pk")[:BATCH]
    )


def send_reminders(now: dt.datetime | None = None) -> dict[str, int]:
    """Send the reminders due by `now`; returns how many were sent, dropped and skipped."""
    now = now or timezone.now()
    counts = {"sent": 0, "dropped": 0, "skipped": 0}
    for place in due_reminders(now):
        meeting = place.meeting
        read = place.remind_at
        if meeting.status != Status.SCHEDULED or place.rsvp == Rsvp.NO:
            verb, following = None, None
        elif now >= meeting.starts_at:
            verb, following = Verb.MEETING_REMINDER_DROPPED, None
        elif now >= meeting.starts_at - LAST_REMINDER:
            verb, following = Verb.MEETING_REMINDER_HOUR, None
        else:
            verb, following = Verb.MEETING_REMINDER_DAY, meeting.starts_at - LAST_REMINDER
        with transaction.atomic():
            claimed = Participant.objects.filter(pk=place.pk, remind_at=read).update(remind_at=following)
            if not claimed:
                continue  # another scheduler took it
            if verb is None:
                counts["skipped"] += 1
                continue
            after = {"person": place.user_id, "due": read.isoformat()}
            if verb == Verb.MEETING_REMINDER_DROPPED:
                after["starts_at"] = meeting.starts_at.isoformat()
                counts["dropped"] += 1
                logger.warning("Reminder for meeting %s (person %s) dropped: it had begun", meeting.pk, place.user_id)
            else:
                counts["sent"] += 1
            record(verb, target=meeting, after=after, **_where(meeting))
    return counts


def _local_today(person, now: dt.datetime) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(person.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return now.astimezone(zone).date()


def tell_overdue(now: dt.datetime | None = None) -> int:
    """Tell each owner once about an open action item whose due date has passed; returns how many.

    Candidates are open items due before tomorrow in UTC (a partial index on due_on); an item is
    overdue when its due date is before the owner's own today, so an item not overdue yet where its
    owner lives is looked at again at the next run."""
    now = now or timezone.now()
    candidates = (
        ActionItem.objects.filter(
            done_at__isnull=True,
            overdue_told_at__isnull=True,
            due_on__isnull=False,
            due_on__lte=now.date(),
        )
        .select_related("owner", "meeting__community", "meeting__case")
        .order_by("due_on", "pk")[:BATCH]
    )
    told = 0
    for item in candidates:
        if item.due_on >= _local_today(item.owner, now):
            continue
        with transaction.atomic():
            if not ActionItem.objects.filter(pk=item.pk, overdue_told_at__isnull=True, done_at__isnull=True).update(
                overdue_told_at=now
            ):
                continue
            record(
                Verb.MEETING_ACTION_OVERDUE,
                target=item.meeting,
                after={"item": item.pk, "owner": item.owner_id, "text": item.text[:200], "due": str(item.due_on)},
                **_where(item.meeting),
            )
            told += 1
    return told
