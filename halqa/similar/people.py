"""People who solved similar cases: the cases for the "who could help" ranking's reason "solved a
similar case in <language>" (halqa.cases.matching.SIMILAR_CASES).

The ranking asks, for a case and its viewer, the cases most similar to it by language; the profile
matcher then counts, in its one query, who worked on those that are closed and that the viewer may
see. The ids come from the process's matrix with the case's own vector, checked against the
database at most once a minute here, so the case page that ranks who could help runs no query more.
"""

from __future__ import annotations

from halqa.cases import matching
from halqa.cases.models import Case

from . import embedding, matcher, services

SIMILAR_CASES = 50  # the most similar cases considered (the viewer's visible closed ones count)
FRESH_SECONDS = 60  # how old the matrix's last check against the database may be here


def similar_cases(case: Case, viewer) -> dict[str, list[int]]:
    """{language: ids} of the cases at least "close" to this one (none without the model, or while
    the case has no vector yet)."""
    if not embedding.available():
        return {}
    index = matcher.matrix(max_age=FRESH_SECONDS)
    vector = index.vector("case", case.pk)
    if vector is None:
        return {}
    close = next(bound for bound, name in services.BANDS if name == "close")
    found: dict[str, list[int]] = {}
    for item in index.top(vector, case.language, kinds=("case",), limit=SIMILAR_CASES, exclude=[("case", case.pk)]):
        if item.score >= close:
            found.setdefault(item.language, []).append(item.object_id)
    return found


def register() -> None:
    matching.SIMILAR_CASES = similar_cases
