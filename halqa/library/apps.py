from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "halqa.library"
    label = "library"
    verbose_name = "Library"

    def ready(self) -> None:
        from . import access, notify, search  # noqa: F401  (the policy, the notification rules and the search kind register themselves)
