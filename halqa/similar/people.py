"""People who solved similar cases: one more matcher for the case's "who could help" ranking.

`halqa.cases.matching` fuses the rankings of its matchers; this one proposes the working-group
members of the closed cases most similar to this one (among the cases the viewer may see), with the
reason "solved a similar case in <language>". It plugs in beside the profile matcher at start-up.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from halqa.accounts.queries import people_visible_to
from halqa.cases import matching
from halqa.cases.models import Case, CaseMember, Stage

from . import services

SIMILAR_CASES = 10


class SimilarCaseMatcher:
    def suggest(self, case: Case, viewer, limit: int = 10) -> list[matching.Suggestion]:
        try:
            found = services.similar_to_case(viewer, case, kinds=("case",), limit=SIMILAR_CASES)
        except ValidationError:  # a story that cannot be compared (no letters): nobody to propose
            return []
        closed = {m.object_id: m for m in found.matches if m.obj.stage == Stage.CLOSED}
        if not closed:
            return []
        taken = set(case.members.values_list("user_id", flat=True)) | {case.requester_id}
        members = (
            CaseMember.objects.filter(case_id__in=closed, user__in=people_visible_to(viewer))
            .exclude(user_id__in=[pk for pk in taken if pk])
            .select_related("user")
        )
        order = list(closed)
        people: dict[int, matching.Suggestion] = {}
        for member in sorted(members, key=lambda m: (order.index(m.case_id), m.pk)):
            match = closed[member.case_id]
            reason = _("solved a similar case in %(language)s") % {"language": services.language_name(match.language)}
            if member.user_id not in people:
                people[member.user_id] = matching.Suggestion(member.user, 3, [reason])
            elif reason not in people[member.user_id].reasons:
                people[member.user_id].reasons.append(reason)
        return list(people.values())[:limit]


def register() -> None:
    if not any(isinstance(matcher, SimilarCaseMatcher) for matcher in matching.MATCHERS):
        matching.MATCHERS.append(SimilarCaseMatcher())
