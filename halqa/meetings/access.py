"""Who may see a meeting and what they may do with it (the pattern of `halqa/core/access.py`).

A community's meeting:
* its organiser and every participant (invited or signed up) see it;
* whoever keeps the community's work program (its facilitators; the principal and deputy of its
  school, the supervisor of its network, the authority's admins) sees all its meetings and manages
  them, as the organiser does: who may schedule a meeting may also change or cancel it;
* an announced meeting is seen by the community's active members in every role but guest; they
  may sign up while it is scheduled;
* a place in a meeting stops counting once its person has left the community or been removed from
  it (they stop seeing its meetings, as they stop seeing its discussions); someone invited from
  outside the community keeps their place. A guest (a parent, a student) sees only what they were
  invited to; a members-only community's meetings are never seen by visitors.

A case session (a meeting of a case's working group) is seen by whoever may view the case
(`CaseAccess`) and by nobody else, invitation or not; the working group and the school's
coordinators (`CONTRIBUTE` on the open case) manage it. Whoever sees an announced case session may
sign up while it is scheduled.

Participants answer (RSVP) and mark themselves prepared while the meeting is scheduled.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from halqa.cases.access import CONTRIBUTE as CASE_CONTRIBUTE
from halqa.cases.access import VIEW as CASE_VIEW
from halqa.cases.access import case_access
from halqa.communities.access import community_access, memberships_of
from halqa.communities.models import Role as CommunityRole
from halqa.communities.models import Status as CommunityStatus
from halqa.communities.rules import MANAGE_PROGRAM
from halqa.core import access

from .models import Meeting, Participant, Status

VIEW = "view"
MANAGE = "manage"  # change, cancel, invite, agenda, attendance, minutes, action items
SIGN_UP = "sign_up"
RESPOND = "respond"  # RSVP and "I am prepared", for a participant


def places_of(user) -> frozenset[int]:
    """Ids of the meetings the person takes part in (once per request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return access.cached(
        ("meeting-places", user.pk),
        lambda: frozenset(Participant.objects.filter(user=user).values_list("meeting_id", flat=True)),
    )


def _departed(user) -> frozenset[int]:
    """Communities the person has left or was removed from (their places there no longer count)."""
    gone = {CommunityStatus.LEFT, CommunityStatus.REMOVED}
    return frozenset(m.community_id for m in memberships_of(user).values() if m.status in gone)


def _communities(user) -> frozenset[int]:
    """Communities whose announced meetings the person sees (active, not as a guest)."""
    roles = set(CommunityRole.values) - {CommunityRole.GUEST}
    return frozenset(
        m.community_id for m in memberships_of(user).values() if m.status == CommunityStatus.ACTIVE and m.role in roles
    )


class MeetingAccess(access.Policy):
    model = Meeting
    actions = frozenset({VIEW, MANAGE, SIGN_UP, RESPOND})
    read_action = VIEW
    refusals = {
        MANAGE: _("Only the organiser and those who lead the community or the case's work can change this meeting."),
        SIGN_UP: _("You cannot sign up for this meeting."),
        RESPOND: _("Only the participants of a scheduled meeting can answer."),
    }

    def grants(self, user, meeting: Meeting) -> frozenset[str]:
        if not user.is_authenticated:
            return frozenset()
        scheduled = meeting.status == Status.SCHEDULED
        takes_part = meeting.pk in places_of(user)
        actions: set[str] = set()
        if meeting.case_id is not None:
            on_case = case_access.allowed(user, meeting.case)
            if CASE_VIEW not in on_case:
                return frozenset()
            actions.add(VIEW)
            if CASE_CONTRIBUTE in on_case:
                actions.add(MANAGE)
            if takes_part and scheduled:
                actions.add(RESPOND)
            if meeting.announced and scheduled and not takes_part:
                actions.add(SIGN_UP)
            return frozenset(actions)
        takes_part = takes_part and meeting.community_id not in _departed(user)
        member = meeting.community_id in _communities(user)
        leads = MANAGE_PROGRAM in community_access.allowed(user, meeting.community)
        organises = meeting.organiser_id == user.pk
        if organises or takes_part or leads or (member and meeting.announced):
            actions.add(VIEW)
        if organises or leads:
            actions.add(MANAGE)
        if takes_part and scheduled:
            actions.add(RESPOND)
        if member and meeting.announced and scheduled and not takes_part:
            actions.add(SIGN_UP)
        return frozenset(actions)

    def where(self, user, action: str) -> QuerySet[Meeting]:
        places = Q(pk__in=sorted(places_of(user)))
        if departed := _departed(user):
            places &= Q(case__isnull=False) | ~Q(community_id__in=sorted(departed))
        member = Q(community_id__in=sorted(_communities(user)))
        leads = Q(community__in=community_access.rows(user, MANAGE_PROGRAM).values("pk"))
        organises = Q(organiser_id=user.pk)
        scheduled = Q(status=Status.SCHEDULED)
        of_community = Q(case__isnull=True)
        case_view = Q(case__in=case_access.rows(user, CASE_VIEW).values("pk"))
        if action == VIEW:
            community = of_community & (organises | places | leads | (member & Q(announced=True)))
            return Meeting.objects.filter(community | case_view)
        if action == MANAGE:
            community = of_community & (organises | leads)
            return Meeting.objects.filter(community | Q(case__in=case_access.rows(user, CASE_CONTRIBUTE).values("pk")))
        if action == RESPOND:
            return Meeting.objects.filter(places & scheduled & ((of_community) | case_view))
        # SIGN_UP
        community = of_community & member
        return Meeting.objects.filter((community | case_view) & Q(announced=True) & scheduled).exclude(places)


meeting_access = access.register(MeetingAccess())
