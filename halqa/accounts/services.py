"""Every change to a person's account or profile goes through here (pages and API alike)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import tokens
from .models import ApiToken, ExpertiseTag, GradeRow, RoleRow, SubjectRow, TokenLifetime, User
from .queries import api_tokens_visible_to

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
    from halqa.events import record
    from halqa.events.models import Verb
    from halqa.events.trail import changes, snapshot

    before = snapshot(user, [name for name in fields if name in PROFILE_FIELDS])
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
    old, new = changes(before, snapshot(user, changed))
    lists = {"subjects": subjects, "grades": grades, "roles": roles, "expertise": expertise}
    new.update({name: sorted(value) for name, value in lists.items() if value is not None})
    record(Verb.PROFILE_UPDATED, actor=user, target=user, before=old, after=new)
    return user


def add_roles(user: User, roles: Iterable[str]) -> None:
    user.roles.add(*RoleRow.objects.filter(code__in=list(roles)))


def set_preferred_language(user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


MAX_ACTIVE_TOKENS = 25
TOKEN_NAME_MAX_LENGTH = 100


@transaction.atomic
def create_api_token(
    owner: User, *, actor: User, name: str, lifetime: str = TokenLifetime.DAYS_90, read_only: bool = False
) -> tuple[ApiToken, str]:
    """A new API token for `owner`, made by `owner` alone. Returns it with its key: the only moment the
    key exists outside the caller's hands, since only its hash is stored.

    The pages ask for a recent sign-in before coming here (allauth's reauthentication); the API offers
    no way to make a token, so a stolen token cannot make itself a successor.
    """
    if actor.pk != owner.pk:
        raise PermissionDenied(_("Only the owner of an account can make API tokens for it."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Please give the token a name, so you know what uses it.")})
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("A name can be at most %(max)d characters long.") % {"max": TOKEN_NAME_MAX_LENGTH}}
        )
    try:
        lifetime = TokenLifetime(lifetime)
    except ValueError:
        raise ValidationError({"lifetime": _("Please choose how long the token works.")}) from None
    User.objects.select_for_update().filter(pk=owner.pk).first()  # one creation at a time per person
    held = api_tokens_visible_to(owner)
    if held.filter(name=name).exists():
        raise ValidationError({"name": _("You already have a token with this name; choose another one.")})
    if held.count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You can hold at most %(max)d API tokens. Revoke one you no longer use first.")
            % {"max": MAX_ACTIVE_TOKENS}
        )
    key = tokens.new_key()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=owner,
        name=name,
        prefix=tokens.visible_prefix(key),
        key_hash=tokens.hash_key(key),
        created_at=now,
        expires_at=None if lifetime.days is None else now + timedelta(days=lifetime.days),
        read_only=bool(read_only),
    )
    from halqa.events import record
    from halqa.events.models import Verb

    record(
        Verb.TOKEN_CREATED,
        actor=actor,
        target=token,
        after={
            "name": token.name,
            "prefix": token.prefix,
            "read_only": token.read_only,
            "expires_at": token.expires_at,
        },
        target_label=token.name,
    )
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    """Stop `token` from working, at once. Only its owner may; revoking twice changes nothing."""
    if actor.pk != token.user_id:
        raise PermissionDenied(_("You can only revoke your own API tokens."))
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        from halqa.events import record
        from halqa.events.models import Verb

        record(
            Verb.TOKEN_REVOKED,
            actor=actor,
            target=token,
            before={"name": token.name, "prefix": token.prefix},
            after={"revoked_at": token.revoked_at},
            target_label=token.name,
        )
    return token
