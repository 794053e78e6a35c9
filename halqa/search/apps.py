from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "halqa.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from . import kinds  # noqa: F401  (the kinds of documents register themselves, and their signals)
