"""Every change to a person's account or profile goes through here (pages and API alike)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .models import ExpertiseTag, GradeRow, RoleRow, SubjectRow, User

PROFILE_FIELDS = ("display_name", "preferred_language", "time_zone", "calendar", "years_experience", "bio")
MAX_EXPERTISE_TAGS = 15
MAX_TAG_LENGTH = 60


def parse_expertise(text: str) -> list[str]:
    """ "formative assessment, Lesson study" → distinct, trimmed tag names in the order given."""
    seen: dict[str, str] = {}
    for raw in text.replace("،", ",").split(","):
        name = " ".join(raw.split())
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return list(seen.values())


def clean_expertise(text: str) -> list[str]:
    """Tag names from what a person typed, refused when too many or too long.

    The page and the API both come through here, so a list element holding commas cannot
    smuggle in more topics than the limit.
    """
    tags = parse_expertise(text)
    if len(tags) > MAX_EXPERTISE_TAGS:
        raise ValidationError(_("Please list at most %(max)d topics.") % {"max": MAX_EXPERTISE_TAGS})
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise ValidationError(_("Each topic can be at most 60 characters long."))
    return tags


def _expertise_tags(names: Iterable[str]) -> list[ExpertiseTag]:
    names = list(names)
    existing = {tag.key: tag for tag in ExpertiseTag.objects.filter(key__in=[ExpertiseTag.key_for(n) for n in names])}
    return [existing.get(ExpertiseTag.key_for(name)) or ExpertiseTag.objects.create(name=name) for name in names]


@transaction.atomic
def update_profile(
    user: User,
    *,
    subjects: Iterable[str] | None = None,
    grades: Iterable[str] | None = None,
    roles: Iterable[str] | None = None,
    expertise: Iterable[str] | None = None,
    **fields,
) -> User:
    """Save the given profile fields; the caller has validated them (form or serializer)."""
    changed = []
    for name, value in fields.items():
        if name not in PROFILE_FIELDS:
            raise TypeError(f"{name} is not a profile field")
        setattr(user, name, value)
        changed.append(name)
    if changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    if subjects is not None:
        user.subjects.set(SubjectRow.objects.filter(code__in=list(subjects)))
    if grades is not None:
        user.grades.set(GradeRow.objects.filter(code__in=list(grades)))
    if roles is not None:
        user.roles.set(RoleRow.objects.filter(code__in=list(roles)))
    if expertise is not None:
        user.expertise.set(_expertise_tags(expertise))
    return user


def add_roles(user: User, roles: Iterable[str]) -> None:
    user.roles.add(*RoleRow.objects.filter(code__in=list(roles)))


def set_preferred_language(user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


@transaction.atomic
def rotate_api_token(user: User) -> Token:
    """A fresh API token for `user`; the old one stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def revoke_api_token(user: User) -> None:
    Token.objects.filter(user=user).delete()
