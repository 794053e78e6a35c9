"""Create and fill the ceiling's table (once) and count the ceiling page's queries.

DJANGO_SETTINGS_MODULE=bench.ceiling.settings DATABASE_URL=... python -m bench.ceiling.prepare SESSION_KEY
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ceiling.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.ceiling.models import ROWS, ROWS_PER_BUCKET, Item

    session_key = (argv if argv is not None else sys.argv[1:])[0]
    call_command("migrate", "ceiling", verbosity=0, interactive=False)
    if Item.objects.count() != ROWS:
        now = timezone.now()
        with transaction.atomic():
            Item.objects.all().delete()
            Item.objects.bulk_create(
                (
                    Item(
                        bucket=n // ROWS_PER_BUCKET,
                        name=f"Item {n:06d}",
                        city=["Riyadh", "Ahvaz", "Kazan", "Isfahan"][n % 4],
                        amount=(n * 7919) % 10_000,
                        created_at=now - dt.timedelta(minutes=n),
                    )
                    for n in range(ROWS)
                ),
                batch_size=5000,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    bucket = ROWS // ROWS_PER_BUCKET // 2
    path = f"/ceiling/{bucket}/"
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    print(json.dumps({"path": path, "status": response.status_code, "queries": len(captured)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
