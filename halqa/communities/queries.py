"""Which communities a person may know exist, and the page data, in a fixed number of queries."""

from __future__ import annotations

from functools import cached_property

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from halqa.accounts.queries import people_visible_to
from halqa.core.access import Allowed
from halqa.events.queries import community_activity

from . import rules
from .access import community_access
from .models import (
    Activity,
    ActivityStatus,
    CharterRevision,
    Community,
    Decision,
    DecisionStatus,
    Goal,
    Membership,
    Role,
    Status,
)


def communities_where(user, action: str) -> QuerySet[Community]:
    """Communities in which `user` may take `action` (`access.community_access.rows`)."""
    return community_access.rows(user, action)


def communities_visible_to(user) -> QuerySet[Community]:
    """Every community the person may know exists, with its home loaded (the policy reads it)."""
    return community_access.visible(user).select_related("school", "network")


EVERYTHING = Q(pk__isnull=False)
NOTHING = Q(pk__in=[])


def _visible_members(user, *, listed: Q, managed: Q) -> QuerySet[Membership]:
    """THE rule of who is listed to `user` (docs/permissions.md, "Who is listed"):

    * only active members of communities where the person may see the member list (`listed`);
    * a guest (a parent or a student, mostly) only to themselves and to those who manage the
      community's members (`managed`);
    * anyone else only if the person may see them in the people directory (`people_visible_to`),
      so a parent who was somehow made a member stays hidden from those who may not know them.
    """
    members = Membership.objects.filter(listed, status=Status.ACTIVE)
    if user.is_superuser:
        return members
    seen = people_visible_to(user).values("pk")
    return members.filter(Q(user=user) | managed | (~Q(role=Role.GUEST) & Q(user__in=seen)))


