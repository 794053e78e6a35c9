"""Organizations: Authority → School, Networks of schools, memberships and invitations."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Authority(models.Model):
    """An education directorate or district: the body that runs a group of schools."""

    name = models.CharField(_("name"), max_length=200)
    region = models.CharField(_("region"), max_length=200, blank=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="administered_authorities", verbose_name=_("district admins")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def __str__(self) -> str:
        return self.name


class Stage(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    MIDDLE = "middle", _("Middle")
    SECONDARY = "secondary", _("Secondary")
    ALL = "all", _("All stages")


class Weekend(models.TextChoices):
    """A school's weekly days off: its working week, for planning (`halqa.cases.planning`)."""

    FRIDAY_SATURDAY = "fri_sat", _("Friday and Saturday")
    FRIDAY = "fri", _("Friday")
    SATURDAY_SUNDAY = "sat_sun", _("Saturday and Sunday")


# The weekend's days as `date.weekday()` numbers (Monday 0 … Sunday 6).
WEEKEND_DAYS = {
    Weekend.FRIDAY_SATURDAY: frozenset({4, 5}),
    Weekend.FRIDAY: frozenset({4}),
    Weekend.SATURDAY_SUNDAY: frozenset({5, 6}),
}


class School(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="schools", verbose_name=_("authority")
    )
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=120, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.ALL)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    website = models.URLField(_("website"), blank=True)
    weekend = models.CharField(_("weekend"), max_length=8, choices=Weekend.choices, default=Weekend.FRIDAY_SATURDAY)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:school", args=[self.pk])


# The longest a holiday may last, and how far ahead (or back) one may be entered.
HOLIDAY_MAX_DAYS = 120
HOLIDAY_MAX_YEARS = 3


class Holiday(models.Model):
    """A day (or days, `ends` included) a school does not work: a feast, a term break. Planning
    skips them like the weekend."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=120)
    starts = models.DateField(_("date"))
    ends = models.DateField(_("last day"), null=True, blank=True, help_text=_("Leave empty for a single day."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts", "id"]
        indexes = [models.Index(fields=["school", "starts"], name="holiday_school_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__isnull=True) | Q(ends__gte=models.F("starts")),
                name="holiday_ends_after_it_starts",
                violation_error_message=_("The last day cannot come before the first."),
            )
        ]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return self.name

    @property
    def last_day(self):
        return self.ends or self.starts

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.starts and self.ends:
            if self.ends < self.starts:
                raise ValidationError({"ends": _("The last day cannot come before the first.")})
            if (self.ends - self.starts).days >= HOLIDAY_MAX_DAYS:
                raise ValidationError(
                    {"ends": _("A holiday lasts at most %(days)s days.") % {"days": HOLIDAY_MAX_DAYS}}
                )
        if self.starts and abs(self.starts.year - timezone.localdate().year) > HOLIDAY_MAX_YEARS:
            raise ValidationError({"starts": _("Choose a date within three years of today.")})


class Network(models.Model):
    """A set of schools working together, led by an educational supervisor (seed 002)."""

    authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="networks", verbose_name=_("authority")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_networks",
        verbose_name=_("supervisor"),
    )
    schools = models.ManyToManyField(School, blank=True, related_name="networks", verbose_name=_("schools"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:network", args=[self.pk])


class Position(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    SUPERVISING_TEACHER = "supervising_teacher", _("Supervising teacher")
    PRINCIPAL = "principal", _("Principal")
    DEPUTY = "deputy", _("Deputy principal")
    COORDINATOR = "coordinator", _("Coordinator")
    COUNSELOR = "counselor", _("Counselor")
    STAFF = "staff", _("Staff")
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")


# The global role a position implies, added to the person's profile when they join.
POSITION_ROLE = {
    Position.TEACHER: "teacher",
    Position.SUPERVISING_TEACHER: "teacher",
    Position.PRINCIPAL: "principal",
    Position.DEPUTY: "principal",
    Position.COORDINATOR: "coordinator",
    Position.COUNSELOR: "expert",
    Position.PARENT: "parent",
    Position.STUDENT: "student",
}
# Positions that lead a school: they may edit it, invite people and see its parents and students.
LEADING_POSITIONS = (Position.PRINCIPAL, Position.DEPUTY)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("school"))
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        ordering = ["school__name", "position"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "position"], name="membership_unique_position")
        ]
        verbose_name = _("membership")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_position_display()} · {self.school}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An emailed invitation to join a school in a position. Only a hash of the token is kept."""

    email = models.EmailField(_("email address"))
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("school"))
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    message = models.TextField(_("personal message"), max_length=1000, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="sent_invitations"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "school"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_school",
            )
        ]
        verbose_name = _("invitation")

    def __str__(self) -> str:
        return f"{self.email} → {self.school}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def get_status_display(self) -> str:
        labels = {
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "pending": _("Pending"),
        }
        return str(labels[self.status])
