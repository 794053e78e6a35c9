"""Which models can host a discussion, and the policy that answers for each.

A discussion knows nothing about communities, cases or library items: the host's own app decides
who may read it, write in it and moderate it, and whom one may mention there. The host registers a
policy object once, usually in its AppConfig.ready():

    from halqa.discussions import registry

    class CommunityDiscussionPolicy:
        def can_read(self, user, host) -> bool: ...
        def can_post(self, user, host) -> bool: ...
        def can_moderate(self, user, host) -> bool: ...
        def mentionable(self, user, host) -> QuerySet[User]: ...
        def url(self, host) -> str: ...
        def title(self, host) -> str: ...

    registry.register(Community, CommunityDiscussionPolicy())

Every page and API call about a thread looks up its host and asks that policy: a thread whose
host cannot be read answers 404; one that can be read but not written to answers 403 to a write.
Policies are called once per request each, so they may run a query or two but should not loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import post_delete

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from halqa.accounts.models import User


@runtime_checkable
class HostPolicy(Protocol):
    def can_read(self, user: User, host: models.Model) -> bool:
        """Whether `user` may see the host's discussion at all (False → 404)."""

    def can_post(self, user: User, host: models.Model) -> bool:
        """Whether `user` may write posts and replies there (False → 403 for writes)."""

    def can_moderate(self, user: User, host: models.Model) -> bool:
        """Whether `user` may delete other people's posts."""

    def mentionable(self, user: User, host: models.Model) -> QuerySet[User]:
        """The people `user` may mention there; only they are linked and emailed."""

    def url(self, host: models.Model) -> str:
        """The page that shows the discussion ("#post-<id>" is appended to link to a post)."""

    def title(self, host: models.Model) -> str:
        """What the discussion is about, in emails and the API."""


class NotRegistered(LookupError):
    """A thread's host model has no policy: nothing about it can be shown."""


_policies: dict[str, HostPolicy] = {}


def _key(model_or_instance: type[models.Model] | models.Model) -> str:
    return model_or_instance._meta.concrete_model._meta.label_lower


def _host_deleted(sender, instance, **kwargs) -> None:
    from .services import forget_host

    forget_host(instance)


def register(model: type[models.Model], policy: HostPolicy) -> None:
    """Let `model`'s objects host a discussion, governed by `policy`.

    Deleting a host then deletes its thread too (a generic relation cannot cascade by itself).
    """
    if not isinstance(policy, HostPolicy):
        raise ImproperlyConfigured(f"{policy!r} does not have every method of registry.HostPolicy.")
    key = _key(model)
    if key in _policies and _policies[key] is not policy:
        raise ImproperlyConfigured(f"{key} already has a discussion policy.")
    _policies[key] = policy
    post_delete.connect(_host_deleted, sender=model, dispatch_uid=f"discussions:{key}")


def unregister(model: type[models.Model]) -> None:
    key = _key(model)
    _policies.pop(key, None)
    post_delete.disconnect(sender=model, dispatch_uid=f"discussions:{key}")


@contextmanager
def registered(model: type[models.Model], policy: HostPolicy) -> Iterator[HostPolicy]:
    """Register `policy` for the duration of a block (tests attach a discussion to any model)."""
    register(model, policy)
    try:
        yield policy
    finally:
        unregister(model)


def is_registered(model_or_instance: type[models.Model] | models.Model) -> bool:
    return _key(model_or_instance) in _policies


def policy_for(model_or_instance: type[models.Model] | models.Model) -> HostPolicy:
    try:
        return _policies[_key(model_or_instance)]
    except KeyError:
        raise NotRegistered(f"{_key(model_or_instance)} cannot host a discussion: no policy is registered.") from None
