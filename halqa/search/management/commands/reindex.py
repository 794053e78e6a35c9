"""`manage.py reindex [kind …]`: rebuild the search documents now (after a change of the analyzer,
or to fill the index of existing data); documents of vanished objects are dropped."""

from django.core.management.base import BaseCommand, CommandError

from halqa.search import registry, services


class Command(BaseCommand):
    help = "Rebuild the full-text search documents of every kind, or of the kinds named."

    def add_arguments(self, parser):
        parser.add_argument("kinds", nargs="*", help=f"kinds to rebuild (default: all of {sorted(registry.KINDS)})")

    def handle(self, *args, kinds, **options):
        unknown = sorted(set(kinds) - set(registry.KINDS))
        if unknown:
            raise CommandError(f"unknown kinds {unknown}; known: {sorted(registry.KINDS)}")
        count = services.reindex(kinds or None)
        self.stdout.write(f"indexed {count} documents")
