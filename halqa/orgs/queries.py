"""Read helpers for schools and networks: fixed query counts however much data there is."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from halqa.accounts.choices import PRIVATE_ROLES
from halqa.accounts.queries import memberships_visible_to, people_visible_to

from .access import INVITE, invitation_access, school_access
from .models import Invitation, Membership, Network, School

STAFF_PREVIEW = 12


def schools_visible_to(user) -> QuerySet[School]:
    if not user.is_authenticated:
        return School.objects.none()
    # Meta.ordering does not apply to aggregating queries; pages need a stable order.
    return (
        School.objects.select_related("authority")
        .annotate(staff_count=Count("memberships", filter=~Q(memberships__position__in=PRIVATE_ROLES), distinct=True))
        .order_by(*School._meta.ordering)
    )


def schools_led_by(user) -> QuerySet[School]:
    """Schools the person may change and invite people to (`access.school_access`)."""
    return school_access.rows(user, INVITE)


def invitations_managed_by(user) -> QuerySet[Invitation]:
    """Invitations the person may see and act on: those of the schools they lead. Every invitation
    id (page and API, whatever the action) is looked up here, so any other id answers 404 and
    nobody learns which invitations exist in a school they do not lead."""
    return invitation_access.visible(user).select_related("school")


def networks_visible_to(user) -> QuerySet[Network]:
    if not user.is_authenticated:
        return Network.objects.none()
    return (
        Network.objects.select_related("authority", "supervisor")
        .annotate(school_count=Count("schools", distinct=True))
        .order_by(*Network._meta.ordering)
    )


def school_members(school: School, viewer) -> QuerySet[Membership]:
    """The school's memberships whose person the viewer may see."""
    visible = people_visible_to(viewer)
    return (
        memberships_visible_to(viewer)
        .filter(school=school, user__in=visible)
        .select_related("user")
        .order_by("position", "user__display_name")
    )


def home_summary(user) -> dict:
    memberships = list(Membership.objects.filter(user=user).select_related("school__authority"))
    school_ids = [m.school_id for m in memberships]
    mine = Network.objects.filter(Q(schools__in=school_ids) | Q(supervisor=user)).values("pk")
    networks = list(
        Network.objects.filter(pk__in=mine)
        .select_related("supervisor")
        .annotate(school_count=Count("schools", distinct=True))
        .order_by(*Network._meta.ordering)
    )
    colleagues = (
        people_visible_to(user)
        .filter(memberships__school_id__in=school_ids)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("-date_joined")[:6]
    )
    from halqa.communities.queries import my_communities, my_invitations

    return {
        "communities": list(my_communities(user)),
        "community_invitations": list(my_invitations(user)),
        "memberships": memberships,
        "networks": networks,
        "new_colleagues": list(colleagues),
        "administered": list(user.administered_authorities.all()),
    }


def with_school_detail(schools: QuerySet[School]) -> QuerySet[School]:
    return schools.prefetch_related(Prefetch("networks", queryset=Network.objects.only("id", "name")))
