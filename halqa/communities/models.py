"""Professional learning communities: the team, its charter and goals, its members and roles,
its work program and the official decision that assigns it (seeds 002 and 003)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from halqa.orgs.models import Network, School


class Format(models.TextChoices):
    SUBJECT_PLC = "subject_plc", _("Subject PLC")
    GRADE_TEAM = "grade_team", _("Grade team")
    DISCUSSION_CIRCLE = "discussion_circle", _("Discussion circle")
    WORKSHOP_SERIES = "workshop_series", _("Workshop series")
    ACTION_RESEARCH = "action_research", _("Action-research group")
    PEER_COACHING = "peer_coaching", _("Peer-coaching pair")
    TWINNING = "twinning", _("Professional twinning")
    SPECIALIZATION = "specialization", _("Specialization group")
    NETWORK = "network", _("Professional network")
    CASE_GROUP = "case_group", _("Working group for a case")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: every signed-in person")
    SCHOOL = "school", _("School: people of the school (or network)")
    MEMBERS = "members", _("Members only")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    CUSTOM = "custom", _("Custom")


class Community(models.Model):
    """A PLC: lives in one school, or (led by a supervisor) across the schools of a network."""

    name = models.CharField(_("name"), max_length=200)
    topic = models.CharField(_("topic"), max_length=300)
    format = models.CharField(_("format"), max_length=32, choices=Format.choices, default=Format.SUBJECT_PLC)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="communities", verbose_name=_("school")
    )
    network = models.ForeignKey(
        Network, on_delete=models.PROTECT, null=True, blank=True, related_name="communities", verbose_name=_("network")
    )
    visibility = models.CharField(
        _("who can see it"), max_length=16, choices=Visibility.choices, default=Visibility.SCHOOL
    )
    cadence = models.CharField(_("meeting cadence"), max_length=16, choices=Cadence.choices, default=Cadence.BIWEEKLY)
    cadence_note = models.CharField(_("cadence details"), max_length=200, blank=True)
    # Working days each stage of a case takes here, {stage: days}; a stage left out takes the
    # default of `halqa.cases.planning.DEFAULT_DAYS` (read through `halqa.communities.planning`).
    stage_days = models.JSONField(_("working days per stage"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(school__isnull=False, network__isnull=True) | Q(school__isnull=True, network__isnull=False)
                ),
                name="community_in_a_school_or_a_network",
                violation_error_message=_("A community belongs to one school or to one network."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", args=[self.pk])

    @property
    def home(self) -> School | Network:
        return self.school or self.network


class CharterRevision(models.Model):
    """One saved version of the charter. The community's charter is its latest revision."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="charter_revisions")
    mission = models.TextField(_("mission"), max_length=2000, blank=True)
    vision = models.TextField(_("vision"), max_length=2000, blank=True)
    values = models.TextField(_("values"), max_length=2000, blank=True)
    norms = models.TextField(
        _("norms (working agreements)"), max_length=4000, blank=True, help_text=_("One agreement per line.")
    )
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    edited_at = models.DateTimeField(_("edited"), default=timezone.now)
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        ordering = ["-edited_at", "-id"]
        get_latest_by = ["edited_at", "id"]
        verbose_name = _("charter revision")

    def __str__(self) -> str:
        return f"{self.community} · {self.edited_at:%Y-%m-%d %H:%M}"

    def norm_list(self) -> list[str]:
        return [line.strip() for line in self.norms.splitlines() if line.strip()]


class Goal(models.Model):
    """A shared, measurable goal: a target, how it is measured, and by when (seed 002)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=300)
    target = models.CharField(
        _("target"),
        max_length=300,
        # xgettext:no-python-format
        help_text=_("e.g. 80% of grade 8 students pass the common assessment"),
    )
    measure = models.CharField(_("how it is measured"), max_length=300)
    due_date = models.DateField(_("by when"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("goal")

    def __str__(self) -> str:
        return self.title


class GoalUpdate(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="updates")
    progress = models.PositiveSmallIntegerField(_("progress (%)"), validators=[MaxValueValidator(100)])
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.goal} · {self.progress}%"


class Role(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    MEMBER = "member", _("Member")
    EXPERT = "expert", _("Expert")
    GUEST = "guest", _("Guest")
    OBSERVER = "observer", _("Observer")


class Status(models.TextChoices):
    INVITED = "invited", _("Invited")
    REQUESTED = "requested", _("Asked to join")
    ACTIVE = "active", _("Member")
    DECLINED = "declined", _("Declined")
    LEFT = "left", _("Left")
    REMOVED = "removed", _("Removed")


class Membership(models.Model):
    """A person's place in a community: role, the activity they chose to take on, and status."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    activity = models.CharField(
        _("what I take on"),
        max_length=300,
        blank=True,
        help_text=_("e.g. I prepare the data for our common assessment."),
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "user__display_name"]
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_person")]
        verbose_name = _("community membership")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.community}"


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityFormat(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    WORKSHOP = "workshop", _("Workshop")
    DISCUSSION = "discussion", _("Discussion circle")
    TRAINING = "training", _("Direct training")
    OBSERVATION = "observation", _("Peer observation")
    LESSON_STUDY = "lesson_study", _("Lesson study")
    ACTION_RESEARCH = "action_research", _("Action research")
    ASSESSMENT = "assessment", _("Common assessment")
    CONFERENCE = "conference", _("Conference or seminar")
    OTHER = "other", _("Other")


class Activity(models.Model):
    """One line of the work program."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("title"), max_length=200)
    format = models.CharField(
        _("format"), max_length=32, choices=ActivityFormat.choices, default=ActivityFormat.MEETING
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})


def new_verification_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    SUPERSEDED = "superseded", _("Superseded")


class Decision(models.Model):
    """The official decision that assigns the team (seed 002): members and roles, topic, goals,
    period. Signed in the app by the school's principal (or the network's supervisor); after
    that it never changes: a new decision supersedes it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="decisions")
    number = models.CharField(_("decision number"), max_length=40, blank=True)
    topic = models.CharField(_("topic"), max_length=300)
    goals_text = models.TextField(_("goals"), max_length=4000)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    # [{"user": id, "name": "...", "role": "facilitator", "role_label": "..."}], frozen at signing
    members = models.JSONField(_("members and roles"), default=list)
    status = models.CharField(_("status"), max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="signed_decisions"
    )
    signed_by_name = models.CharField(max_length=200, blank=True)
    signed_by_title = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    verification_code = models.CharField(max_length=20, unique=True, null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("decision")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="decision_period_order",
                violation_error_message=_("The end of the period cannot be before its start."),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("communities:decision", args=[self.community_id, self.pk])
