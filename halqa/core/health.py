"""What /healthz reports: can we reach the database, and is the task queue being worked off."""

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
    from django_tasks_db.models import DBTaskResult

    try:
        waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        pending = waiting.count()
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        last_done = (
            DBTaskResult.objects.exclude(finished_at=None)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
    except DatabaseError as exc:
        return {"ok": False, "backend": backend, "error": exc.__class__.__name__}
    oldest_age = (timezone.now() - oldest).total_seconds() if oldest else 0
    return {
        "ok": oldest_age < STALE_TASK_AFTER.total_seconds(),
        "backend": backend,
        "pending": pending,
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
