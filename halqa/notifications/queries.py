"""Reading notifications: one's own, newest first, each as a sentence for this reader with its link."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from halqa.events.describe import actor_name

from .access import notification_access
from .models import Notification
from .registry import rule_for


@dataclass(frozen=True)
class Item:
    notification: Notification
    sentence: str  # safe HTML
    link: str
    visible: bool  # the reader may still open what it is about (checked for emails only)


def notifications_of(reader, *, unread: bool = False) -> QuerySet[Notification]:
    """The reader's own notifications, newest first, with what their sentences need (fixed queries)."""
    rows = notification_access.visible(reader).select_related("event__community", "event__actor")
    return rows.filter(read_at__isnull=True) if unread else rows


def unread_count(reader) -> int:
    """The bell's number: one COUNT on the (recipient, unread) index, never cached."""
    if not getattr(reader, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=reader, read_at__isnull=True).count()


def _known_actors(notifications: list[Notification], reader) -> set[int]:
    """The actors this reader may see in the people directory (one query for a whole page)."""
    from halqa.accounts.queries import people_visible_to

    ids = {n.event.actor_id for n in notifications if n.event.actor_id}
    if not ids:
        return set()
    return set(people_visible_to(reader).filter(pk__in=ids).values_list("pk", flat=True))


def items(notifications, reader, *, check_access: bool = False) -> list[Item]:
    """Each notification as the reader reads it: the sentence names the actor only if the reader
    may see them in the people directory ("Someone" otherwise). With `check_access`, whether the
    reader may still see what it is about (a query or two per notification: for emails, not pages)."""
    notifications = list(notifications)
    known = _known_actors(notifications, reader)
    shown = []
    for notification in notifications:
        event = notification.event
        rule = rule_for(event.verb)
        if rule is None:
            continue
        who = actor_name(event) if event.actor_id in known else _("Someone")
        visible = True
        if check_access:
            subject = rule.subject(event)
            visible = subject is not None and rule.may_see(reader, subject)
        shown.append(Item(notification, rule.sentence(event, who), rule.link(event), visible))
    return shown
