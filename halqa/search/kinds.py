"""The kinds of documents searched, each read from its app, and the signals that keep them indexed.

A case is its title and its story (what happened, what was tried, what help is wanted), in the
case's language. Its document is rewritten by the task queue after any save that may change these,
and removed after the case is deleted.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from halqa.cases.models import Case

from . import registry, services
from .registry import Source

CASE_FIELDS = ("title", "what_happened", "what_tried", "help_wanted", "language")


def read_case(object_id: int) -> Source | None:
    case = Case.objects.filter(pk=object_id).only(*CASE_FIELDS).first()
    if case is None:
        return None
    story = "\n\n".join(part for part in (case.what_happened, case.what_tried, case.help_wanted) if part)
    return Source(language=case.language, title=case.title, text=story)


registry.register("case", read_case, all_ids=lambda: Case.objects.values_list("pk", flat=True))


@receiver(post_save, sender=Case, dispatch_uid="search_case_saved")
def case_saved(sender, instance: Case, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw or (update_fields is not None and not set(update_fields) & set(CASE_FIELDS)):
        return
    services.schedule("case", instance.pk)


@receiver(post_delete, sender=Case, dispatch_uid="search_case_deleted")
def case_deleted(sender, instance: Case, **kwargs) -> None:
    services.schedule("case", instance.pk)
