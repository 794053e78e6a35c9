"""Reading meetings: every list starts from the access policy's visible set, in a fixed number of
queries whatever the number of meetings, participants or items."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .access import meeting_access
from .models import ActionItem, AgendaItem, Meeting, Participant, Rsvp, Status

PAST_SHOWN = dt.timedelta(hours=12)  # a meeting that ended this morning is still "upcoming" today


def meetings_visible_to(user) -> QuerySet[Meeting]:
    return meeting_access.visible(user).select_related("community", "case", "organiser")


def _with_counts(meetings: QuerySet[Meeting], user) -> QuerySet[Meeting]:
    return meetings.annotate(
        coming=Count("participants", filter=Q(participants__rsvp=Rsvp.YES), distinct=True),
        mine=Exists(Participant.objects.filter(meeting=OuterRef("pk"), user=user)),
    )


def my_meetings(user, *, past: bool = False) -> QuerySet[Meeting]:
    """The meetings the person takes part in or organises: upcoming first, or past, newest first."""
    now = timezone.now()
    mine = meetings_visible_to(user).filter(
        Q(pk__in=Participant.objects.filter(user=user).values("meeting_id")) | Q(organiser=user)
    )
    mine = _with_counts(mine, user)
    if past:
        return mine.filter(ends_at__lt=now - PAST_SHOWN).order_by("-starts_at", "-id")
    return mine.filter(ends_at__gte=now - PAST_SHOWN).order_by("starts_at", "id")


def upcoming_for_community(user, community, limit: int = 10) -> list[Meeting]:
    """The community's scheduled meetings the person may see, soonest first (the community page)."""
    now = timezone.now()
    meetings = meetings_visible_to(user).filter(
        community=community, status=Status.SCHEDULED, ends_at__gte=now - PAST_SHOWN
    )
    return list(_with_counts(meetings, user).order_by("starts_at", "id")[:limit])


def upcoming_for_case(user, case, limit: int = 10) -> list[Meeting]:
    now = timezone.now()
    meetings = meetings_visible_to(user).filter(case=case, ends_at__gte=now - PAST_SHOWN)
    return list(_with_counts(meetings, user).order_by("starts_at", "id")[:limit])


def meeting_page(meeting: Meeting) -> dict:
    """Everything the meeting page shows besides the meeting itself: agenda, participants, minutes,
    action items (and, for a case session, the case's preparation list) in one query each."""
    agenda = list(AgendaItem.objects.filter(meeting=meeting).select_related("owner").order_by("order", "id"))
    participants = list(
        Participant.objects.filter(meeting=meeting).select_related("user", "invited_by").order_by("created_at", "id")
    )
    minutes = getattr(meeting, "_minutes_cache", None)
    if minutes is None:
        from .models import Minutes

        minutes = Minutes.objects.filter(meeting=meeting).select_related("session_note", "author").first()
    items = list(ActionItem.objects.filter(meeting=meeting).select_related("owner").order_by("done_at", "due_on", "id"))
    preparation = []
    if meeting.case_id:
        preparation = list(meeting.case.preparation.select_related("added_by").order_by("created_at", "id"))
    return {
        "agenda": agenda,
        "agenda_minutes": sum(item.minutes for item in agenda),
        "participants": participants,
        "counts": {answer: sum(1 for p in participants if p.rsvp == answer) for answer in Rsvp.values},
        "prepared_count": sum(1 for p in participants if p.prepared_at),
        "minutes": minutes,
        "action_items": items,
        "preparation": preparation,
    }


def open_action_items(user, limit: int = 20) -> list[ActionItem]:
    """The person's action items not yet done, of meetings they may still see, soonest due first."""
    if not user.is_authenticated:
        return []
    visible = meeting_access.visible(user).values("pk")
    items = (
        ActionItem.objects.filter(owner=user, done_at__isnull=True, meeting__in=visible)
        .select_related("meeting")
        .order_by(models_nulls_last("due_on"), "id")
    )
    return list(items[:limit])


def models_nulls_last(field: str):
    from django.db.models import F

    return F(field).asc(nulls_last=True)
