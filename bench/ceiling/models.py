from django.db import models

ROWS = 100_000
ROWS_PER_BUCKET = 25


class Item(models.Model):
    """100,000 rows in buckets of 25; the page shows one bucket, found through the index."""

    bucket = models.IntegerField(db_index=True)
    name = models.CharField(max_length=100)
    city = models.CharField(max_length=60)
    amount = models.IntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["bucket", "id"]

    def __str__(self) -> str:
        return self.name
