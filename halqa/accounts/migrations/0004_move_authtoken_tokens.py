"""Move the keys of rest_framework.authtoken into ApiToken, hashed, and drop the old table.

The old table kept every key in plain text; it is dropped here, with the app's migration records, its
content type and the admin's log entries about tokens (which name each token by its key), so nothing
readable is left behind once the app is gone from INSTALLED_APPS. A moved
token keeps working with the key its owner already has: unnamed, full access and no expiry, as before;
the security page lists it so its owner can revoke it. Going back cannot restore plain keys, so the
reverse step leaves the moved tokens in place (they go with the table when 0003 is reversed).
"""

import datetime

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from halqa.accounts.tokens import hash_key, visible_prefix

LEGACY_TABLE = "authtoken_token"


def _aware(value):
    if isinstance(value, str):  # SQLite returns the stored text to a plain cursor
        value = parse_datetime(value)
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def move_legacy_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('key')}, {quote('created')}, {quote('user_id')} FROM {quote(LEGACY_TABLE)}")  # noqa: S608 (constants)
        rows = cursor.fetchall()
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.using(connection.alias).bulk_create(
        ApiToken(
            user_id=user_id, name="", prefix=visible_prefix(key), key_hash=hash_key(key), created_at=_aware(created)
        )
        for key, created, user_id in rows
    )
    schema_editor.execute(f"DROP TABLE {quote(LEGACY_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()
    # The admin's history of tokens names each by its key (a token's id and text were its key).
    LogEntry = apps.get_model("admin", "LogEntry")
    LogEntry.objects.using(connection.alias).filter(content_type__app_label="authtoken").delete()
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(connection.alias).filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),  # its log of tokens goes too
    ]
    operations = [migrations.RunPython(move_legacy_tokens, migrations.RunPython.noop)]
