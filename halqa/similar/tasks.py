"""Embedding runs in the task queue: a save schedules it after the commit (halqa.similar.signals)."""

from django_tasks import task


@task()
def embed_object(kind: str, object_id: int) -> str:
    """Read the object again and (re)write or remove its vector; returns what it did."""
    from . import vectors

    return vectors.embed_object(kind, object_id)


@task()
def embed_stale(batch: int = 500) -> int:
    """Embed the objects whose vector is missing or was made by another model, `batch` at most."""
    from . import vectors

    return vectors.embed_stale(batch)
