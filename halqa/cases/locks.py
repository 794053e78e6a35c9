"""The one way a service takes a case for a change: its row locked until the transaction ends, and
the request's cached answers of the access layer forgotten (they were computed from the case as it
was before the lock; see halqa/core/access.py)."""

from __future__ import annotations

from django.db import connection

from halqa.core import access

from .models import Case, Stage

COLUMN_LOCK = 0x48414C51  # "HALQ": the first key of the columns' advisory locks on PostgreSQL


def lock_case(case: Case | int, *related: str) -> Case:
    """The case re-read under a row lock, with its school (and `related`) joined."""
    pk = case if isinstance(case, int) else case.pk
    locked = Case.objects.select_for_update(of=("self",)).select_related("school", *related).get(pk=pk)
    access.forget()
    return locked


def lock_column(stage: str) -> None:
    """Reorders in one stage's column wait for each other, wherever they are made (the school's,
    a community's or someone's groups board), so two of them never read the same positions and
    write the same new one. SQLite runs one writing transaction at a time already. (Hand-written
    SQL: a constant statement, the keys passed as parameters; the ORM has no advisory locks.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [COLUMN_LOCK, Stage.values.index(stage)])
