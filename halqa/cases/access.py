"""Who may see a case and what they may do with it (the pattern of `halqa/core/access.py`).

* The requester sees their own cases.
* The coordinators of the case's school (its coordinators, principal and deputy, the authority's
  admins) see their school's cases and who asked, anonymous or not.
* The case's working group sees it; so do the active members of the community it is assigned to,
  except guests, and except parents and students, who see only cases they asked or work on.
* An anonymous requester's identity is seen by the coordinators alone.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from halqa.communities.access import memberships_of
from halqa.communities.models import Role as CommunityRole
from halqa.communities.models import Status as CommunityStatus
from halqa.core import access
from halqa.orgs.access import Standing, standing
from halqa.orgs.models import Position

from .models import Case, CaseMember
from .workflow import COORDINATOR, GROUP, REQUESTER

VIEW = "view"
SEE_REQUESTER = "see_requester"
MOVE = "move"
MANAGE = "manage"  # the coordinator's own work: assign, form the group, transcribe
CONTRIBUTE = "contribute"  # work on an open case's records: preparation list, session notes, drafts


def group_cases_of(user) -> frozenset[int]:
    """Ids of the cases whose working group the person is in (once per request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return access.cached(
        ("case-groups", user.pk),
        lambda: frozenset(CaseMember.objects.filter(user=user).values_list("case_id", flat=True)),
    )


def _communities(user, *, facilitating: bool = False) -> frozenset[int]:
    """Communities whose cases the person sees (active, not as a guest), or facilitates."""
    roles = {CommunityRole.FACILITATOR} if facilitating else set(CommunityRole.values) - {CommunityRole.GUEST}
    return frozenset(
        m.community_id for m in memberships_of(user).values() if m.status == CommunityStatus.ACTIVE and m.role in roles
    )


def coordinated_schools(me: Standing) -> frozenset[int]:
    return me.led_schools | frozenset(s for s, position in me.positions if position == Position.COORDINATOR)


class CaseAccess(access.Policy):
    model = Case
    actions = frozenset({VIEW, SEE_REQUESTER, MOVE, MANAGE, CONTRIBUTE})
    read_action = VIEW
    refusals = {
        MOVE: _("You cannot move this case."),
        MANAGE: _("Only the school's coordinators can do this."),
        CONTRIBUTE: _("Only the working group and the coordinators work on an open case's records."),
    }

    def roles(self, user, case: Case) -> frozenset[str]:
        """The person's parts in the case, as the transition table names them."""
        if not user.is_authenticated:
            return frozenset()
        me = standing(user)
        roles = set()
        if case.requester_id == user.pk:
            roles.add(REQUESTER)
        if self.coordinates(me, case):
            roles.add(COORDINATOR)
        if case.pk in group_cases_of(user) or (
            case.community_id and case.community_id in _communities(user, facilitating=True)
        ):
            roles.add(GROUP)
        return frozenset(roles)

    @staticmethod
    def coordinates(me: Standing, case: Case) -> bool:
        return me.superuser or case.school_id in coordinated_schools(me) or case.school.authority_id in me.admin_of

    def grants(self, user, case: Case) -> frozenset[str]:
        if not user.is_authenticated:
            return frozenset()
        me = standing(user)
        roles = self.roles(user, case)
        sees = bool(roles) or (
            not me.only_private_roles and case.community_id is not None and case.community_id in _communities(user)
        )
        if not sees:
            return frozenset()
        actions = {VIEW}
        if COORDINATOR in roles or REQUESTER in roles or not case.anonymous:
            actions.add(SEE_REQUESTER)
        if roles and not case.is_final:
            actions.add(MOVE)
        if COORDINATOR in roles:
            actions.add(MANAGE)
        if roles & {COORDINATOR, GROUP} and not case.is_final:
            actions.add(CONTRIBUTE)
        return frozenset(actions)

    def where(self, user, action: str) -> QuerySet[Case]:
        me = standing(user)
        coordinator = (
            Q(pk__isnull=False)
            if me.superuser
            else (Q(school_id__in=sorted(coordinated_schools(me))) | Q(school__authority_id__in=sorted(me.admin_of)))
        )
        requester = Q(requester_id=user.pk)
        group = Q(pk__in=sorted(group_cases_of(user))) | Q(
            community_id__in=sorted(_communities(user, facilitating=True))
        )
        involved = requester | coordinator | group
        if action == MANAGE:
            return Case.objects.filter(coordinator)
        if action == MOVE:
            from .models import FINAL_STAGES

            return Case.objects.filter(involved).exclude(stage__in=FINAL_STAGES)
        if action == CONTRIBUTE:
            from .models import FINAL_STAGES

            return Case.objects.filter(coordinator | group).exclude(stage__in=FINAL_STAGES)
        visible = involved
        if not me.only_private_roles:
            visible |= Q(community_id__in=sorted(_communities(user)))
        if action == SEE_REQUESTER:
            return Case.objects.filter(visible).filter(requester | coordinator | Q(anonymous=False))
        return Case.objects.filter(visible)


case_access = access.register(CaseAccess())
