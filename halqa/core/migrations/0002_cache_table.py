"""Create the database cache table, so a fresh `migrate` alone gives a working site.

Sign-in counts failed attempts in the cache; with the database cache (the default without Redis)
a missing table was a 500 on the first sign-in. `createcachetable` skips tables that exist and
caches that are not database caches, so this is safe to run anywhere, any number of times.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_outbox_and_scheduler")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]
