"""Meetings: the sessions a community or a case's working group holds, with their agenda, who comes
(invited or signed up, RSVP, prepared, attended), the minutes and the action items they lead to.

A meeting belongs to a community or to a case (a case session, seed 004 stage 3–5), never both.
Its start and end are stored in UTC with the organiser's time-zone name (`timezone`), so a series
can later be expanded in that zone and stay right across daylight-saving changes; each reader sees
the times in their own zone and calendar. The minutes of a case session point at the case's own
`SessionNote` (`Minutes.session_note`) instead of copying its template fields.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Format(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    DISCUSSION_CIRCLE = "discussion_circle", _("Discussion circle")
    SEMINAR = "seminar", _("Seminar")
    CASE_SESSION = "case_session", _("Case session")
    LESSON_STUDY = "lesson_study", _("Lesson study")
    DATA_REVIEW = "data_review", _("Data review")
    PEER_COACHING = "peer_coaching", _("Peer coaching")
    TRAINING = "training", _("Training")


class Status(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("meeting status", "Scheduled")
    CANCELLED = "cancelled", pgettext_lazy("meeting status", "Cancelled")


class Rsvp(models.TextChoices):
    NONE = "none", _("Not answered")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    MAYBE = "maybe", _("Maybe")


class Series(models.Model):
    """A community's recurring meetings (RFC 5545): the rule (`rrule`, e.g. FREQ=WEEKLY;INTERVAL=2;
    COUNT=10) expanded from the first meeting's wall-clock start in the organiser's zone, so every
    occurrence starts at the same local time across daylight-saving changes. Each occurrence is a
    `Meeting` of its own (its RSVPs, attendance and minutes); `Meeting.recurrence_id` keeps its
    place in the rule (RFC 5545 RECURRENCE-ID) when one occurrence is moved or cancelled."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="meeting_series", verbose_name=_("community")
    )
    rrule = models.CharField(_("repetition rule"), max_length=300)
    timezone = models.CharField(_("time zone"), max_length=64)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = _("series of meetings")
        verbose_name_plural = _("series of meetings")

    def __str__(self) -> str:
        return self.rrule


class Meeting(models.Model):
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meetings",
        verbose_name=_("community"),
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("case")
    )
    title = models.CharField(_("title"), max_length=200)
    format = models.CharField(_("format"), max_length=24, choices=Format.choices, default=Format.DISCUSSION_CIRCLE)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    # Announced: posted on the community page (or the case's) for its members to sign up; otherwise
    # seen only by the people invited (and those who lead it).
    announced = models.BooleanField(_("announced to the community"), default=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("organiser")
    )
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings", verbose_name=_("series")
    )
    # The start the series' rule gave this occurrence (UTC), kept when the occurrence is moved.
    recurrence_id = models.DateTimeField(null=True, blank=True)
    # Raised on every change a participant's calendar should pick up (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(community__isnull=False) & Q(case__isnull=True))
                | (Q(community__isnull=True) & Q(case__isnull=False)),
                name="meeting_of_community_or_case",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"], name="meeting_community_idx"),
            models.Index(fields=["case", "starts_at"], name="meeting_case_idx"),
            models.Index(fields=["starts_at"], name="meeting_starts_idx"),
            models.Index(fields=["series", "recurrence_id"], name="meeting_series_idx"),
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == Status.CANCELLED

    @property
    def is_case_session(self) -> bool:
        return self.case_id is not None

    def where(self) -> dict:
        """The community and school an event of this meeting belongs to."""
        if self.case_id:
            return {"community": self.case.community_id, "school": self.case.school_id}
        return {"community": self.community_id, "school": self.community.school_id}


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), default=15, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")

    def __str__(self) -> str:
        return self.title


class Participant(models.Model):
    """A person in a meeting: invited (`invited_by`) or signed up themself (`invited_by` empty)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_places")
    rsvp = models.CharField(_("answer"), max_length=8, choices=Rsvp.choices, default=Rsvp.NONE)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    # When this person's next reminder is due (24 hours before the start by default); the reminder
    # job asks for rows due now through this index instead of scanning meetings. Empty: none due
    # (declined, cancelled, or already reminded).
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meeting_participant_once")]
        indexes = [models.Index(fields=["user", "meeting"], name="meeting_participant_user_idx")]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.user} · {self.meeting}"


class Minutes(models.Model):
    """What a meeting noted and decided. For a case session, the seed-004 template (the story
    understood, what others have met before, the options, what we will produce) lives in the case's
    own `SessionNote`, linked here, so the case page and the meeting show the same notes."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    notes = models.TextField(_("notes"), max_length=20000, blank=True)
    decisions = models.TextField(_("decisions"), max_length=8000, blank=True)
    session_note = models.OneToOneField(
        "cases.SessionNote", null=True, blank=True, on_delete=models.SET_NULL, related_name="minutes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"{self.meeting_id}"


class ActionItem(models.Model):
    """Something a meeting decided someone will do; it sits on its owner's home page until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    text = models.CharField(_("what"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("who")
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    # When the owner was told it is overdue (once: the daily job claims the empty field).
    overdue_told_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["done_at", "due_on", "id"]
        indexes = [
            # "my open action items" on the home page (and, later, the overdue reminder)
            models.Index(fields=["owner", "due_on"], name="action_item_open_idx", condition=Q(done_at__isnull=True)),
            # the overdue job: open items with a due date whose owner has not been told yet
            models.Index(
                fields=["due_on"],
                name="action_item_overdue_idx",
                condition=Q(done_at__isnull=True, overdue_told_at__isnull=True, due_on__isnull=False),
            ),
        ]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.text[:60]


class CalendarFeed(models.Model):
    """A person's private calendar-feed URL (/meetings/feed/<key>.ics): only the SHA-256 of the key
    is kept (as for API tokens), so the key is shown once; renewing replaces the hash, and the old
    URL stops working at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id}"