def members_visible_to(user) -> QuerySet[Membership]:
    """Every community membership `user` may see listed, across communities: behind the member
    count of the community list and the activity feed. One community's list, detail, count and
    mentions come from `community_members`, the same rule with the person's permissions there
    already known (a test holds the two equal)."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return _visible_members(
        user,
        listed=Q(community__in=communities_where(user, rules.VIEW_MEMBERS).values("pk")),
        managed=Q(community__in=communities_where(user, rules.MANAGE_MEMBERS).values("pk")),
    )


def community_members(user, community: Community, allowed: frozenset[str] | None = None) -> QuerySet[Membership]:
    """The member list of one community as `user` may see it, facilitators first: the list, one
    member's detail, the count and the people one may mention, on pages and in the API.

    `allowed` is `community_access.allowed(user, community)` when the caller has it already."""
    if not user.is_authenticated:
        return Membership.objects.none()
    if allowed is None:
        allowed = community_access.allowed(user, community)
    members = _visible_members(
        user,
        listed=Q(community=community) if rules.VIEW_MEMBERS in allowed else NOTHING,
        managed=EVERYTHING if rules.MANAGE_MEMBERS in allowed else NOTHING,
    )
    return (
        members.select_related("user")
        .prefetch_related("user__subjects", "user__expertise", "user__roles")
        .order_by(ROLE_RANK, "user__display_name", "id")
    )


def with_counts(communities: QuerySet[Community], user) -> QuerySet[Community]:
    """`member_count`: how many members `user` may see listed (never people the list hides)."""
    visible = members_visible_to(user).values("pk")  # one subquery for the page, not one per row
    return communities.annotate(
        member_count=Count("memberships", filter=Q(memberships__pk__in=visible), distinct=True)
    ).order_by("name", "id")


def my_communities(user) -> QuerySet[Community]:
    if not user.is_authenticated:
        return Community.objects.none()
    mine = Membership.objects.filter(user=user, status=Status.ACTIVE).values("community_id")
    return with_counts(Community.objects.filter(pk__in=mine).select_related("school", "network"), user)


def my_invitations(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, status=Status.INVITED).select_related("community", "invited_by")


ROLE_RANK = Case(
    *(
        When(role=role, then=Value(rank))
        for rank, role in enumerate(["facilitator", "expert", "member", "observer", "guest"])
    ),
    default=Value(9),
)


def pending_members(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, status__in=[Status.INVITED, Status.REQUESTED])
        .select_related("user", "invited_by")
        .order_by("status", "created_at")
    )


def manageable_members(user, community: Community, allowed: frozenset[str]) -> QuerySet[Membership]:
    """What a member's id may name for `user`: the listed members, and for those who manage members
    also the invitations and requests to join. Anything else answers 404, as if it did not exist."""
    listed = community_members(user, community, allowed).order_by().values("pk")
    where = Q(pk__in=listed)
    if rules.MANAGE_MEMBERS in allowed:
        where |= Q(pk__in=pending_members(community).values("pk"))
    return Membership.objects.filter(where).select_related("user", "invited_by")


def responsible_candidates(community: Community):
    """Who may be named responsible for an activity: an active member who is not a guest, since
    everyone who reads the work program sees the name (guests are not listed to them)."""
    from halqa.accounts.models import User

    members = Membership.objects.filter(community=community, status=Status.ACTIVE).exclude(role=Role.GUEST)
    return User.objects.filter(pk__in=members.values("user_id"))


def current_charter(community: Community) -> CharterRevision | None:
    return community.charter_revisions.select_related("edited_by").first()


def goals(community: Community) -> QuerySet[Goal]:
    return community.goals.all()


def program(community: Community) -> QuerySet[Activity]:
    return community.activities.select_related("responsible")


def upcoming(community: Community, today, limit: int = 3) -> list[Activity]:
    return list(
        program(community)
        .filter(Q(ends_on__gte=today) | Q(ends_on__isnull=True, starts_on__gte=today))
        .exclude(status__in=[ActivityStatus.DONE, ActivityStatus.CANCELLED])[:limit]
    )


class Overview:
    """What one community shows `user`, for the community page and the API's detail alike.

    Each part is loaded when first asked for, and only if the person may see it (otherwise it is
    empty); each costs one or two queries however much history the community has.
    """

    def __init__(self, user, community: Community, can: Allowed | None = None, membership: Membership | None = None):
        self.user = user
        self.community = community
        self.can = community_access.allowed(user, community) if can is None else can
        self.membership = membership

    @cached_property
    def charter(self) -> CharterRevision | None:
        return current_charter(self.community)

    @cached_property
    def members(self) -> QuerySet[Membership]:
        return community_members(self.user, self.community, self.can)

    PREVIEW = 24

    @cached_property
    def member_preview(self) -> list[Membership]:
        """The first members, for the page's side column: names and roles, no person cards."""
        return list(self.members.prefetch_related(None)[: self.PREVIEW]) if self.can.view_members else []

    @cached_property
    def member_count(self) -> int:
        return self.members.count() if self.can.view_members else 0

    @cached_property
    def pending_count(self) -> int:
        if not self.can.manage_members:
            return 0
        return self.community.memberships.filter(status__in=[Status.INVITED, Status.REQUESTED]).count()

    @cached_property
    def goals(self) -> list[Goal]:
        return list(goals(self.community)) if self.can.view_goals else []

    @cached_property
    def program(self) -> list[Activity]:
        return list(program(self.community)) if self.can.view_program else []

    @cached_property
    def upcoming(self) -> list[Activity]:
        return upcoming(self.community, timezone.localdate()) if self.can.view_program else []

    @cached_property
    def decisions(self) -> list[Decision]:
        return list(decisions(self.community)) if self.can.view_decisions else []

    @cached_property
    def decision_in_force(self) -> Decision | None:
        if not self.can.view_decisions:
            return None
        return self.community.decisions.filter(status=DecisionStatus.SIGNED).first()

    @cached_property
    def recent(self) -> list[dict]:
        return community_activity(self.community, self.user, self.can)


def decisions(community: Community) -> QuerySet[Decision]:
    return community.decisions.select_related("superseded_by")


def community_list(user, *, text: str = "", format: str = "") -> QuerySet[Community]:
    communities = with_counts(communities_visible_to(user), user)
    if text:
        communities = communities.filter(Q(name__icontains=text) | Q(topic__icontains=text))
    if format:
        communities = communities.filter(format=format)
    return communities.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(user=user), to_attr="my_membership")
    )
