from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimilarConfig(AppConfig):
    name = "halqa.similar"
    verbose_name = _("Similar cases")

    def ready(self) -> None:
        from halqa.search import services as search

        from . import people, vectors

        # A case or product whose text may have changed is embedded after the commit, beside its
        # search document (the search's kinds and the library schedule both).
        if vectors.enqueue not in search.ALSO_AFTER_COMMIT:
            search.ALSO_AFTER_COMMIT.append(vectors.enqueue)
        people.register()
