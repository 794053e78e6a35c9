import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from halqa.orgs.tasks import send_invitation_email

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_task_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["tasks"]["backend"].startswith("django_tasks_db")
    assert body["tasks"]["pending"] == 0


def test_healthz_counts_waiting_tasks_and_fails_when_nobody_works_them_off(client):
    send_invitation_email.enqueue(1, "token")
    assert client.get("/healthz").json()["tasks"]["pending"] == 1
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["tasks"]["ok"] is False


def test_healthz_is_open_to_anonymous_and_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
