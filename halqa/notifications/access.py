"""Who may see a notification: its recipient, and nobody else (another person's answers 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from halqa.core import access

from .models import Notification

VIEW = "view"
MARK_READ = "mark_read"


class NotificationAccess(access.Policy):
    model = Notification
    actions = frozenset({VIEW, MARK_READ})
    read_action = VIEW
    default_refusal = _("This notification is not yours.")

    def grants(self, user, notification: Notification) -> frozenset[str]:
        if user.is_authenticated and notification.recipient_id == user.pk:
            return self.actions
        return frozenset()

    def where(self, user, action: str) -> QuerySet[Notification]:
        return Notification.objects.filter(recipient=user)


notification_access = access.register(NotificationAccess())
