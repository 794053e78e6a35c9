"""Which communities a person may know exist, and the page data, in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When

from halqa.orgs.models import Membership as SchoolMembership
from halqa.orgs.models import Position

from .models import Activity, ActivityStatus, CharterRevision, Community, Goal, Membership, Status, Visibility


def communities_visible_to(user) -> QuerySet[Community]:
    """The same answer as `rules.permissions_for(...) != ∅`, as one query."""
    if not user.is_authenticated:
        return Community.objects.none()
    communities = Community.objects.select_related("school", "network")
    if user.is_superuser:
        return communities
    my_schools = SchoolMembership.objects.filter(user=user).values("school_id")
    led_schools = SchoolMembership.objects.filter(user=user, position__in=[Position.PRINCIPAL, Position.DEPUTY]).values(
        "school_id"
    )
    mine = Membership.objects.filter(user=user, status__in=[Status.ACTIVE, Status.INVITED]).values("community_id")
    visible = (
        Q(pk__in=mine)
        | Q(visibility=Visibility.PUBLIC)
        | Q(visibility=Visibility.SCHOOL, school__in=my_schools)
        | Q(visibility=Visibility.SCHOOL, network__schools__in=my_schools)
        | Q(school__in=led_schools)
        | Q(network__supervisor=user)
        | Q(school__authority__admins=user)
        | Q(network__authority__admins=user)
    )
    ids = Community.objects.filter(visible).values("pk")
    return communities.filter(pk__in=ids)


def with_counts(communities: QuerySet[Community]) -> QuerySet[Community]:
    return communities.annotate(
        member_count=Count("memberships", filter=Q(memberships__status=Status.ACTIVE), distinct=True)
    ).order_by("name", "id")


def my_communities(user) -> QuerySet[Community]:
    if not user.is_authenticated:
        return Community.objects.none()
    mine = Membership.objects.filter(user=user, status=Status.ACTIVE).values("community_id")
    return with_counts(Community.objects.filter(pk__in=mine).select_related("school", "network"))


def my_invitations(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, status=Status.INVITED).select_related("community", "invited_by")


ROLE_RANK = Case(
    *(
        When(role=role, then=Value(rank))
        for rank, role in enumerate(["facilitator", "expert", "member", "observer", "guest"])
    ),
    default=Value(9),
)


def active_members(community: Community, *, with_guests: bool = True) -> QuerySet[Membership]:
    """Facilitators first. Guests (parents, students) are listed only for those who manage members."""
    members = Membership.objects.filter(community=community, status=Status.ACTIVE)
    if not with_guests:
        members = members.exclude(role="guest")
    return (
        members.select_related("user")
        .prefetch_related("user__subjects", "user__expertise", "user__roles")
        .order_by(ROLE_RANK, "user__display_name")
    )


def pending_members(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community, status__in=[Status.INVITED, Status.REQUESTED])
        .select_related("user", "invited_by")
        .order_by("status", "created_at")
    )


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
    communities = with_counts(communities_visible_to(user))
    if text:
        communities = communities.filter(Q(name__icontains=text) | Q(topic__icontains=text))
    if format:
        communities = communities.filter(format=format)
    return communities.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(user=user), to_attr="my_membership")
    )


def recent_activity(community: Community, limit: int = 8, *, with_guests: bool = True) -> list[dict]:
    """What happened lately: charter edits, progress updates, people joining, decisions signed.

    A few small queries, each bounded by `limit`, merged in Python; cost does not grow with history.
    """
    from .models import Decision, DecisionStatus, GoalUpdate

    items = [
        {"at": r.edited_at, "kind": "charter", "who": r.edited_by, "what": r.note}
        for r in community.charter_revisions.select_related("edited_by")[:limit]
    ]
    items += [
        {"at": u.at, "kind": "progress", "who": u.by, "what": u.goal.title, "value": u.progress}
        for u in GoalUpdate.objects.filter(goal__community=community).select_related("by", "goal")[:limit]
    ]
    joined = community.memberships.filter(status=Status.ACTIVE, joined_at__isnull=False)
    if not with_guests:
        joined = joined.exclude(role="guest")
    items += [
        {"at": m.joined_at, "kind": "joined", "who": m.user, "what": m.get_role_display()}
        for m in joined.select_related("user").order_by("-joined_at")[:limit]
    ]
    items += [
        {"at": d.signed_at, "kind": "decision", "who": d.signed_by, "what": d.verification_code}
        for d in Decision.objects.filter(community=community)
        .exclude(status=DecisionStatus.DRAFT)
        .select_related("signed_by")
        .order_by("-signed_at")[:limit]
    ]
    return sorted(items, key=lambda item: item["at"], reverse=True)[:limit]
