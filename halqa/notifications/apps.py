from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "halqa.notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from halqa import events

        from . import access, kinds  # noqa: F401  (the policy and the first kinds register themselves)
        from .services import on_event

        events.on_commit(on_event)
