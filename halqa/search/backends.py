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

RANKED = 5_000  # the newest matches ranked by the database; a word in more documents than this is
# ranked among its newest 5,000 (ranking every match of a very common word costs 0.1-0.4 s at 100,000)


class Backend:
    vendor = ""
    SQL = ""

    def match_expression(self, groups: list[frozenset[str]], any_group: bool = False) -> str:
        raise NotImplementedError

    def candidates(
        self, groups: list[frozenset[str]], documents: QuerySet, limit: int, *, any_group: bool = False
    ) -> list[int]:
        """Ids of the `documents` (a queryset of SearchDocument) that have a token of every group
        (of any group with `any_group`, as similar cases ask with a whole story): of the newest
        RANKED such documents, the `limit` the database ranks best."""
        subquery, params = documents.values("id").query.sql_with_params()
        expression = self.match_expression(groups, any_group)
        with connection.cursor() as cursor:
            cursor.execute(self.SQL.format(documents=subquery), [expression, *params, RANKED, limit])
            return [row[0] for row in cursor.fetchall()]


class SQLiteFTS5(Backend):
    """The "+" keeps the ids' constraint away from FTS5, which would otherwise look each id up in
    the index (seconds over 100,000 documents) instead of filtering its matches (milliseconds)."""

    vendor = "sqlite"
    SQL = (
        "SELECT id FROM (SELECT search_fts.rowid AS id, bm25(search_fts, 4.0, 1.0) AS rank FROM search_fts "
        "WHERE search_fts MATCH %s AND +search_fts.rowid IN ({documents}) ORDER BY search_fts.rowid DESC LIMIT %s) "
        "ORDER BY rank, id LIMIT %s"
    )

    def match_expression(self, groups, any_group=False):
        return (" OR " if any_group else " AND ").join(
            "(" + " OR ".join(f'"{token}"' for token in sorted(group)) + ")" for group in groups
        )


class PostgreSQLFullText(Backend):
    vendor = "postgresql"
    SQL = (
        "SELECT m.id FROM (SELECT d.id, d.vector, q.query FROM search_searchdocument d, "
        "to_tsquery('simple'::regconfig, %s) q(query) WHERE d.vector @@ q.query AND d.id IN ({documents}) "
        "ORDER BY d.id DESC LIMIT %s) m "
        "ORDER BY ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', m.vector, m.query) DESC, m.id LIMIT %s"
    )

    def match_expression(self, groups, any_group=False):
        return (" | " if any_group else " & ").join(
            "(" + " | ".join(f"'{token}'" for token in sorted(group)) + ")" for group in groups
        )


BACKENDS = {backend.vendor: backend for backend in (SQLiteFTS5(), PostgreSQLFullText())}


def backend() -> Backend:
    try:
        return BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"no full-text search for {connection.vendor}") from None
