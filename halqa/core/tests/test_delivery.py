"""No email is lost and no secret is kept: the outbox, its retries, the links made in the worker.

Every test sends real email to the aiosmtpd server (`smtp_server`) through the database task
worker (`run_tasks`), as `make run` does.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from halqa.accounts.tests.factories import UserFactory
from halqa.core import outbox
from halqa.core.models import DeliveryStatus, OutboundEmail
from halqa.core.tasks import deliver_email
from halqa.core.testing.mail import MailBox, free_port
from halqa.orgs import services
from halqa.orgs.models import Invitation

pytestmark = pytest.mark.django_db


def invite_page(client, world, email="new.teacher@example.org", capture=None):
    client.force_login(world.principal)
    with capture(execute=True):
        response = client.post(
            reverse("orgs:school_invitations", args=[world.school.pk]), {"email": email, "position": "teacher"}
        )
    assert response.status_code == 302
    return Invitation.objects.get(email=email, revoked_at=None)


def invitation_link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", body).group(1)


def stored_everywhere() -> str:
    """Everything the task queue and the outbox hold, as text."""
    rows = list(DBTaskResult.objects.values()) + list(OutboundEmail.objects.values())
    return json.dumps(rows, default=str)


def smtp_down(settings):
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused


def clock_moves_past_next_attempt():
    """What time does to a deferred retry: its task and its row become due."""
    past = timezone.now() - dt.timedelta(seconds=1)
    DBTaskResult.objects.filter(status="READY").update(run_after=past)
    OutboundEmail.objects.filter(status=DeliveryStatus.RETRYING).update(next_attempt_at=past)


# --- the outbox ---------------------------------------------------------------------------------


def test_an_email_is_an_outbox_row_and_the_task_holds_only_its_id(
    world, client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    invitation = invite_page(client, world, capture=django_capture_on_commit_callbacks)
    row = OutboundEmail.objects.get()
    assert (row.kind, row.recipient, row.about_id, row.status) == (
        "orgs.invitation",
        "new.teacher@example.org",
        invitation.pk,
        DeliveryStatus.QUEUED,
    )
    assert [task.args_kwargs for task in DBTaskResult.objects.all()] == [{"args": [row.pk], "kwargs": {}}]

    run_tasks()

    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 1 and row.sent_at is not None
    assert len(smtp_server.messages) == 1
    assert DBTaskResult.objects.get().return_value == "sent"


def test_the_invitation_link_exists_only_in_the_email(
    world, client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    invite_page(client, world, capture=django_capture_on_commit_callbacks)
    run_tasks()
    path = invitation_link(smtp_server.messages[0]["message"])
    token = path.split("/")[-2]
    assert token not in stored_everywhere()  # not in task arguments, results or the outbox
    client.logout()
    assert client.get(path).status_code == 200  # and the link the worker made works


def test_password_reset_link_is_made_in_the_worker_and_stored_nowhere(
    client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    user = UserFactory(email="forgetful@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    row = OutboundEmail.objects.get()
    assert row.kind == "account" and row.params["user_id"] == user.pk
    run_tasks()
    body = smtp_server.messages[0]["message"].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/accounts/password/reset/key/(\S+)/", body)
    assert link.group(0).startswith("http://127.0.0.1:8000/")  # SITE_URL, not the request's Host header
    assert link.group(1).split("-", 1)[1] not in stored_everywhere()
    form = client.get(link.group(0).split("8000", 1)[1], follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"password1": "a-brand-new-passphrase-7", "password2": "a-brand-new-passphrase-7"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase-7")


def test_email_confirmation_link_is_made_in_the_worker_and_stored_nowhere(
    rf, smtp_server, run_tasks, client, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress
    from allauth.core.context import request_context

    user = UserFactory(email="main@example.org")
    address = EmailAddress.objects.create(user=user, email="second@example.org", verified=False)
    request = rf.get("/")
    request.user = user
    with request_context(request), django_capture_on_commit_callbacks(execute=True):
        address.send_confirmation(request)
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [["second@example.org"]]
    body = smtp_server.messages[0]["message"].get_body(preferencelist=("plain",)).get_content()
    key = re.search(r"/accounts/confirm-email/([-:\w]+)/", body).group(1)
    assert key not in stored_everywhere()
    client.force_login(user)
    client.post(reverse("account_confirm_email", args=[key]))
    address.refresh_from_db()
    assert address.verified


def test_a_failed_delivery_is_retried_with_backoff_and_then_sent(
    world, client, settings, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    invite_page(client, world, capture=django_capture_on_commit_callbacks)
    port = settings.EMAIL_PORT
    smtp_down(settings)
    before = timezone.now()
    run_tasks()

    row = OutboundEmail.objects.get()
    assert row.status == DeliveryStatus.RETRYING and row.attempts == 1
    assert row.last_error.startswith("ConnectionRefusedError")
    assert before + dt.timedelta(seconds=59) < row.next_attempt_at < timezone.now() + dt.timedelta(seconds=61)
    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == "SUCCESSFUL"  # the task did not fail "for ever": the row carries on
    assert retry.status == "READY" and retry.run_after == row.next_attempt_at

    run_tasks()  # not due yet: nothing happens
    assert OutboundEmail.objects.get().attempts == 1

    settings.EMAIL_PORT = port  # the mail server is back
    clock_moves_past_next_attempt()
    run_tasks()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 2 and row.last_error == ""
    assert len(smtp_server.messages) == 1


def test_backoff_doubles_up_to_a_ceiling(settings):
    settings.EMAIL_RETRY_BASE_SECONDS = 60
    settings.EMAIL_RETRY_MAX_SECONDS = 600
    assert [outbox.retry_delay(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_delivery_is_given_up_after_the_last_attempt(
    world, client, settings, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    settings.EMAIL_MAX_ATTEMPTS = 2
    invite_page(client, world, capture=django_capture_on_commit_callbacks)
    smtp_down(settings)
    run_tasks()
    clock_moves_past_next_attempt()
    run_tasks()
    row = OutboundEmail.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.attempts == 2
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no further attempt is queued


def test_a_recipient_refused_for_good_is_given_up_at_once(
    world, client, settings, run_tasks, django_capture_on_commit_callbacks
):
    class Refusing(MailBox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such user"

    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        invite_page(client, world, capture=django_capture_on_commit_callbacks)
        run_tasks()
    finally:
        controller.stop()
    row = OutboundEmail.objects.get()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.FAILED, 1, "SMTPRecipientsRefused: 550")


def test_a_duplicated_task_sends_once(world, client, smtp_server, run_tasks, django_capture_on_commit_callbacks):
    invite_page(client, world, capture=django_capture_on_commit_callbacks)
    row = OutboundEmail.objects.get()
    deliver_email.enqueue(row.pk)
    deliver_email.enqueue(row.pk)
    run_tasks()
    assert len(smtp_server.messages) == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == ["sent", "skipped", "skipped"]
    deliver_email.enqueue(row.pk)  # a task that comes late finds it sent and does nothing
    run_tasks()
    assert len(smtp_server.messages) == 1


def test_a_row_another_worker_is_sending_is_left_alone(world, smtp_server):
    row = outbox.queue_email("message", "x@example.org", params={"subject": "Hi", "body": "Hello"})
    OutboundEmail.objects.filter(pk=row.pk).update(status=DeliveryStatus.SENDING, claimed_at=timezone.now())
    assert outbox.deliver(row.pk) == "skipped"
    assert smtp_server.messages == []


def test_the_sweep_delivers_an_email_whose_task_was_lost(world, smtp_server, run_tasks):
    from halqa.core import scheduler

    # Inviting without running the on-commit hook: the row is written, its task never enqueued.
    services.invite(actor=world.principal, school=world.school, email="lost@example.org", position="teacher")
    assert not DBTaskResult.objects.exists()
    scheduler.tick()
    run_tasks()
    assert smtp_server.messages == []  # within the grace period the sweep leaves it to its own task

    OutboundEmail.objects.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=5))
    scheduler.tick(now=timezone.now() + dt.timedelta(minutes=1))
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [["lost@example.org"]]
    assert OutboundEmail.objects.get().status == DeliveryStatus.SENT


def test_the_sweep_frees_a_row_left_sending_by_a_worker_that_died(world, smtp_server, run_tasks):
    row = outbox.queue_email("message", "x@example.org", params={"subject": "Hi", "body": "Hello"})
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert outbox.sweep() == 1
    run_tasks()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT and row.attempts == 2


def test_an_invitation_withdrawn_before_delivery_is_not_sent(world, smtp_server, run_tasks):
    invitation = services.invite(actor=world.principal, school=world.school, email="w@example.org", position="teacher")
    services.revoke_invitation(invitation, actor=world.principal)
    outbox.schedule(OutboundEmail.objects.get().pk)
    run_tasks()
    assert smtp_server.messages == []
    assert OutboundEmail.objects.get().status == DeliveryStatus.CANCELLED


# --- failures are visible, and the inviter can send again --------------------------------------


def failed_invitation(world, email="bounce@example.org") -> Invitation:
    invitation = services.invite(actor=world.principal, school=world.school, email=email, position="teacher")
    OutboundEmail.objects.filter(about_id=invitation.pk).update(status=DeliveryStatus.FAILED, attempts=10)
    return invitation


def test_the_inviter_sees_which_invitations_were_not_delivered(world, client):
    failed_invitation(world)
    services.invite(actor=world.principal, school=world.school, email="waiting@example.org", position="teacher")
    client.force_login(world.principal)
    page = client.get(reverse("orgs:school_invitations", args=[world.school.pk])).content.decode()
    assert "Could not be delivered" in page
    assert "Not delivered yet" in page
    api = client.get("/api/v1/invitations/").json()["results"]
    assert {item["email"]: item["delivery_status"] for item in api} == {
        "bounce@example.org": "failed",
        "waiting@example.org": "queued",
    }


def test_resending_makes_a_fresh_link_and_a_new_email(
    world, client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    invitation = failed_invitation(world)
    old_token = services.issue_invitation_token(invitation)
    client.force_login(world.principal)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orgs:invitation_resend", args=[world.school.pk, invitation.pk]))
    assert response.status_code == 302
    assert client.get(reverse("orgs:invitation", args=[old_token])).status_code == 404  # the old link is dead
    rows = OutboundEmail.objects.filter(about_id=invitation.pk).order_by("created_at", "id")
    assert [row.status for row in rows] == [DeliveryStatus.FAILED, DeliveryStatus.QUEUED]
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [["bounce@example.org"]]
    client.logout()
    assert client.get(invitation_link(smtp_server.messages[0]["message"])).status_code == 200


@pytest.mark.parametrize("who", ["teacher", "parent", "other_principal", "foreign_principal"])
def test_only_the_schools_leaders_may_resend(world, client, who):
    invitation = failed_invitation(world)
    client.force_login(getattr(world, who))
    response = client.post(reverse("orgs:invitation_resend", args=[world.school.pk, invitation.pk]))
    assert response.status_code in {403, 404}
    assert OutboundEmail.objects.filter(about_id=invitation.pk).count() == 1


def test_resending_needs_a_signed_in_person(world, client):
    invitation = failed_invitation(world)
    response = client.post(reverse("orgs:invitation_resend", args=[world.school.pk, invitation.pk]))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_resending_while_the_email_is_on_its_way_is_refused(world, client):
    invitation = services.invite(actor=world.principal, school=world.school, email="q@example.org", position="teacher")
    client.force_login(world.principal)
    response = client.post(reverse("orgs:invitation_resend", args=[world.school.pk, invitation.pk]), follow=True)
    assert "being sent right now" in response.content.decode()
    assert OutboundEmail.objects.filter(about_id=invitation.pk).count() == 1


def test_resending_a_withdrawn_invitation_is_refused(world):
    from django.core.exceptions import ValidationError

    invitation = failed_invitation(world)
    services.revoke_invitation(invitation, actor=world.principal)
    with pytest.raises(ValidationError):
        services.resend_invitation(invitation, actor=world.principal)


def test_the_api_resends_for_the_schools_leaders_only(world, client):
    invitation = failed_invitation(world)
    client.force_login(world.teacher)
    assert client.post(f"/api/v1/invitations/{invitation.pk}/resend/").status_code == 404
    client.force_login(world.principal)
    response = client.post(f"/api/v1/invitations/{invitation.pk}/resend/")
    assert response.status_code == 200
    assert response.json()["delivery_status"] == "queued"


def test_someone_whose_invitation_could_not_be_delivered_can_be_invited_again(world):
    first = failed_invitation(world)
    second = services.invite(actor=world.principal, school=world.school, email="bounce@example.org", position="teacher")
    first.refresh_from_db()
    assert first.status == "revoked" and second.status == "pending"


# --- other emails go through the outbox too ----------------------------------------------------


def test_a_plain_message_kind_cannot_be_invented(world):
    with pytest.raises(ValueError):
        outbox.queue_email("made-up", "x@example.org")


# --- the admin shows no task arguments ---------------------------------------------------------


def test_the_admin_shows_no_task_arguments_or_results(client, admin_user):
    result = deliver_email.enqueue(424242)
    DBTaskResult.objects.filter(id=result.id).update(
        args_kwargs={"args": ["secret-in-arguments"], "kwargs": {}}, return_value="secret-in-result"
    )
    client.force_login(admin_user)
    listing = client.get("/admin/django_tasks_database/dbtaskresult/")
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{result.id}/change/")
    assert listing.status_code == detail.status_code == 200
    for page in (listing, detail):
        assert "secret-in-arguments" not in page.content.decode()
        assert "secret-in-result" not in page.content.decode()
    assert "halqa.core.tasks.deliver_email" in detail.content.decode()
