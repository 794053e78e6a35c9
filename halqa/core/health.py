"""What /healthz reports: can we reach the database, is the task queue being worked off, is email going out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

# A task that has waited this long means no worker is taking tasks.
STALE_TASK_AFTER = dt.timedelta(minutes=10)


def database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def task_queue() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_db"):
        return _database_queue(backend)
    if backend.startswith("django_tasks_rq"):
        return _redis_queue(backend)
    return {"ok": True, "backend": backend}


def _database_queue(backend: str) -> dict:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    try:
        waiting = DBTaskResult.objects.ready()  # deferred tasks (a retry later) are not waiting yet
        pending = waiting.count()
        scheduled = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() - pending
        # A task waits from when it was enqueued, or from the time it was deferred to.
        oldest_enqueued = (
            waiting.filter(run_after=get_date_max())
            .order_by("enqueued_at")
            .values_list("enqueued_at", flat=True)
            .first()
        )
        oldest_due = (
            waiting.exclude(run_after=get_date_max()).order_by("run_after").values_list("run_after", flat=True).first()
        )
        last_done = (
            DBTaskResult.objects.exclude(finished_at=None)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
    except DatabaseError as exc:
        return {"ok": False, "backend": backend, "error": exc.__class__.__name__}
    oldest = min((moment for moment in (oldest_enqueued, oldest_due) if moment), default=None)
    oldest_age = max((now - oldest).total_seconds(), 0) if oldest else 0
    return {
        "ok": oldest_age < STALE_TASK_AFTER.total_seconds(),
        "backend": backend,
        "pending": pending,
        "scheduled": scheduled,
        "oldest_pending_seconds": round(oldest_age),
        "last_finished": last_done.isoformat() if last_done else None,
    }


def _redis_queue(backend: str) -> dict:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.ping()
        pending = client.llen("rq:queue:default")
    except redis.RedisError as exc:
        return {"ok": False, "backend": backend, "error": exc.__class__.__name__}
    return {"ok": True, "backend": backend, "pending": pending}


def email() -> dict:
    """Emails that are failing, overdue or were given up lately make the site "degraded", not down."""
    from . import outbox

    try:
        counts = outbox.undelivered_counts()
    except DatabaseError as exc:
        return {"ok": False, "undelivered": None, "error": exc.__class__.__name__}
    undelivered = counts["retrying"] + counts["overdue"] + counts["given_up"]
    return {"ok": undelivered == 0, "undelivered": undelivered, **counts}
