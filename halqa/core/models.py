"""The outbox of every email the site sends, and the run slots of the scheduler.

An email is a row before it is a message: the row is written in the same transaction as the change
that calls for it, so a crash or a lost task can delay an email but never lose it. The row holds
what the email is about (an id) and never a secret: links with tokens are made by the worker when
it builds the message.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Not delivered yet")
    SENDING = "sending", _("Not delivered yet")
    RETRYING = "retrying", _("Not delivered yet, trying again")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be delivered")
    CANCELLED = "cancelled", _("Not needed any more")


WAITING = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)
UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.RETRYING)
FINISHED = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED)


class OutboundEmail(models.Model):
    """One email to one address; `kind` names the builder that makes the message in the worker."""

    kind = models.CharField(_("kind"), max_length=40)
    recipient = models.EmailField(_("recipient"))
    about_id = models.BigIntegerField(_("about"), null=True, blank=True, help_text=_("The id of what it is about."))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["kind", "about_id"], name="outbox_about_idx"),
        ]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.status})"


class ScheduledRun(models.Model):
    """A job's run in one time slot; the unique pair lets only one scheduler fire a slot."""

    job = models.CharField(max_length=64)
    slot_start = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot_start"], name="scheduled_run_one_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot_start.isoformat()}"


class RateWindow(models.Model):
    """How many requests one caller made in one window of one API limit (halqa.api.throttling).

    One row per caller and window, counted up by a single INSERT … ON CONFLICT … RETURNING: one query
    per request and limit, where the database cache needed about ten. The scheduler deletes rows
    whose window has passed."""

    name = models.CharField(max_length=200, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.hits}"
