"""Writing vectors: one object's vector from what its search kind reads now, and the stale ones.

The text embedded is the one full-text search indexes (`halqa.search.registry`: a case's title and
story, a published product's title, summary, body and what did not work), so an object has a vector
exactly when it has a search document. A vector made by another model than the one in use (its
name or version differ) is stale: `embed_stale` (the scheduler's "similar-stale" job and
`manage.py embed`) makes it again; until then the matcher simply does not see it.
"""

from __future__ import annotations

import numpy as np
from django.db import IntegrityError, transaction

from halqa.search import registry

from . import embedding
from .models import Vector

KINDS = ("case", "product")


def _text(source) -> str:
    return "\n".join(part for part in (source.title, source.text) if part)


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f2").tobytes()


def write(kind: str, object_id: int, language: str, vector: np.ndarray) -> None:
    model, version = embedding.model_id() or ("", "")
    fields = {"language": language or "", "model": model, "version": version, "dim": len(vector)}
    fields["vector"] = to_blob(vector)
    try:
        with transaction.atomic():
            Vector.objects.update_or_create(kind=kind, object_id=object_id, defaults=fields)
    except IntegrityError:  # another worker wrote it first: write ours over it
        Vector.objects.filter(kind=kind, object_id=object_id).update(**fields)


def embed_object(kind: str, object_id: int) -> str:
    """(Re)write one object's vector; "removed" when the object is gone (or not published),
    "skipped" without a model."""
    source = registry.reader(kind)(object_id)
    if source is None:
        Vector.objects.filter(kind=kind, object_id=object_id).delete()
        return "removed"
    if not embedding.available():
        return "skipped"
    write(kind, object_id, source.language, embedding.embed_one(_text(source)))
    return "embedded"


def enqueue(kind: str, object_id: int) -> None:
    """Embed the object in the task queue (called after the commit, beside its search indexing:
    `halqa.search.services.ALSO_AFTER_COMMIT`). Without a model, a vector is only removed."""
    from .tasks import embed_object as task

    if kind in KINDS:
        task.enqueue(kind, object_id)


def stale_keys(limit: int | None = None) -> list[tuple[str, int]]:
    """Objects without a vector of the model in use (missing, or made by another model)."""
    model = embedding.model_id()
    if model is None:
        return []
    found = []
    for kind in KINDS:
        current = set(
            Vector.objects.filter(kind=kind, model=model[0], version=model[1]).values_list("object_id", flat=True)
        )
        for object_id in sorted(set(registry.ALL_IDS[kind]()) - current):
            found.append((kind, object_id))
            if limit is not None and len(found) >= limit:
                return found
    return found


def embed_stale(batch: int | None = None) -> int:
    """Embed up to `batch` stale objects now (in batches of 32 through the model); drop vectors of
    vanished objects. Returns how many were embedded."""
    for kind in KINDS:
        alive = set(registry.ALL_IDS[kind]())
        gone = [
            pk
            for pk, object_id in Vector.objects.filter(kind=kind).values_list("pk", "object_id")
            if object_id not in alive
        ]
        for start in range(0, len(gone), 500):
            Vector.objects.filter(pk__in=gone[start : start + 500]).delete()
    keys = stale_keys(batch)
    done = 0
    for start in range(0, len(keys), 32):
        part = keys[start : start + 32]
        sources = [(kind, object_id, registry.reader(kind)(object_id)) for kind, object_id in part]
        sources = [(kind, object_id, source) for kind, object_id, source in sources if source is not None]
        if not sources:
            continue
        vectors = embedding.embed([_text(source) for _kind, _id, source in sources])
        for (kind, object_id, source), vector in zip(sources, vectors, strict=True):
            write(kind, object_id, source.language, vector)
            done += 1
    return done


def schedule_stale() -> int:
    """The scheduler's job: enqueue one `embed_stale` batch when anything is stale."""
    from .tasks import embed_stale as task

    if not embedding.available() or not stale_keys(1):
        return 0
    task.enqueue(500)
    return 1
