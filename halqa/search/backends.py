"""The two databases behind one interface: which documents match a query, best first.

Both are given the analyzer's tokens and nothing else, so both find the same documents; their own
ranking (FTS5's bm25, PostgreSQL's ts_rank) only chooses the candidates, which the caller ranks
again in Python with one formula (halqa.search.services), so both give the same order too.

Hand-written SQL lives here and only here: the statements are constants, the query's text and every
value are passed as parameters, and the one piece composed in (the ids the caller may see) is SQL
that Django's ORM compiled, with its own parameters. The query string given to MATCH / to_tsquery is
made of analysed tokens (letters and digits only), each quoted, so no query syntax reaches them.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

RANKED = 2_000  # the newest matches ranked by the database; a word in more visible documents than
# this is ranked among its newest 2,000 (bench/search.py: at 100,000 products the commonest word's
# candidates cost 8 ms of SQLite and 39 ms of PostgreSQL at 2,000, 20 and 93 ms at 5,000)


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
        subquery, params = self.restrict(documents).query.sql_with_params()
        expression = self.match_expression(groups, any_group)
        with connection.cursor() as cursor:
            cursor.execute(self.SQL.format(documents=subquery), [expression, *params, RANKED, limit])
            return [row[0] for row in cursor.fetchall()]

    def restrict(self, documents: QuerySet) -> QuerySet:
        """The visible documents as the subquery the statement composes in."""
        return documents.values("id")


class SQLiteFTS5(Backend):
    """FTS5 gives the matches newest first and each is checked by a correlated EXISTS (SQLite
    flattens the visible documents' subquery into it: the document by id, the object's visibility
    by id) until RANKED are found: the cost follows the matches read, not the number of visible
    objects (an `IN (visible ids)` built all 100,000 of them for every query, 45–75 ms, even for a
    word found twice)."""

    vendor = "sqlite"
    SQL = (
        "SELECT id FROM (SELECT search_fts.rowid AS id, bm25(search_fts, 4.0, 1.0) AS rank FROM search_fts "
        "WHERE search_fts MATCH %s AND EXISTS (SELECT 1 FROM ({documents}) v WHERE v.id = search_fts.rowid) "
        "ORDER BY search_fts.rowid DESC LIMIT %s) "
        "ORDER BY rank, id LIMIT %s"
    )

    def match_expression(self, groups, any_group=False):
        return (" OR " if any_group else " AND ").join(
            "(" + " OR ".join(f'"{token}"' for token in sorted(group)) + ")" for group in groups
        )


class PostgreSQLFullText(Backend):
    """PostgreSQL reads a match's row to learn its id, whether from the GIN index's bitmap or from a
    backward scan of the ids, so a common word (a quarter of 100,000) or an AND of common words
    costs every match it reads. The newest RANKED visible matches are therefore looked for first
    among the newest WINDOW documents (`d.id > floor`), and in all of them only when the window
    holds fewer than RANKED (a rarer word: then there are few to read). The answer is the same
    either way: when the window holds RANKED visible matches, they are the newest RANKED."""

    vendor = "postgresql"
    WINDOW = 20_000
    SQL = (
        "SELECT m.id, count(*) OVER () FROM (SELECT d.id, d.vector, q.query "
        "FROM search_searchdocument d, to_tsquery('simple'::regconfig, %s) q(query) "
        "WHERE d.vector @@ q.query AND d.id > %s AND d.id IN ({documents}) ORDER BY d.id DESC LIMIT %s) m "
        "ORDER BY ts_rank('{{0.1, 0.2, 0.4, 1.0}}', m.vector, m.query) DESC, m.id LIMIT %s"
    )  # ts_rank, not ts_rank_cd: the cover density cost 60 ms over 2,000 matches of three words, ts_rank 25
    NEWEST = "SELECT coalesce(max(id), 0) FROM search_searchdocument"

    def candidates(self, groups, documents, limit, **options):
        subquery, params = self.restrict(documents).query.sql_with_params()
        expression = self.match_expression(groups, **options)
        with connection.cursor() as cursor:
            cursor.execute(self.NEWEST)
            floor = cursor.fetchone()[0] - self.WINDOW
            for bound in (floor, 0) if floor > 0 else (0,):
                cursor.execute(self.SQL.format(documents=subquery), [expression, bound, *params, RANKED, limit])
                rows = cursor.fetchall()
                in_window = rows[0][1] if rows else 0  # the window's visible matches, up to RANKED
                if bound == 0 or in_window >= RANKED:
                    return [row[0] for row in rows]
        return []

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
