"""Reading meetings: every list starts from the access policy's visible set, in a fixed number of
queries whatever the number of meetings, participants or items."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
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


# The feed keeps a season of past meetings (attendance, minutes); a cancelled one only while upcoming.
FEED_PAST = dt.timedelta(days=90)
FEED_MOST = 1000


def feed_meetings(user) -> list[Meeting]:
    """The meetings of a person's calendar feed: those they organise or take part in (not said no),
    from the access layer's visible set (a community they have left is not in it), from 90 days ago
    on; cancelled ones while they are still ahead (STATUS:CANCELLED removes them from the calendar).
    A fixed number of queries, whatever the number of meetings."""
    from halqa.communities.models import Membership
    from halqa.communities.models import Status as MembershipStatus

    now = timezone.now()
    places = Participant.objects.filter(user=user).exclude(rsvp=Rsvp.NO).values("meeting_id")
    # A place kept in a community's meeting after leaving it (or being removed) is not fed on: a
    # calendar app polls for months, and a community one has left should stop showing up there.
    left = Membership.objects.filter(user=user, status__in=[MembershipStatus.LEFT, MembershipStatus.REMOVED]).values(
        "community_id"
    )
    return list(
        meeting_access.visible(user)
        .filter(Q(pk__in=places) | Q(organiser=user), starts_at__gte=now - FEED_PAST)
        .exclude(status=Status.CANCELLED, ends_at__lt=now)
        .exclude(community_id__in=left)
        .order_by("starts_at", "id")[:FEED_MOST]
    )


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


def meeting_page(meeting: Meeting, viewer, can) -> dict:
    """Everything the meeting page (and the API's detail) shows besides the meeting itself: agenda,
    participants, minutes, action items and, for a case session, the case's preparation list, in
    one query each whatever their length.

    People are named as the viewer may know them (the rule of community member lists): whoever
    manages the meeting sees every name; others see themselves and the people the directory shows
    them (`people_visible_to`), so a parent or a student invited as a guest is counted, not named."""
    from halqa.accounts.queries import people_visible_to

    from .access import MANAGE
    from .models import Minutes

    manages = MANAGE in can
    seen = people_visible_to(viewer).filter(pk=OuterRef("user_id"))
    participants = list(
        Participant.objects.filter(meeting=meeting)
        .select_related("user")
        .annotate(seen=Exists(seen))
        .order_by("created_at", "id")
    )
    names = {}
    for place in participants:
        named = manages or place.user_id == viewer.pk or place.seen
        place.name = place.user.display_name if named else ""
        names[place.user_id] = place.name
    agenda = list(AgendaItem.objects.filter(meeting=meeting).order_by("order", "id"))
    items = list(ActionItem.objects.filter(meeting=meeting).order_by("done_at", "due_on", "id"))
    for row in (*agenda, *items):
        row.owner_name = names.get(row.owner_id, "") if row.owner_id else ""
    minutes = Minutes.objects.filter(meeting=meeting).select_related("session_note", "author").first()
    series_count = series_position = 0
    if meeting.series_id:
        ids = list(
            Meeting.objects.filter(series_id=meeting.series_id)
            .order_by("recurrence_id", "id")
            .values_list("pk", flat=True)
        )
        series_count, series_position = len(ids), ids.index(meeting.pk) + 1
    if meeting.case_id:
        preparation = list(meeting.case.preparation.order_by("created_at", "id"))
    else:
        preparation = list(meeting.preparation.select_related("added_by").order_by("created_at", "id"))
    products = {item.product_id for item in preparation if item.product_id}
    if products:  # a library item is a link only for whoever may see it (one query)
        from halqa.library.access import product_access

        products = set(product_access.rows(viewer).filter(pk__in=products).values_list("pk", flat=True))
    for item in preparation:
        item.added_by_name = names.get(item.added_by_id, "") if item.added_by_id else ""
        item.product_url = reverse("library:product", args=[item.product_id]) if item.product_id in products else ""
    return {
        "agenda": agenda,
        "agenda_minutes": sum(item.minutes for item in agenda),
        "participants": participants,
        "counts": {answer: sum(1 for p in participants if p.rsvp == answer) for answer in Rsvp.values},
        "prepared_count": sum(1 for p in participants if p.prepared_at),
        "minutes": minutes,
        "minutes_author": names.get(minutes.author_id, "") if minutes and minutes.author_id else "",
        "action_items": items,
        "preparation": preparation,
        "series_count": series_count,
        "series_position": series_position,
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


def invite_candidates(meeting: Meeting):
    """Whom the page offers to invite: the community's active members (guests too) or, for a case
    session, the working group and the requester; not those already in the meeting."""
    from halqa.accounts.models import User
    from halqa.communities.models import Status as CommunityStatus

    if meeting.case_id:
        people = Q(case_memberships__case_id=meeting.case_id) | Q(pk=meeting.case.requester_id or 0)
    else:
        people = Q(
            community_memberships__community_id=meeting.community_id,
            community_memberships__status=CommunityStatus.ACTIVE,
        )
    taken = Participant.objects.filter(meeting=meeting).values("user_id")
    found = User.objects.filter(people, is_active=True).values("pk")
    return User.objects.filter(pk__in=found).exclude(pk__in=taken).order_by("display_name", "id")


def may_be_invited_by(actor, meeting: Meeting):
    """Whom `actor` may name in an invitation: the candidates above and the people the directory
    shows them (a matched expert of another school, a colleague)."""
    from halqa.accounts.queries import people_visible_to

    return invite_candidates(meeting) | people_visible_to(actor).exclude(
        pk__in=Participant.objects.filter(meeting=meeting).values("user_id")
    )
