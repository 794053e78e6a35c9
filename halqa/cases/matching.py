"""Who could help with a case: experts and experienced teachers, ranked, each with the reasons shown.

One interface (`Matcher.suggest(case, viewer, limit)`) and one default (`ProfileMatcher`), so the
semantic matcher of the issue "Similar cases" plugs in beside it and `suggest` can fuse their
rankings. Only people the viewer may see in the directory are proposed (a parent or a student is
never proposed to someone who may not know them), never the requester and never someone already in
the working group.

The profile matcher scores, and says why:
* teaches the case's subject (+3) or its grade (+2);
* an expertise tag shares a word with the case's topics or title (+2 each, at most two);
* has worked on closed cases of the same topic (+3 each, at most three);
* solved a similar case (+3 for each language such cases were in): a closed case among the most similar to
  this one that the viewer may see, as `SIMILAR_CASES` answers (halqa.similar registers it; the
  ids come from memory, so it costs this query nothing more);
* writes in the case's language (+1); is an expert (+1); is an experienced teacher (+1);
* is already busy with open cases (−1 each, at most −3).
It reads a bounded number of candidates in a fixed number of queries whatever the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Protocol

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from halqa.accounts.choices import Role
from halqa.accounts.queries import people_visible_to

from .access import case_access
from .models import FINAL_STAGES, Case, Stage

CANDIDATES = 300  # read at most this many people, those most likely first
# (case, viewer) → {language: ids of the cases most similar to it}; none until halqa.similar sets it.
SIMILAR_CASES = None
WORD = re.compile(r"\w{4,}", re.UNICODE)


@dataclass
class Suggestion:
    person: object
    score: int
    reasons: list[str] = field(default_factory=list)


class Matcher(Protocol):
    def suggest(self, case: Case, viewer, limit: int = 10) -> list[Suggestion]: ...


def _words(text: str) -> set[str]:
    return {w.casefold() for w in WORD.findall(text or "")}


class ProfileMatcher:
    def candidates(self, case: Case, viewer):
        from halqa.accounts.models import User

        through = SimpleNamespace(
            subjects=User.subjects.through.objects, grades=User.grades.through.objects, roles=User.roles.through.objects
        )
        taken = Q(pk__in=case.members.values("user_id")) | Q(pk=case.requester_id or 0)  # no query of its own
        topics = list(case.topics.all())
        similar = {
            language: ids for language, ids in (SIMILAR_CASES(case, viewer) if SIMILAR_CASES else {}).items() if ids
        }
        if similar:
            closed_and_seen = Q(case_memberships__case__stage=Stage.CLOSED) & Q(
                case_memberships__case__in=case_access.visible(viewer).values("pk")
            )
        by_language = {
            f"similar_{language}": Count(
                "case_memberships", filter=closed_and_seen & Q(case_memberships__case_id__in=ids), distinct=True
            )
            for language, ids in sorted(similar.items())
        }
        return (
            people_visible_to(viewer)
            .filter(roles__code__in=[Role.TEACHER, Role.EXPERT])
            .exclude(taken)
            .annotate(
                solved=Count(
                    "case_memberships",
                    filter=Q(case_memberships__case__stage=Stage.CLOSED)
                    & Q(case_memberships__case__topics__in=[t.pk for t in topics]),
                    distinct=True,
                ),
                busy=Count(
                    "case_memberships",
                    filter=~Q(case_memberships__case__stage__in=FINAL_STAGES),
                    distinct=True,
                ),
            )
            # Yes/no facts as subqueries of the one query; only the tags are read (their words count).
            .annotate(
                teaches_subject=Exists(through.subjects.filter(user=OuterRef("pk"), subjectrow_id=case.subject or "")),
                teaches_grade=Exists(through.grades.filter(user=OuterRef("pk"), graderow_id=case.grade or "")),
                is_expert=Exists(through.roles.filter(user=OuterRef("pk"), rolerow_id=Role.EXPERT)),
            )
            .annotate(**by_language)
            .prefetch_related("expertise")
            .distinct()
            .order_by("-solved", *[f"-{name}" for name in by_language], "display_name", "pk")[:CANDIDATES]
        ), topics

    def suggest(self, case: Case, viewer, limit: int = 10) -> list[Suggestion]:
        people, topics = self.candidates(case, viewer)
        case_words = _words(case.title) | {w for t in topics for w in _words(str(t))}
        found = []
        for person in people:
            score, reasons = 0, []
            if case.subject and person.teaches_subject:
                score += 3
                reasons.append(_("teaches %(subject)s") % {"subject": case.get_subject_display()})
            if case.grade and person.teaches_grade:
                score += 2
                reasons.append(_("teaches %(grade)s") % {"grade": case.get_grade_display()})
            shared = [tag.name for tag in person.expertise.all() if _words(tag.name) & case_words][:2]
            if shared:
                score += 2 * len(shared)
                reasons.append(_("expertise: %(tags)s") % {"tags": ", ".join(shared)})
            if person.solved:
                score += 3 * min(person.solved, 3)
                reasons.append(_("worked on %(count)s closed case(s) of the same topic") % {"count": person.solved})
            for code, _name in settings.LANGUAGES:
                if getattr(person, f"similar_{code}", 0):
                    score += 3
                    language = get_language_info(code)["name_translated"]
                    reasons.append(_("solved a similar case in %(language)s") % {"language": language})
            if person.preferred_language == case.language:
                score += 1
                reasons.append(_("writes in the case's language"))
            if person.is_expert:
                score += 1
                reasons.append(_("expert"))
            elif person.years_experience and person.years_experience > 3:
                score += 1
                reasons.append(_("experienced teacher"))
            if person.busy:
                score -= min(person.busy, 3)
                reasons.append(_("already in %(count)s open case(s)") % {"count": person.busy})
            if score > 0:
                found.append(Suggestion(person, score, reasons))
        found.sort(key=lambda s: (-s.score, s.person.display_name, s.person.pk))
        return found[:limit]


MATCHERS: list[Matcher] = [ProfileMatcher()]


def suggest(case: Case, viewer, limit: int = 10) -> list[Suggestion]:
    """The ranked suggestions of every matcher (today one; more are fused by their ranks)."""
    if len(MATCHERS) == 1:
        return MATCHERS[0].suggest(case, viewer, limit)
    fused: dict[int, Suggestion] = {}
    points: dict[int, float] = {}
    for matcher in MATCHERS:
        for rank, item in enumerate(matcher.suggest(case, viewer, limit * 2)):
            points[item.person.pk] = points.get(item.person.pk, 0) + 1 / (60 + rank)  # reciprocal rank fusion
            if item.person.pk in fused:
                fused[item.person.pk].reasons += [r for r in item.reasons if r not in fused[item.person.pk].reasons]
            else:
                fused[item.person.pk] = Suggestion(item.person, item.score, list(item.reasons))
    ranked = sorted(fused.values(), key=lambda s: -points[s.person.pk])
    return ranked[:limit]
