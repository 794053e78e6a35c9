from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "halqa.core"
    verbose_name = _("Halqa")

    def ready(self) -> None:
        from . import access

        access.watch_changes()
