"""Two people reordering one product's plan at the same moment, each from the order they read
before: the product's row lock makes the second wait for the first and then move its step within the
order the first left, so no two steps share a place. On PostgreSQL, with two connections."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from halqa.library import plan, services
from halqa.library.models import Step

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time: nothing overlaps"
    ),
]


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_two_reorders_at_once_take_turns(world, monkeypatch):
    w = world
    due = timezone.localdate() + dt.timedelta(days=7)
    product = services.start(actor=w.teacher, title="Plan", language="en", school=w.school)
    services.set_author(product, actor=w.teacher, person=w.colleague)
    a, _b, _c, d = (plan.add_step(product, actor=w.teacher, title=t, due=due) for t in "ABCD")
    first_holds_the_lock = threading.Event()
    check_order = plan._check_order

    def held(steps):
        if threading.current_thread().name == "first":
            first_holds_the_lock.set()
            deadline = time.monotonic() + 10
            while not waiting_for_a_lock() and time.monotonic() < deadline:
                time.sleep(0.02)  # until the second waits for the row, so the two overlap for sure
        return check_order(steps)

    monkeypatch.setattr(plan, "_check_order", held)
    errors = []

    def run(step, who, position):
        try:
            if threading.current_thread().name == "second":
                first_holds_the_lock.wait(timeout=10)
            plan.move_step(Step.objects.get(pk=step.pk), actor=who, position=position)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(d, w.teacher, 0), name="first"),  # D first: D A B C
        threading.Thread(target=run, args=(a, w.colleague, 3), name="second"),  # A last: D B C A
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert list(Step.objects.filter(product=product).order_by("position").values_list("title", "position")) == [
        ("D", 0),
        ("B", 1),
        ("C", 2),
        ("A", 3),
    ]
