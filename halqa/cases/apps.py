from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "halqa.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from . import access, notify  # noqa: F401  (the policy and the notification rules register themselves)
