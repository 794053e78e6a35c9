"""The scale path: with TASKS_BACKEND=redis, email goes through Redis and an RQ worker.

Runs the real commands in subprocesses against a local Redis server (CI starts one); skipped with
a reason where no Redis answers.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS = ("127.0.0.1", 6379)


def redis_is_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_is_up(), reason="no Redis server on 127.0.0.1:6379 (CI starts one)")
def test_email_task_goes_through_redis_and_the_rq_worker(smtp_server, settings, tmp_path):
    queue_db = 15
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}},
        "TASKS_BACKEND": "redis",
        "REDIS_URL": f"redis://127.0.0.1:6379/{queue_db}",
        "EMAIL_URL": f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'halqa.sqlite3'}",  # the outbox row lives in the database
    }
    import redis

    redis.Redis(host=REDIS[0], port=REDIS[1], db=queue_db).flushdb()

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    migrated = manage("migrate", "--noinput", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    enqueue = (
        "from django.db import transaction; from halqa.core.outbox import queue_email;\n"
        "with transaction.atomic(): queue_email('message', 'rq@example.org', params={'subject': 'Through Redis', 'body': 'hello'})"
    )
    result = manage("shell", "-c", enqueue)
    assert result.returncode == 0, result.stderr
    assert smtp_server.messages == []
    worker = manage("rqworker", "default", "--burst", "--job-class", "django_tasks_rq.backend.Job")
    assert worker.returncode == 0, worker.stderr
    assert [m["message"]["Subject"] for m in smtp_server.messages] == ["Through Redis"]
    status = manage(
        "shell", "-c", "from halqa.core.models import OutboundEmail; print(OutboundEmail.objects.get().status)"
    )
    assert status.stdout.strip().splitlines()[-1] == "sent", status.stderr
