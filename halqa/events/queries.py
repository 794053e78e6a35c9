"""Who may read which part of the event trail, and the filtered trail itself."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Event


def may_audit(user) -> bool:
    """Site staff read the whole trail; a district admin reads their authority's part of it."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or user.administered_authorities.exists()


def events_visible_to(user) -> QuerySet[Event]:
    """The events `user` may read: all for site staff; for a district admin, those about the schools
    of their authorities and the communities in those schools or in their authorities' networks.
    Security events of sign-in belong to no school: only site staff read them."""
    if not user.is_authenticated:
        return Event.objects.none()
    if user.is_staff or user.is_superuser:
        return Event.objects.all()
    from halqa.communities.models import Community
    from halqa.orgs.models import School

    authorities = user.administered_authorities.values("pk")
    schools = School.objects.filter(authority__in=authorities).values("pk")
    communities = Community.objects.filter(
        Q(school__authority__in=authorities) | Q(network__authority__in=authorities)
    ).values("pk")
    return Event.objects.filter(Q(school_id__in=schools) | Q(community_id__in=communities))


def schools_for_audit(user):
    from halqa.orgs.models import School

    schools = School.objects.only("id", "name").order_by("name", "id")
    if user.is_staff or user.is_superuser:
        return schools
    return schools.filter(authority__admins=user)


def communities_for_audit(user):
    from halqa.communities.models import Community

    communities = Community.objects.only("id", "name").order_by("name", "id")
    if user.is_staff or user.is_superuser:
        return communities
    return communities.filter(Q(school__authority__admins=user) | Q(network__authority__admins=user)).distinct()


def filtered(events: QuerySet[Event], data: dict) -> QuerySet[Event]:
    """`events` narrowed by a valid AuditFilterForm's cleaned_data."""
    if data.get("verb"):
        events = events.filter(verb=data["verb"])
    if data.get("actor"):
        text = data["actor"]
        events = events.filter(Q(actor_label__icontains=text) | Q(actor__email__iexact=text))
    if data.get("community"):
        events = events.filter(community_id=data["community"].pk)
    if data.get("school"):
        events = events.filter(school_id=data["school"].pk)
    if data.get("since"):
        events = events.filter(at__date__gte=data["since"])
    if data.get("until"):
        events = events.filter(at__date__lte=data["until"])
    return events
