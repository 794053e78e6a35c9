"""`record` writes one event; `on_commit` listeners hear of it after its transaction commits."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import uuid
from collections.abc import Callable

from django.db import models, transaction

logger = logging.getLogger(__name__)

_listeners: list[Callable] = []

# Never stored in before/after, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "token", "key", "key_hash", "token_hash", "secret", "code", "otp"})


def listen(listener: Callable) -> Callable:
    """Register `listener(event)`, called after the transaction that recorded `event` commits.

    Notifications will register here; a listener that raises is logged and does not disturb the
    others or the request. Usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unlisten(listener: Callable) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


on_commit = listen  # the hook point's public name: events.on_commit(listener)


def _notify(event) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:  # a listener's failure never breaks the change that already committed
            logger.exception("event listener %r failed for event %s", listener, event.pk)


def _plain(value):
    """A JSON-safe form of a field's value (ids for rows, ISO text for dates)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if str(k) not in SECRET_KEYS}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(obj, fields) -> dict:
    """{field: value} of `obj` for `fields`, JSON-safe (foreign keys as ids)."""
    out = {}
    for name in fields:
        if name in SECRET_KEYS:
            continue
        try:
            field = obj._meta.get_field(name)
        except Exception:
            field = None
        if field is not None and field.is_relation and field.many_to_one:
            out[name] = getattr(obj, field.attname)
        else:
            out[name] = _plain(getattr(obj, name))
    return out


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value differs, from both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    verb,
    *,
    actor=None,
    target=None,
    before: dict | None = None,
    after: dict | None = None,
    community=None,
    school=None,
    request=None,
    actor_label: str | None = None,
    target_label: str | None = None,
):
    """Append one event. Call it inside the service's transaction.

    `target` is the object the event is about (any model instance, or None); `community` and
    `school` (instances or ids) make the trail cheap to filter; `request` adds the client address
    (security events). `before`/`after` hold what changed state; keys naming secrets are dropped.
    """
    from django.contrib.contenttypes.models import ContentType

    from halqa.core import access

    from .models import Event, Verb

    access.forget()  # what changed may change who may do what
    verb = Verb(verb)
    user = actor if getattr(actor, "is_authenticated", False) else None
    ip = None
    if request is not None:
        from halqa.core.net import client_ip

        ip = client_ip(request) or None
    event = Event(
        verb=verb,
        actor=user,
        actor_label=(actor_label if actor_label is not None else (str(user) if user else ""))[:300],
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        target_label=(target_label if target_label is not None else (str(target) if target is not None else ""))[:300],
        community_id=getattr(community, "pk", community),
        school_id=getattr(school, "pk", school),
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        ip=ip,
    )
    event.save()
    if _listeners:
        transaction.on_commit(lambda: _notify(event))
    return event
