"""Indexing runs in the task queue: a save schedules it after the commit (halqa.search.kinds)."""

from django_tasks import task


@task()
def index_document(kind: str, object_id: int) -> str:
    """Read the object again and (re)write or remove its search document; returns what it did."""
    from . import services

    return services.index(kind, object_id)
