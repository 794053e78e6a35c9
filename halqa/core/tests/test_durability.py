"""Durability: SQLite syncs every commit to disk; the cache table comes from `migrate` alone."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse


@pytest.mark.django_db
def test_sqlite_syncs_fully_so_an_acknowledged_write_survives_a_power_cut():
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL


@pytest.mark.django_db(transaction=True)
def test_a_fresh_migrate_creates_the_cache_table_so_sign_in_works(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "halqa_cache"}}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS halqa_cache")
    call_command("migrate", "core", "0001", verbosity=0)
    call_command("migrate", "core", verbosity=0)  # what a fresh `migrate` does; no createcachetable

    assert "halqa_cache" in connection.introspection.table_names()
    response = client.post(reverse("account_login"), {"login": "nobody@example.org", "password": "wrong"})
    assert response.status_code == 200  # the form again, with its error; not a 500
