"""Notifications: one row per (person, event) they are told about, and each person's channel per kind.

A notification points at the event of the trail that caused it (`events.Event`): what happened, who
did it and to what is read from there, in the reader's language when the list is shown. The unique
(recipient, event) pair makes telling someone twice impossible, however often a listener or a task
is retried.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a person can be told about; each area adds its kinds here (see kinds.py)."""

    DECISION_SIGNED = "decision_signed", _("A decision of your community is signed")
    INVITED = "invited", _("You are invited to a community")
    REQUEST_ANSWERED = "request_answered", _("Your request to join a community is answered")
    ROLE_CHANGED = "role_changed", _("Your role in a community changed")
    CASE_MOVED = "case_moved", _("A case you asked or work on moved on")
    CASE_QUESTION = "case_question", _("You are asked a question about your request")
    CASE_ANSWER = "case_answer", _("The requester answered the questions")
    CASE_GROUP = "case_group", _("You are added to a case's working group")
    CASE_FEEDBACK = "case_feedback", _("The requester said whether the solution helps")
    CASE_WORK = "case_work", _("New work on a case you asked or work on: a draft of the solution, session notes")
    MEETING_INVITED = "meeting_invited", _("You are invited to a meeting")
    MEETING_CHANGED = "meeting_changed", _("A meeting you take part in changed or was cancelled")
    MEETING_ACTION = "meeting_action", _("An action item is assigned to you")
    MEETING_ACTION_OVERDUE = "meeting_action_overdue", _("An action item of yours is overdue")
    MEETING_REMINDER_DAY = "meeting_reminder_day", _("A reminder a day before a meeting you take part in")
    MEETING_REMINDER_HOUR = "meeting_reminder_hour", _("A reminder an hour before a meeting you take part in")
    PRODUCT_COMMENT = "product_comment", _("A review comment on a product you wrote or review, or an answer to it")
    PRODUCT_STEP = "product_step", _("A step of a product's production plan is given to you")


class Channel(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately: here and by email")
    DIGEST = "digest", _("Here, and by email in a daily digest")
    OFF = "off", _("Off")


# The channels of a kind that is never digested (a meeting's reminders: see kinds.IMMEDIATE_ONLY).
IMMEDIATE_OR_OFF = [(value, label) for value, label in Channel.choices if value != Channel.DIGEST]


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("event")
    )
    # Kinds are checked in Python (the registry's rules name a `Kind`), not as field choices: a new
    # kind would otherwise need a migration copying the whole list.
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, help_text=_("The person's choice when it was made.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    digested_at = models.DateTimeField(_("sent in a digest"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["recipient", "event"], name="notification_once_per_event")]
        indexes = [
            # "my notifications, newest first" and the bell's count of the unread ones
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_unread_new",
                condition=models.Q(read_at__isnull=True),
            ),
            # the daily digest's pending rows
            models.Index(
                fields=["recipient"],
                name="notification_digest_due",
                condition=models.Q(channel="digest", read_at__isnull=True, digested_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.event_id}"


class Preference(models.Model):
    """A person's channel for one kind; without a row the kind's default applies (kinds.DEFAULTS)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=40)  # a Kind, checked by the settings form and API
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["person", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}: {self.channel}"
