"""One row per searchable object: its original title and text (for snippets) and their tokens.

The tokens are the analyzer's output (halqa.search.analyzer), space-separated; the databases index
them as they are: an FTS5 table kept by triggers on SQLite, a generated `tsvector` column with a GIN
index on PostgreSQL (migration 0001). Who may see an object is not stored here: the caller passes
the ids it may see (`search(..., within=...)`).
"""

from django.db import models


class SearchDocument(models.Model):
    kind = models.CharField(max_length=32)
    object_id = models.PositiveBigIntegerField()
    language = models.CharField(max_length=8, blank=True)
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True, help_text="The original text, for snippets.")
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
