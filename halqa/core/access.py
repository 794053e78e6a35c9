"""One access layer: for each kind of object, one policy answers both questions about a person.

* *Which actions* may this person take on this object? `policy.allowed(person, obj)` gives an
  `Allowed`: a set of action names that refuses names the policy does not know, so a typo in a
  template (`can.edit_chartr`) or in code is an error instead of a silently hidden button.
* *Which rows* may this person know exist, or act on? `policy.rows(person, action)` gives a queryset
  for lists, search, feeds and counts: the same answer, row for row, as asking `allowed` of each
  object (tests compare the two for every registered policy, every person and every object).

Both are built from one `Standing` per person (who they are in the schools, networks and
authorities: `halqa.orgs.access.standing`), computed once per request. Answers are cached for the
length of a request (`AccessScopeMiddleware`) and forgotten as soon as anything changes: every
service writes an event row (`halqa.events.record`), and recording one clears the cache. Outside a
request (the task worker, the shell, tests calling services) nothing is cached.

    allowed = community_access.allowed(request.user, community)
    allowed.need(EDIT_CHARTER)        # 404 if they may not know it exists, else 403 with the reason
    if allowed.post: ...              # the same check; `allowed["post"]` too
    community_access.rows(user, VIEW_MEMBERS)   # every community where they may see the members

A new area (cases, meetings, the library) writes a `Policy` subclass with its action names and
registers it (`register`), and the agreement test covers it without being told.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404


class UnknownAction(LookupError):
    """An action name the policy does not define: a typo, never a quiet "no"."""


class Allowed:
    """What one person may do with one object: the action names granted, checked against the policy.

    Empty (falsy) means the person may not know the object exists.
    """

    __slots__ = ("names", "obj", "policy")

    def __init__(self, policy: Policy, names: Iterable[str], obj=None):
        names = frozenset(names)
        for name in names:
            policy.check(name)
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "obj", obj)

    def __setattr__(self, name, value):
        raise AttributeError("an Allowed is read-only")

    def __contains__(self, name: str) -> bool:
        self.policy.check(name)
        return name in self.names

    def __getitem__(self, name: str) -> bool:
        """`allowed["post"]`, and `{{ can.post }}` in a template (which looks up items first)."""
        return name in self

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return name in self

    def __bool__(self) -> bool:
        return bool(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.names))

    def __len__(self) -> int:
        return len(self.names)

    def __eq__(self, other) -> bool:
        if isinstance(other, Allowed):
            return self.policy is other.policy and self.names == other.names
        if isinstance(other, (set, frozenset)):
            return self.names == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Allowed {type(self.policy).__name__}: {', '.join(self)}>"

    def need(self, action: str, message: str | None = None) -> None:
        """Go on only if `action` is allowed: 404 when the person may not know the object exists
        (nothing is allowed), 403 with the policy's sentence for the action when they may see it."""
        if not self.names:
            raise Http404
        if action not in self:
            raise PermissionDenied(message if message is not None else self.policy.refusal(action, self.obj))


class Policy:
    """Who may do what with one kind of object. Subclasses set `model`, `actions` and `read_action`
    and write `grants` (one object, pure Python from the standing where possible) and `where`
    (a filter on `model` for one action). `refusals` maps an action to the sentence a refusal says."""

    model: type[models.Model]
    actions: frozenset[str] = frozenset()
    read_action: str
    refusals: dict[str, Any] = {}
    default_refusal: Any = None

    def check(self, name: str) -> None:
        if name not in self.actions:
            raise UnknownAction(
                f"{type(self).__name__} has no action {name!r}; known: {', '.join(sorted(self.actions))}"
            )

    def refusal(self, action: str, obj=None) -> str | None:
        message = self.refusals.get(action, self.default_refusal)
        return str(message) if message is not None else None

    # --- What subclasses write -----------------------------------------------------------------

    def grants(self, person, obj) -> Iterable[str]:
        raise NotImplementedError

    def where(self, person, action: str) -> QuerySet:
        """Every object on which `person` may take `action`, as a queryset of `model`."""
        raise NotImplementedError

    # --- What everyone calls -------------------------------------------------------------------

    def allowed(self, person, obj) -> Allowed:
        if person is None or not person.is_authenticated:
            key = None
        else:
            key = ("allowed", type(self).__name__, person.pk, obj.pk)
        return cached(key, lambda: Allowed(self, self.grants(person, obj), obj))

    def rows(self, person, action: str | None = None) -> QuerySet:
        action = action or self.read_action
        self.check(action)
        if person is None or not person.is_authenticated:
            return self.model._default_manager.none()
        return self.where(person, action)

    def visible(self, person) -> QuerySet:
        """Every object the person may know exists (a list, a search, a count starts here)."""
        return self.rows(person, self.read_action)

    def get(self, person, pk, queryset: QuerySet | None = None):
        """The object by id and what the person may do with it; 404 if they may not know it exists."""
        queryset = self.visible(person) if queryset is None else queryset
        try:
            obj = queryset.get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
        allowed = self.allowed(person, obj)
        if not allowed:
            raise Http404
        return obj, allowed


# --- The registry: every policy, for the agreement test and the docs --------------------------

_registry: dict[str, Policy] = {}


def register(policy: Policy) -> Policy:
    _registry[type(policy).__name__] = policy
    return policy


def policies() -> list[Policy]:
    return list(_registry.values())


# --- Per-request cache ---------------------------------------------------------------------------

_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("halqa_access_scope", default=None)


def cached(key: Hashable | None, compute: Callable[[], Any]) -> Any:
    """`compute()` once per request for `key`; every time outside a request or with no key."""
    scope = _scope.get()
    if scope is None or key is None:
        return compute()
    try:
        return scope[key]
    except KeyError:
        value = scope[key] = compute()
        return value


def forget() -> None:
    """Something changed: the next question is answered afresh (called for every event recorded)."""
    scope = _scope.get()
    if scope is not None:
        scope.clear()


def _any_change(sender, **kwargs) -> None:
    forget()


def watch_changes() -> None:
    """Forget cached answers on every save, delete and many-to-many change, as well as on every
    event recorded (which also covers `QuerySet.update`, which sends no signal). Called once by
    the core app's `ready()`."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_any_change, dispatch_uid="halqa.core.access.forget")


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Cache answers for the length of a block, as for a request (a task or a test may use it)."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


class AccessScopeMiddleware:
    """Answers about access are computed once per request and never outlive it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope():
            return self.get_response(request)
