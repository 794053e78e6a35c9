"""People: one custom user model from the first migration, with the profile on the same row."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import YOUNG_TEACHER_MAX_YEARS, Calendar, Grade, Role, Subject


class CodedChoice(models.Model):
    """A row per member of a fixed vocabulary, keyed by its code; the label comes from code."""

    code = models.CharField(max_length=32, primary_key=True)
    choices: type[models.TextChoices]

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        try:
            return self.choices(self.code).label
        except ValueError:
            return self.code


class RoleRow(CodedChoice):
    choices = Role

    class Meta(CodedChoice.Meta):
        db_table = "accounts_role"
        verbose_name = _("role")


class SubjectRow(CodedChoice):
    choices = Subject

    class Meta(CodedChoice.Meta):
        db_table = "accounts_subject"
        verbose_name = _("subject")


class GradeRow(CodedChoice):
    choices = Grade

    class Meta(CodedChoice.Meta):
        db_table = "accounts_grade"
        verbose_name = _("grade")


class ExpertiseTag(models.Model):
    """Free expertise keywords people give themselves, in any language ("formative assessment")."""

    name = models.CharField(_("name"), max_length=60)
    # Case-folded in Python, so "ОГЭ" and "огэ" are one tag (SQLite's LOWER() is ASCII-only).
    key = models.CharField(max_length=60, unique=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("expertise tag")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.key = self.key_for(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def key_for(name: str) -> str:
        return " ".join(name.split()).casefold()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    calendar = models.CharField(
        _("calendar for dates"), max_length=16, choices=Calendar.choices, default=Calendar.GREGORIAN
    )
    roles = models.ManyToManyField(RoleRow, blank=True, related_name="users", verbose_name=_("roles"))
    subjects = models.ManyToManyField(SubjectRow, blank=True, related_name="users", verbose_name=_("subjects"))
    grades = models.ManyToManyField(GradeRow, blank=True, related_name="users", verbose_name=_("grades"))
    years_experience = models.PositiveSmallIntegerField(
        _("years of teaching experience"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    expertise = models.ManyToManyField(ExpertiseTag, blank=True, related_name="users", verbose_name=_("expertise"))
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)

    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("site administrator"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounts:person", args=[self.pk])

    def role_codes(self) -> set[str]:
        """Role codes; uses prefetched roles when the queryset asked for them."""
        return {role.code for role in self.roles.all()}

    def has_role(self, role: str) -> bool:
        return role in self.role_codes()

    @property
    def is_young_teacher(self) -> bool:
        return (
            self.has_role(Role.TEACHER)
            and self.years_experience is not None
            and self.years_experience <= YOUNG_TEACHER_MAX_YEARS
        )

    @property
    def initials(self) -> str:
        parts = [part for part in str(self).split() if part]
        return "".join(part[0] for part in parts[:2]).upper() or "?"


class TokenLifetime(models.TextChoices):
    """How long a new API token works; GitHub's personal tokens offer the same kind of choice."""

    DAYS_30 = "30", _("30 days")
    DAYS_90 = "90", _("90 days")
    DAYS_365 = "365", _("One year")
    NEVER = "never", _("No expiry")

    @property
    def days(self) -> int | None:
        return None if self == TokenLifetime.NEVER else int(self.value)


class ApiToken(models.Model):
    """A person's named key for the API. Only a SHA-256 hash of the key is kept; the key itself is
    shown once, when it is made (see services.create_api_token), and cannot be read back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("person")
    )
    # Blank only for the tokens that existed before tokens had names (migration 0004).
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, help_text=_("The first characters of the key, to tell it."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    read_only = models.BooleanField(_("read-only"), default=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True) & ~models.Q(name=""),
                name="accounts_apitoken_one_active_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.prefix} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def expired(self) -> bool:
        return self.is_expired()
