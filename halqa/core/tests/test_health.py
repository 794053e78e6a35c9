import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from halqa.core.tasks import deliver_email

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_task_queue(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["tasks"]["backend"].startswith("django_tasks_db")
    assert body["tasks"]["pending"] == 0


def test_healthz_counts_waiting_tasks_and_fails_when_nobody_works_them_off(client, admin_user):
    client.force_login(admin_user)
    deliver_email.enqueue(1)
    assert client.get("/healthz").json()["tasks"]["pending"] == 1
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["tasks"]["ok"] is False


def test_healthz_is_open_to_anonymous_and_only_answers_get(client):
    assert client.post("/healthz").status_code == 405


# --- email and who sees what ---------------------------------------------------------------------


@pytest.fixture
def failing_email(db):
    from halqa.core import outbox
    from halqa.core.models import DeliveryStatus, OutboundEmail

    for address in ("a@example.org", "b@example.org"):
        row = outbox.queue_email("message", address, params={"subject": "s", "body": "b"})
        OutboundEmail.objects.filter(pk=row.pk).update(status=DeliveryStatus.RETRYING, attempts=3)
    sent = outbox.queue_email("message", "c@example.org", params={"subject": "s", "body": "b"})
    OutboundEmail.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)


def test_failing_email_makes_the_site_degraded_with_the_count_for_staff(client, admin_user, failing_email):
    client.force_login(admin_user)
    response = client.get("/healthz")
    assert response.status_code == 200  # the site serves pages; a load balancer keeps it
    body = response.json()
    assert body["status"] == "degraded"
    assert body["undelivered"] == 2
    assert body["email"]["retrying"] == 2


def test_others_get_only_the_bare_status(client, world, failing_email):
    assert client.get("/healthz").json() == {"status": "degraded"}
    client.force_login(world.principal)
    assert client.get("/healthz").json() == {"status": "degraded"}


def test_bare_status_when_all_is_well(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_monitor_with_the_token_sees_the_details(client, settings, failing_email):
    settings.HEALTHZ_TOKEN = "monitor-secret-1234"
    assert client.get("/healthz", headers={"X-Healthz-Token": "monitor-secret-1234"}).json()["undelivered"] == 2
    assert client.get("/healthz", headers={"X-Healthz-Token": "monitor-secret-1234"}).json()["database"]["ok"] is True
    # Not in the query string, where access logs would keep it.
    assert client.get("/healthz?token=monitor-secret-1234").json() == {"status": "degraded"}
    assert client.get("/healthz", headers={"X-Healthz-Token": "monitor-secret-123"}).json() == {"status": "degraded"}


def test_no_token_is_accepted_when_none_is_configured(client, settings, failing_email):
    settings.HEALTHZ_TOKEN = ""
    assert client.get("/healthz", headers={"X-Healthz-Token": ""}).json() == {"status": "degraded"}


def test_an_email_given_up_makes_the_site_degraded(client, admin_user):
    from halqa.core import outbox
    from halqa.core.models import DeliveryStatus, OutboundEmail

    row = outbox.queue_email("message", "a@example.org", params={"subject": "s", "body": "b"})
    OutboundEmail.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED)
    client.force_login(admin_user)
    body = client.get("/healthz").json()
    assert (body["status"], body["undelivered"], body["email"]["given_up"]) == ("degraded", 1, 1)


def test_a_retry_deferred_to_later_is_not_a_stale_queue(client, admin_user):
    deliver_email.using(run_after=timezone.now() + dt.timedelta(hours=2)).enqueue(1)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(admin_user)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["tasks"]["pending"] == 0
    assert response.json()["tasks"]["scheduled"] == 1


def test_the_database_error_answers_503_with_the_bare_status(client, monkeypatch):
    from halqa.core import health

    monkeypatch.setattr(health, "database", lambda: {"ok": False, "error": "OperationalError"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}


def test_an_email_nobody_delivers_makes_the_site_degraded(client, admin_user):
    from halqa.core import outbox
    from halqa.core.models import OutboundEmail

    outbox.queue_email("message", "a@example.org", params={"subject": "s", "body": "b"})
    client.force_login(admin_user)
    assert client.get("/healthz").json()["status"] == "ok"  # just queued: on its way
    OutboundEmail.objects.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=20))
    body = client.get("/healthz").json()
    assert (body["status"], body["email"]["overdue"]) == ("degraded", 1)
