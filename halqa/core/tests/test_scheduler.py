"""The scheduler fires each job's slot once however many run, and prunes what is finished."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from halqa.core import outbox, scheduler
from halqa.core.models import DeliveryStatus, OutboundEmail, ScheduledRun
from halqa.core.tasks import deliver_email

pytestmark = pytest.mark.django_db


def counting_job(period=dt.timedelta(minutes=1)):
    calls = []
    return scheduler.Job("count", period, lambda: calls.append(1)), calls


def test_two_ticks_in_the_same_slot_fire_once():
    job, calls = counting_job()
    moment = dt.datetime(2026, 3, 1, 10, 0, 5, tzinfo=dt.UTC)
    assert scheduler.tick(moment, jobs=(job,)) == ["count"]
    assert scheduler.tick(moment + dt.timedelta(seconds=40), jobs=(job,)) == []  # a second scheduler, same minute
    assert scheduler.tick(moment + dt.timedelta(minutes=1), jobs=(job,)) == ["count"]  # the next slot
    assert len(calls) == 2
    assert ScheduledRun.objects.filter(job="count", finished_at__isnull=False).count() == 2


def test_a_failing_job_is_recorded_and_the_others_still_run():
    def broken():
        raise RuntimeError("boom")

    job, calls = counting_job()
    fired = scheduler.tick(jobs=(scheduler.Job("broken", dt.timedelta(minutes=1), broken), job))
    assert fired == ["broken", "count"] and calls == [1]
    assert ScheduledRun.objects.get(job="broken").error == "RuntimeError"


def test_slots_follow_the_period():
    moment = dt.datetime(2026, 3, 1, 10, 59, 59, tzinfo=dt.UTC)
    assert scheduler.slot_start(moment, dt.timedelta(hours=1)) == dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    assert scheduler.slot_start(moment, dt.timedelta(minutes=1)) == dt.datetime(2026, 3, 1, 10, 59, tzinfo=dt.UTC)


def test_pruning_removes_old_finished_results_and_keeps_pending_ones(settings):
    settings.TASK_RESULTS_KEEP_DAYS = 7
    old = timezone.now() - dt.timedelta(days=8)
    results = {name: deliver_email.enqueue(1).id for name in ("old_done", "old_failed", "old_waiting", "new_done")}
    DBTaskResult.objects.filter(id=results["old_done"]).update(status="SUCCESSFUL", finished_at=old)
    DBTaskResult.objects.filter(id=results["old_failed"]).update(status="FAILED", finished_at=old)
    DBTaskResult.objects.filter(id=results["old_waiting"]).update(enqueued_at=old)
    DBTaskResult.objects.filter(id=results["new_done"]).update(status="SUCCESSFUL", finished_at=timezone.now())

    assert scheduler.prune_task_results() == 2
    left = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert left == {str(results["old_waiting"]), str(results["new_done"])}


def test_pruning_the_outbox_keeps_what_is_not_finished(settings):
    settings.OUTBOX_KEEP_DAYS = 30
    rows = {
        status: outbox.queue_email("message", f"{status}@example.org", params={"subject": "s", "body": "b"})
        for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.RETRYING, DeliveryStatus.CANCELLED)
    }
    for status, row in rows.items():
        OutboundEmail.objects.filter(pk=row.pk).update(status=status)
    OutboundEmail.objects.update(updated_at=timezone.now() - dt.timedelta(days=31))
    recent = outbox.queue_email("message", "recent@example.org", params={"subject": "s", "body": "b"})
    OutboundEmail.objects.filter(pk=recent.pk).update(status=DeliveryStatus.SENT)

    assert scheduler.prune_outbox() == 3
    assert set(OutboundEmail.objects.values_list("recipient", flat=True)) == {
        "retrying@example.org",
        "recent@example.org",
    }


def test_the_command_runs_a_tick(monkeypatch):
    # Like the task worker, the command recycles connections between ticks; a test keeps its own.
    monkeypatch.setattr("halqa.core.management.commands.scheduler.close_old_connections", lambda: None)
    call_command("scheduler", "--once")
    assert set(ScheduledRun.objects.values_list("job", flat=True)) == {job.name for job in scheduler.JOBS}
