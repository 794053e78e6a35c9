from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "halqa.meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from . import access, notify  # noqa: F401  (the policy and the notification rules register themselves)
