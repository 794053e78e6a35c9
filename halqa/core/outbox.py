"""The email outbox: queue an email in the caller's transaction, deliver it in the worker, retry it.

How an email travels:

1. `queue_email()` writes an `OutboundEmail` row in the same transaction as the change that calls
   for it and, once that commits, enqueues `deliver_email(row id)`. Only the id goes into the task
   queue; the row holds what the email is about (an id) and never a secret.
2. `deliver()` (the task) claims the row by a compare-and-set of its status, so a duplicated or
   retried task sends nothing twice; it then asks the kind's builder for the message. The builder
   makes any secret (an invitation token, a password-reset or confirmation link) there and then,
   so it exists only in the email itself.
3. A failure is written on the row and the delivery is tried again with exponential backoff
   (re-enqueued with `run_after`); after `EMAIL_MAX_ATTEMPTS` it is given up and shown as such.
4. `sweep()`, run every minute by `manage.py scheduler`, enqueues rows whose attempt is overdue
   (a task that was lost, a queue that was down) and frees rows left "sending" by a worker that
   died. Only that case can send an email twice: the worker died after the mail server took the
   message and before the row said so.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from .models import UNFINISHED, WAITING, DeliveryStatus, OutboundEmail

logger = logging.getLogger(__name__)

# kind → "module.function" that turns a row into a message, or None when there is nothing to send
# any more (the invitation was withdrawn, the post deleted): the row is then marked cancelled.
BUILDERS: dict[str, str] = {
    "message": "halqa.core.outbox.build_plain_message",
    "orgs.invitation": "halqa.orgs.tasks.build_invitation_email",
    "account": "halqa.accounts.emails.build_account_email",
    "discussions.mention": "halqa.discussions.tasks.build_mention_email",
    "communities.invitation": "halqa.communities.tasks.build_community_invitation",
    "notifications.immediate": "halqa.notifications.tasks.build_notification_email",
    "notifications.digest": "halqa.notifications.tasks.build_digest_email",
}

# A task may run a moment before the time it was scheduled for (clocks of two machines).
CLOCK_TOLERANCE = dt.timedelta(seconds=5)
# A row "sending" for this long belongs to a worker that died.
SENDING_LEASE = dt.timedelta(minutes=10)
# The sweep leaves a due row this long to its own task before it enqueues another.
SWEEP_GRACE = dt.timedelta(minutes=2)


def queue_email(
    kind: str,
    recipient: str,
    *,
    about_id: int | None = None,
    params: dict | None = None,
    language: str | None = None,
) -> OutboundEmail:
    """Write the outbox row now; enqueue its delivery when the surrounding transaction commits."""
    if kind not in BUILDERS:
        raise ValueError(f"No email builder for {kind!r}")
    row = OutboundEmail.objects.create(
        kind=kind,
        recipient=recipient,
        about_id=about_id,
        params=params or {},
        language=language or get_language() or settings.LANGUAGE_CODE,
    )
    transaction.on_commit(lambda: schedule(row.pk))
    return row


def cancel_unfinished(kind: str, about_id: int) -> int:
    """Stop deliveries about this object that have not been attempted to the end (a resend supersedes them)."""
    return OutboundEmail.objects.filter(kind=kind, about_id=about_id, status__in=WAITING).update(
        status=DeliveryStatus.CANCELLED, updated_at=timezone.now()
    )


def latest_status(kind: str, outer_ref: str = "pk") -> Subquery:
    """The status of the newest email of `kind` about each row of the outer query (one subquery)."""
    newest = OutboundEmail.objects.filter(kind=kind, about_id=OuterRef(outer_ref)).order_by("-created_at", "-id")
    return Subquery(newest.values("status")[:1], output_field=models.CharField())


def schedule(row_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Enqueue a delivery; if the queue cannot take it, the sweep will."""
    from .tasks import deliver_email

    task = deliver_email
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # the sweep enqueues it when it is due
        task = task.using(run_after=run_after)
    try:
        task.enqueue(row_id)
    except Exception:  # the row is safe; the sweep enqueues it again
        logger.exception("Could not enqueue the delivery of outbox email %s; the sweep will retry it", row_id)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: base, 2×base, 4×base … after the 1st, 2nd, 3rd failed attempt, capped."""
    seconds = settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_SECONDS))


def deliver(row_id: int) -> str:
    """Build and send one outbox email, at most once; return what became of it (no secrets)."""
    now = timezone.now()
    claimed = OutboundEmail.objects.filter(
        pk=row_id, status__in=WAITING, next_attempt_at__lte=now + CLOCK_TOLERANCE
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now)
    if not claimed:
        return "skipped"  # sent, given up, cancelled, taken by another worker, or not due yet
    row = OutboundEmail.objects.get(pk=row_id)
    try:
        builder: Callable[[OutboundEmail], EmailMessage | None] = import_string(BUILDERS[row.kind])
        with transaction.atomic():  # a token made for the message is stored before the message leaves
            message = builder(row)
        if message is None:
            _finish(row, DeliveryStatus.CANCELLED)
            return DeliveryStatus.CANCELLED
        message.send()
    except Exception as exc:  # every failure is recorded and retried or given up
        return _failed(row, exc)
    _finish(row, DeliveryStatus.SENT, recipient=", ".join(message.to))
    return DeliveryStatus.SENT


def _finish(row: OutboundEmail, status: str, recipient: str = "") -> None:
    changes = {"status": status, "last_error": "", "updated_at": timezone.now()}
    if status == DeliveryStatus.SENT:
        changes["sent_at"] = changes["updated_at"]
        if recipient:
            changes["recipient"] = recipient[:254]
    OutboundEmail.objects.filter(pk=row.pk, status=DeliveryStatus.SENDING).update(**changes)


def _failed(row: OutboundEmail, exc: BaseException) -> str:
    now = timezone.now()
    error = describe_error(exc)
    give_up = is_permanent(exc) or row.attempts >= settings.EMAIL_MAX_ATTEMPTS
    if give_up:
        status, next_attempt = DeliveryStatus.FAILED, now
        logger.error("Gave up outbox email %s (%s) after %s attempts: %s", row.pk, row.kind, row.attempts, error)
    else:
        status, next_attempt = DeliveryStatus.RETRYING, now + retry_delay(row.attempts)
        logger.warning("Outbox email %s (%s) failed, retrying at %s: %s", row.pk, row.kind, next_attempt, error)
    OutboundEmail.objects.filter(pk=row.pk, status=DeliveryStatus.SENDING).update(
        status=status, next_attempt_at=next_attempt, last_error=error, updated_at=now
    )
    if not give_up:
        schedule(row.pk, run_after=next_attempt)
    return status


def is_permanent(exc: BaseException) -> bool:
    """The mail server refused every recipient for good (5xx): trying again cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    return False


