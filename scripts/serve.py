"""Run Halqa's web server, task worker and scheduler side by side; Ctrl-C stops all three.

Used by `make run`. The web server is gunicorn (static files through WhiteNoise); the worker is
django-tasks' database worker, or the RQ worker when TASKS_BACKEND=redis; the scheduler
(`manage.py scheduler`) retries overdue emails, prunes old task results and outbox rows, and sends
the daily digests, the meetings' reminders and the overdue action items.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    # Links in emails point at this server unless the deployment says otherwise (PORT=9000 make run).
    os.environ.setdefault("SITE_URL", f"http://{host}:{port}")
    web = [
        str(BIN / "gunicorn"),
        "halqa.wsgi",
        "--bind",
        f"{host}:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
    ]
    if os.environ.get("TASKS_BACKEND") == "redis":
        worker = [
            sys.executable,
            "manage.py",
            "rqworker",
            "default",
            "--job-class",
            "django_tasks_rq.backend.Job",
            "--with-scheduler",  # runs deferred jobs (an email's next attempt) when they are due
        ]
    else:
        worker = [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "*"]
    scheduler = [sys.executable, "manage.py", "scheduler"]
    processes = [subprocess.Popen(command, cwd=ROOT) for command in (web, worker, scheduler)]
    print(f"\nHalqa is running on http://{host}:{port}/ — press Ctrl-C to stop.\n", flush=True)

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.3)
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
    print("Halqa stopped.", flush=True)
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main())
