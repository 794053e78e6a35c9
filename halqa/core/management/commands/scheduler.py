"""Run Halqa's periodic jobs (halqa.core.scheduler) until stopped; several may run at once."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from halqa.core import scheduler


class Command(BaseCommand):
    help = (
        "Run the periodic jobs: the outbox retry sweep, pruning task results and old outbox rows, "
        "the notification digests, meeting reminders, overdue action items and stale similar-case vectors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between ticks (default 15).")
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")

    def handle(self, *args, interval: float, once: bool, **options):
        self.running = True

        def stop(signum, frame):
            self.running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        names = ", ".join(f"{job.name} every {job.period}" for job in scheduler.JOBS)
        self.stdout.write(f"Scheduler started: {names}.")
        while self.running:
            close_old_connections()
            try:
                fired = scheduler.tick()
            except Exception as exc:  # the database may be restarting: try again at the next tick
                self.stderr.write(f"Scheduler tick failed: {type(exc).__name__}")
                fired = []
            if fired and options["verbosity"] > 1:
                self.stdout.write("Fired: " + ", ".join(fired))
            if once:
                break
            deadline = time.monotonic() + interval
            while self.running and time.monotonic() < deadline:
                time.sleep(min(0.5, interval))
        close_old_connections()
