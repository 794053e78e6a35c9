"""Which cases a person may see, and what a case page shows, in a fixed number of queries."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from halqa.events.models import Event
from halqa.search import services as search

from .access import MANAGE, SEE_REQUESTER, case_access
from .models import FINAL_STAGES, Case, CaseAttachment

LIST_RELATED = ("school", "community", "requester")


def cases_visible_to(user) -> QuerySet[Case]:
    return case_access.visible(user).select_related(*LIST_RELATED).prefetch_related("types", "topics")


def case_list(
    user, *, stage: str = "", group: str = "", type: str = "", community: int | None = None, mine=False, q: str = ""
):
    """The cases the person may see, filtered; with a search `q`, only those matching it (searched
    within the visible, filtered cases), best match first."""
    cases = cases_visible_to(user)
    if mine:
        cases = cases.filter(requester_id=user.pk)
    if stage:
        cases = cases.filter(stage=stage)
    if group:
        cases = cases.filter(requester_group=group)
    if type:
        cases = cases.filter(types__code=type)
    if community:
        cases = cases.filter(community_id=community)
    cases = cases.distinct()
    if q:
        ranked = search.search_ids(q, kind="case", within=cases)
        rank = models.Case(*(models.When(pk=pk, then=models.Value(n)) for n, pk in enumerate(ranked)), default=None)
        return cases.filter(pk__in=ranked).order_by(rank, "-id") if ranked else cases.none()
    return cases.order_by("-created_at", "-id")


def add_snippets(cases, q: str) -> None:
    """Give each listed case (already among those the person may see) `search_snippet`: its story
    around the words searched for, marked."""
    cases = list(cases)
    hits = search.search(q, within={"case": Case.objects.filter(pk__in=[case.pk for case in cases])}, limit=len(cases))
    snippets = {hit.object_id: hit.snippet for hit in hits}
    for case in cases:
        case.search_snippet = snippets.get(case.pk, "")


def queue(user) -> QuerySet[Case]:
    """The coordinator's queue: open cases of the schools they coordinate, oldest first."""
    return (
        case_access.rows(user, MANAGE)
        .exclude(stage__in=FINAL_STAGES)
        .select_related(*LIST_RELATED)
        .prefetch_related("types", "topics")
        .order_by("created_at", "id")
    )


def case_events(case: Case) -> QuerySet[Event]:
    """The case's history, oldest first: who moved it, when, and why."""
    kind = ContentType.objects.get_for_model(Case)
    return Event.objects.filter(target_type=kind, target_id=case.pk).select_related("actor").order_by("at", "id")


def group_members(case: Case, viewer):
    """The working group as `viewer` may see it: whole for its members, the coordinators and the
    requester; for anyone else only the people they may see in the directory (a parent or a student
    in the group stays unknown to a community member who may not know them)."""
    from halqa.accounts.queries import people_visible_to

    members = case.members.select_related("user").order_by("created_at", "id")
    if case_access.roles(viewer, case):
        return members
    return members.filter(user__in=people_visible_to(viewer).values("pk"))


def visible_attachments(case: Case, allowed):
    """The files of a case that someone with `allowed` (what the policy grants them on the case)
    sees: all of them, but the scanned paper form of an anonymous requester only for those who may
    see who asked (the scan may show the name)."""
    if not allowed:
        return CaseAttachment.objects.none()
    files = CaseAttachment.objects.filter(case=case).order_by("kind", "id")
    if case.anonymous and SEE_REQUESTER not in allowed:
        files = files.exclude(kind=CaseAttachment.Kind.PAPER_FORM)
    return files
