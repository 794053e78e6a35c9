"""The two databases behind one interface: which documents match a query, best first.

Both are given the analyzer's tokens and nothing else, so both find the same documents; their own
ranking (FTS5's bm25, PostgreSQL's ts_rank_cd) only chooses the candidates, which the caller ranks
again in Python with one formula (halqa.search.services), so both give the same order too.

Hand-written SQL lives here and only here: the statements are constants, the query's text and every
value are passed as parameters, and the one piece composed in (the ids the caller may see) is SQL
that Django's ORM compiled, with its own parameters. The query string given to MATCH / to_tsquery is
made of analysed tokens (letters and digits only), each quoted, so no query syntax reaches them.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet


class Backend:
    vendor = ""

    def match_expression(self, groups: list[frozenset[str]]) -> str:
        raise NotImplementedError

    def candidates(self, groups: list[frozenset[str]], documents: QuerySet, limit: int) -> list[int]:
        """Ids of the `documents` (a queryset of SearchDocument) that have a token of every group."""
        raise NotImplementedError


class SQLiteFTS5(Backend):
    vendor = "sqlite"
    SQL = (
        "SELECT search_fts.rowid FROM search_fts WHERE search_fts MATCH %s AND search_fts.rowid IN ({documents}) "
        "ORDER BY bm25(search_fts, 4.0, 1.0), search_fts.rowid LIMIT %s"
    )

    def match_expression(self, groups):
        return " AND ".join("(" + " OR ".join(f'"{token}"' for token in sorted(group)) + ")" for group in groups)

    def candidates(self, groups, documents, limit):
        subquery, params = documents.values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(self.SQL.format(documents=subquery), [self.match_expression(groups), *params, limit])
            return [row[0] for row in cursor.fetchall()]


class PostgreSQLFullText(Backend):
    vendor = "postgresql"
    SQL = (
        "SELECT d.id FROM search_searchdocument d, to_tsquery('simple'::regconfig, %s) q "
        "WHERE d.vector @@ q AND d.id IN ({documents}) "
        "ORDER BY ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', d.vector, q) DESC, d.id LIMIT %s"
    )

    def match_expression(self, groups):
        return " & ".join("(" + " | ".join(f"'{token}'" for token in sorted(group)) + ")" for group in groups)

    def candidates(self, groups, documents, limit):
        subquery, params = documents.values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(self.SQL.format(documents=subquery), [self.match_expression(groups), *params, limit])
            return [row[0] for row in cursor.fetchall()]


BACKENDS = {backend.vendor: backend for backend in (SQLiteFTS5(), PostgreSQLFullText())}


def backend() -> Backend:
    try:
        return BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"no full-text search for {connection.vendor}") from None
