"""Periodic jobs, fired by `manage.py scheduler` (started by `make run`; a service of its own in production).

Time is cut into slots of each job's period (a sweep every minute, pruning every hour). Before a
job runs in a slot, the scheduler writes the row (job, slot start); the unique constraint lets only
one of several schedulers running at once write it, so a slot fires once however many run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import FINISHED, OutboundEmail, ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    period: dt.timedelta
    run: Callable[[], object]


def sweep_outbox() -> int:
    from . import outbox

    return outbox.sweep()


def prune_task_results() -> int:
    """Delete finished task results older than TASK_RESULTS_KEEP_DAYS; waiting and running ones stay."""
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        return 0  # RQ keeps results for a short time of its own
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def prune_outbox() -> int:
    """Delete outbox rows finished (sent, given up, cancelled) more than OUTBOX_KEEP_DAYS ago, and old run slots."""
    now = timezone.now()
    cutoff = now - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _by_model = OutboundEmail.objects.filter(status__in=FINISHED, updated_at__lt=cutoff).delete()
    ScheduledRun.objects.filter(slot_start__lt=now - dt.timedelta(days=2)).delete()
    return deleted


def prune_rate_windows() -> int:
    """Delete the API limits' counters whose window has passed."""
    from .models import RateWindow

    deleted, _by_model = RateWindow.objects.filter(expires__lt=timezone.now()).delete()
    return deleted


def send_notification_digests() -> int:
    from halqa.notifications.services import send_digests

    return send_digests()


def send_meeting_reminders() -> dict:
    from halqa.meetings.reminders import send_reminders

    return send_reminders()


def tell_overdue_action_items() -> int:
    from halqa.meetings.reminders import tell_overdue

    return tell_overdue()


def embed_stale_vectors() -> int:
    from halqa.similar.vectors import schedule_stale

    return schedule_stale()


JOBS = (
    Job("outbox-sweep", dt.timedelta(minutes=1), sweep_outbox),
    Job("prune-task-results", dt.timedelta(hours=1), prune_task_results),
    Job("prune-outbox", dt.timedelta(hours=1), prune_outbox),
    Job("prune-rate-windows", dt.timedelta(minutes=10), prune_rate_windows),
    Job("notification-digests", dt.timedelta(hours=1), send_notification_digests),
    Job("meeting-reminders", dt.timedelta(minutes=1), send_meeting_reminders),
    Job("action-items-overdue", dt.timedelta(hours=1), tell_overdue_action_items),
    # Cases and products without a vector of the model in use (a new or changed model): one batch.
    Job("similar-stale", dt.timedelta(minutes=10), embed_stale_vectors),
)


def slot_start(now: dt.datetime, period: dt.timedelta) -> dt.datetime:
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return now - (now - epoch) % period


def claim_slot(job: Job, now: dt.datetime) -> ScheduledRun | None:
    """The run row for this job's current slot, if this scheduler is the one that wrote it."""
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(job=job.name, slot_start=slot_start(now, job.period), started_at=now)
    except IntegrityError:
        return None  # another scheduler fired this slot


def tick(now: dt.datetime | None = None, jobs: tuple[Job, ...] = JOBS) -> list[str]:
    """Run every job whose current slot nobody has fired yet; return their names."""
    now = now or timezone.now()
    fired = []
    for job in jobs:
        run = claim_slot(job, now)
        if run is None:
            continue
        fired.append(job.name)
        error = ""
        try:
            result = job.run()
            logger.info("Scheduled job %s: %s", job.name, result)
        except Exception as exc:
            error = type(exc).__name__
            logger.exception("Scheduled job %s failed", job.name)
        ScheduledRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=error[:200])
    return fired
