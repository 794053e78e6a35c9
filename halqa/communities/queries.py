"""Which communities a person may know exist, and the page data, in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When

from halqa.accounts.queries import people_visible_to
from halqa.orgs.models import Membership as SchoolMembership
from halqa.orgs.models import Position

from . import rules
from .models import Activity, ActivityStatus, CharterRevision, Community, Goal, Membership, Role, Status, Visibility


def _leader_q(user) -> Q:
    """Communities whose home the person leads (the same test as `rules.is_leader`)."""
    led_schools = SchoolMembership.objects.filter(user=user, position__in=[Position.PRINCIPAL, Position.DEPUTY]).values(
        "school_id"
    )
    return (
        Q(school__in=led_schools)
        | Q(school__authority__admins=user)
        | Q(network__supervisor=user)
        | Q(network__authority__admins=user)
    )


def _signer_q(user) -> Q:
    """The same test as `rules.can_sign`."""
    principal_of = SchoolMembership.objects.filter(user=user, position=Position.PRINCIPAL).values("school_id")
    return Q(school__in=principal_of) | Q(network__supervisor=user)


def _visitor_q(user) -> Q:
    """Public communities, and school-visible ones of the person's schools (`rules.belongs_to_home`)."""
    my_schools = SchoolMembership.objects.filter(user=user).values("school_id")
    return (
        Q(visibility=Visibility.PUBLIC)
        | Q(visibility=Visibility.SCHOOL, school__in=my_schools)
        | Q(visibility=Visibility.SCHOOL, network__schools__in=my_schools)
    )


def communities_where(user, action: str) -> QuerySet[Community]:
    """Communities in which `user` may take the read or manage `action`, as one query.

    The same answer as `action in rules.permissions_for(user, community)`, built from the same
    role × action table (a test compares the two for every person and community of the demo world).
    It holds for actions granted by the table alone; joining is decided in Python (`rules`).
    """
    if action == rules.REQUEST_TO_JOIN:
        raise ValueError("asking to join depends on one's own membership: use rules.permissions_for")
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser and action in rules.LEADER_ACTIONS:
        return Community.objects.all()
    roles = [role for role, actions in rules.ROLE_ACTIONS.items() if action in actions]
    statuses = Membership.objects.filter(user=user, status=Status.ACTIVE, role__in=roles)
    where = Q(pk__in=statuses.values("community_id"))
    if action == rules.VIEW:
        invited = Membership.objects.filter(user=user, status=Status.INVITED)
        where |= Q(pk__in=invited.values("community_id"))
    if action in rules.LEADER_ACTIONS:
        where |= _leader_q(user)
    if action in (rules.SIGN_DECISION, rules.VIEW):
        where |= _signer_q(user)
    if action in rules.VISITOR_ACTIONS:
        where |= _visitor_q(user)
    return Community.objects.filter(pk__in=Community.objects.filter(where).values("pk"))


def communities_visible_to(user) -> QuerySet[Community]:
    """The same answer as `rules.permissions_for(...) != ∅`, as one query."""
    return communities_where(user, rules.VIEW).select_related("school", "network")


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

    `allowed` is `rules.permissions_for(user, community)` when the caller has it already."""
    if not user.is_authenticated:
        return Membership.objects.none()
    if allowed is None:
        allowed = rules.permissions_for(user, community)
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


def community_list(user, *, text: str = "", format: str = "") -> QuerySet[Community]:
    communities = with_counts(communities_visible_to(user), user)
    if text:
        communities = communities.filter(Q(name__icontains=text) | Q(topic__icontains=text))
    if format:
        communities = communities.filter(format=format)
    return communities.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(user=user), to_attr="my_membership")
    )
