"""Who may do what in a community: the role × action table of `rules.py`, applied.

`community_access.allowed(person, community)` answers which actions, in pure Python from the
person's standing (`halqa.orgs.access.standing`) and their memberships, both computed once per
request; `community_access.rows(person, action)` answers which communities, as one query built
from the same facts. Views, templates, the API, the discussion policy and the services all ask
here; a test holds the two answers equal for every person, community and action.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from halqa.core import access
from halqa.orgs.access import Standing, standing
from halqa.orgs.models import Network, School

from .models import Community, Membership, Status, Visibility
from .rules import (
    ACTION_LABELS,
    DRAFT_DECISION,
    EDIT_CHARTER,
    LEADER_ACTIONS,
    MANAGE_GOALS,
    MANAGE_MEMBERS,
    MANAGE_PROGRAM,
    READ_DISCUSSION,
    REQUEST_TO_JOIN,
    ROLE_ACTIONS,
    SIGN_DECISION,
    UPDATE_PROGRESS,
    VIEW,
    VISITOR_ACTIONS,
)


def memberships_of(user) -> dict[int, Membership]:
    """The person's place in every community they were ever part of, by community id (one query
    per request: a person belongs to a handful of communities, not to thousands)."""
    if user is None or not user.is_authenticated:
        return {}
    return access.cached(
        ("community-memberships", user.pk),
        lambda: {m.community_id: m for m in Membership.objects.filter(user=user)},
    )


def _any(*conditions: Q | None) -> Q:
    """OR of the conditions that can match something (an empty id list cannot)."""
    result = Q(pk__in=[])
    for condition in conditions:
        if condition is not None:
            result |= condition
    return result


def _in(lookup: str, ids) -> Q | None:
    """Q(<lookup>=ids) for a non-empty set of ids, else None."""
    return Q(**{lookup: sorted(ids)}) if ids else None


class CommunityAccess(access.Policy):
    model = Community
    actions = frozenset(ACTION_LABELS)
    read_action = VIEW
    default_refusal = _("You cannot do this in this community.")
    refusals = {
        EDIT_CHARTER: _("Only facilitators can change the community and its charter."),
        MANAGE_GOALS: _("Only facilitators can add, change and remove goals."),
        UPDATE_PROGRESS: _("Only members can update a goal's progress."),
        MANAGE_MEMBERS: _("Only facilitators can invite, accept and remove members and change their roles."),
        MANAGE_PROGRAM: _("Only facilitators can change the work program."),
        DRAFT_DECISION: _("Only facilitators and school leaders can draft, edit and delete a decision."),
        REQUEST_TO_JOIN: _("You cannot ask to join this community."),
        READ_DISCUSSION: _("You cannot read this discussion."),
    }

    def refusal(self, action: str, community: Community | None = None) -> str | None:
        if action == SIGN_DECISION and community is not None:
            if community.network_id:
                return str(_("Only the network's supervisor can sign this decision."))
            return str(_("Only the principal of the school can sign this decision."))
        return super().refusal(action)

    # --- One community ----------------------------------------------------------------------

    @staticmethod
    def leads(me: Standing, community: Community) -> bool:
        """Principal or deputy of its school, supervisor of its network, admin of their authority."""
        if community.network_id:
            return me.leads_network(community.network)
        return me.leads_school(community.school)

    @staticmethod
    def signs(me: Standing, community: Community) -> bool:
        """Only the principal of its school (not a deputy) or the supervisor of its network."""
        if community.network_id:
            return me.signs_for_network(community.network_id)
        return me.signs_for_school(community.school_id)

    @staticmethod
    def visits(me: Standing, community: Community) -> bool:
        """Public, or visible to its school and the person belongs to its school (or network)."""
        if community.visibility == Visibility.PUBLIC:
            return True
        if community.visibility != Visibility.SCHOOL:
            return False
        if community.network_id:
            return me.in_network(community.network_id)
        return me.belongs_to(community.school_id)

    def grants(self, user, community: Community) -> frozenset[str]:
        if not user.is_authenticated:
            return frozenset()
        me = standing(user)
        mine = memberships_of(user).get(community.pk)
        actions: set[str] = set()
        if mine is not None and mine.status == Status.ACTIVE:
            actions |= ROLE_ACTIONS[mine.role]
        elif mine is not None and mine.status == Status.INVITED:
            actions |= {VIEW}  # enough to read the invitation and answer it
        if self.leads(me, community):
            actions |= LEADER_ACTIONS
        if self.signs(me, community):
            actions |= {SIGN_DECISION, VIEW}
        if (not actions or actions == {VIEW}) and self.visits(me, community):
            actions |= VISITOR_ACTIONS
            if mine is not None and mine.status in (Status.REQUESTED, Status.INVITED):
                actions.discard(REQUEST_TO_JOIN)
        if REQUEST_TO_JOIN in actions and me.only_private_roles:
            actions.discard(REQUEST_TO_JOIN)  # parents and students come as invited guests
        return frozenset(actions)

    # --- Which communities ------------------------------------------------------------------

    def _leader_q(self, me: Standing) -> Q:
        if me.superuser:
            return Q(pk__isnull=False)
        return _any(
            _in("school_id__in", me.led_schools),
            _in("network_id__in", me.supervises),
            _in("school__authority_id__in", me.admin_of),
            _in("network__authority_id__in", me.admin_of),
        )

    def _signer_q(self, me: Standing) -> Q:
        return _any(_in("school_id__in", me.principal_of), _in("network_id__in", me.supervises))

    def _visitor_q(self, me: Standing) -> Q:
        return Q(visibility=Visibility.PUBLIC) | (
            Q(visibility=Visibility.SCHOOL) & _any(_in("school_id__in", me.schools), _in("network_id__in", me.networks))
        )

    def _member_q(self, user, roles, statuses=(Status.ACTIVE,)) -> Q | None:
        ids = {m.community_id for m in memberships_of(user).values() if m.status in statuses and m.role in roles}
        return _in("pk__in", ids)

    def where(self, user, action: str) -> QuerySet[Community]:
        me = standing(user)
        if action == REQUEST_TO_JOIN:
            return self._joinable(user, me)
        roles = [role for role, actions in ROLE_ACTIONS.items() if action in actions]
        conditions = [self._member_q(user, roles)]
        if action == VIEW:
            invited = {m.community_id for m in memberships_of(user).values() if m.status == Status.INVITED}
            conditions.append(_in("pk__in", invited))
        if action in LEADER_ACTIONS:
            conditions.append(self._leader_q(me))
        if action in (SIGN_DECISION, VIEW):
            conditions.append(self._signer_q(me))
        if action in VISITOR_ACTIONS:
            conditions.append(self._visitor_q(me))
        return Community.objects.filter(_any(*conditions))

    def _joinable(self, user, me: Standing) -> QuerySet[Community]:
        """Where the person may ask to join: a community they visit, with no place in it that gives
        them more than reading (or a pending invitation or request), and not as a parent or student."""
        if me.only_private_roles:
            return Community.objects.none()
        placed = {
            m.community_id
            for m in memberships_of(user).values()
            if m.status in (Status.ACTIVE, Status.INVITED, Status.REQUESTED)
        }
        return (
            Community.objects.filter(self._visitor_q(me))
            .exclude(_any(_in("pk__in", placed)))
            .exclude(self._leader_q(me))
            .exclude(self._signer_q(me))
        )


community_access = access.register(CommunityAccess())


# --- Starting a community: not an action on one community but on a school or a network ------

START_REFUSALS = {
    "school": _("Only the staff of a school can create a community in it."),
    "network": _("Only the network's supervisor can create a network-wide community."),
}


def schools_for_new_community(user) -> QuerySet[School]:
    """Schools in which the person may start a community: they are on its staff (not a parent or a
    student there), or admin of its authority."""
    me = standing(user)
    if me.superuser:
        return School.objects.all()
    return School.objects.filter(_any(_in("pk__in", me.staff_of), _in("authority_id__in", me.admin_of)))


def networks_for_new_community(user) -> QuerySet[Network]:
    me = standing(user)
    if me.superuser:
        return Network.objects.all()
    return Network.objects.filter(me.led_networks_q())


def may_start_in_school(user, school: School) -> bool:
    return standing(user).is_staff_of(school)


def may_start_in_network(user, network: Network) -> bool:
    return standing(user).leads_network(network)


def allowed_roles_for(person) -> list[str]:
    """Parents and students join only as guests."""
    from .rules import ROLE_ORDER, Role

    if standing(person).only_private_roles:
        return [Role.GUEST]
    return list(ROLE_ORDER)
