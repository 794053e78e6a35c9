"""One query-bound helper for every area: a page or an endpoint runs a bounded number of queries,
and the number does not grow when the data it shows grows tenfold.

A bound is only worth something when it is measured twice, on the data as the fixtures make it and
after every list the page shows has become ten times longer; and when the first count is itself
held under a ceiling, so a page cannot start at a hundred queries and "not grow". Each area brings
its own way of growing the data (`halqa.orgs.tests.seeding.seed_tenfold`,
`halqa.communities.tests.seeding.seed_communities_tenfold`, the discussions' `seed`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

# The most queries any page or endpoint may run, signed-in session and user included (the
# benchmark's target for key pages is 15; forms and managers' pages may need a few more).
CEILING = 25


def count_queries(request: Callable):
    """Run `request()` and return (number of queries, its response)."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    return len(queries), response


def assert_query_bound(
    request: Callable,
    *,
    grow: Callable[[], object],
    ceiling: int = CEILING,
    check: Callable | None = None,
    check_after: Callable | None = None,
) -> tuple[int, int]:
    """Run `request`, `grow()` the data, run it again: at most `ceiling` queries, and no more after.

    `request` is run once first so that one-off work (session load, caches) is not counted;
    `check` looks at each response (for example its status), `check_after` at the last one (for
    example that the page really lists more). Returns both counts.
    """
    first = request()
    if check:
        check(first)
    before, response = count_queries(request)
    if check:
        check(response)
    assert before <= ceiling, f"{before} queries, more than the ceiling of {ceiling}"
    grow()
    after, response = count_queries(request)
    if check:
        check(response)
    if check_after:
        check_after(response)
    assert after <= before, f"{after} queries after growing the data tenfold, {before} before"
    return before, after