def describe_error(exc: BaseException) -> str:
    """A short description for the row and the logs: the kind of failure and the SMTP code, no content."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _message in exc.recipients.values()})
        text = f"{name}: " + ", ".join(str(code) for code in codes)
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{name}: {exc.smtp_code}"
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{name}: {exc.strerror}"
    else:
        text = name
    return text[:200]


def sweep(now: dt.datetime | None = None) -> int:
    """Enqueue every delivery that is overdue; free rows held by a worker that died. Returns how many."""
    now = now or timezone.now()
    stuck = OutboundEmail.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_LEASE)
    stuck.filter(attempts__gte=settings.EMAIL_MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, last_error="The worker stopped while sending.", updated_at=now
    )
    stuck.update(status=DeliveryStatus.RETRYING, next_attempt_at=now - SWEEP_GRACE, updated_at=now)
    enqueued = 0
    due = OutboundEmail.objects.filter(status__in=WAITING, next_attempt_at__lte=now - SWEEP_GRACE)
    for row_id, due_at in due.order_by("next_attempt_at").values_list("pk", "next_attempt_at")[:500]:
        # Move the attempt time to now, so the next sweep waits for this task before adding another.
        if OutboundEmail.objects.filter(pk=row_id, status__in=WAITING, next_attempt_at=due_at).update(
            next_attempt_at=now
        ):
            schedule(row_id)
            enqueued += 1
    return enqueued


def undelivered_counts(now: dt.datetime | None = None) -> dict[str, int]:
    """What /healthz reports: emails failing now, overdue, or given up in the last day."""
    now = now or timezone.now()
    rows = OutboundEmail.objects
    return {
        "retrying": rows.filter(status=DeliveryStatus.RETRYING).count(),
        "overdue": rows.filter(
            status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING), next_attempt_at__lt=now - SENDING_LEASE
        ).count(),
        "given_up": rows.filter(status=DeliveryStatus.FAILED, updated_at__gte=now - dt.timedelta(days=1)).count(),
        "waiting": rows.filter(status__in=UNFINISHED).count(),
    }


def build_plain_message(row: OutboundEmail) -> EmailMessage:
    """A message written by code (an operator's test email): subject and text in the row. Never for secrets."""
    return EmailMessage(row.params.get("subject", ""), row.params.get("body", ""), to=[row.recipient])
