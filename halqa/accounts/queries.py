"""Who can see whom. Every list, profile page, search and API call about people starts here.

Professionals (teachers, experts, coordinators, principals, supervisors, district admins) are
visible to every signed-in person: that is what the directory is for. Parents and students are
private: they see themselves, and only the leaders of a school they belong to (principal, deputy)
and the admins of that school's authority see them. Anyone outside the visible set gets a 404.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from halqa.orgs.access import standing
from halqa.orgs.models import Membership

from .choices import PRIVATE_ROLES, PROFESSIONAL_ROLES
from .models import ApiToken, RoleRow, User


def people_visible_to(viewer) -> QuerySet[User]:
    if not viewer.is_authenticated:
        return User.objects.none()
    people = User.objects.filter(is_active=True)
    if viewer.is_superuser:
        return people
    me = standing(viewer)
    professional = Q(roles__code__in=PROFESSIONAL_ROLES)
    in_a_school_i_lead = Membership.objects.filter(me.led_schools_q("school__"), user=OuterRef("pk"))
    visible_ids = User.objects.filter(professional | Q(pk=viewer.pk) | Exists(in_a_school_i_lead)).values("pk")
    return people.filter(pk__in=visible_ids)


def memberships_visible_to(viewer) -> QuerySet[Membership]:
    """School memberships the viewer may see: positions as staff are public; being a parent or a
    student somewhere is seen only by the person, that school's leaders and its authority's admins."""
    memberships = Membership.objects.select_related("school")
    if viewer.is_superuser:
        return memberships
    return memberships.filter(
        ~Q(position__in=PRIVATE_ROLES) | Q(user=viewer) | standing(viewer).led_schools_q("school__")
    )


def with_profile_data(people: QuerySet[User], viewer=None) -> QuerySet[User]:
    """Everything a person card shows, in a fixed number of queries however many people.

    With a `viewer`, private facts (being a parent or a student) are left out unless the viewer may
    know them; without one (the person's own profile), everything is there.
    """
    if viewer is None or viewer.is_superuser:
        roles = RoleRow.objects.all()
        memberships = Membership.objects.select_related("school")
    else:
        roles = RoleRow.objects.exclude(code__in=PRIVATE_ROLES)
        memberships = memberships_visible_to(viewer)
    return people.prefetch_related(
        Prefetch("roles", queryset=roles),
        "subjects",
        "grades",
        "expertise",
        Prefetch("memberships", queryset=memberships),
    )


def search_people(
    people: QuerySet[User],
    *,
    viewer,
    text: str = "",
    subject: str = "",
    expertise: str = "",
    role: str = "",
    school: int | None = None,
) -> QuerySet[User]:
    """Filter the people `viewer` may see, on what the viewer may know of them.

    `role` and `school` match only the roles and school memberships the viewer may see
    (`memberships_visible_to`): being a parent or a student somewhere is private, so `?role=parent`
    finds a teacher who is also a parent only for the leaders of that parent's school, and
    `?school=` never reveals that someone is a parent or a student there.
    """
    if text:
        people = people.filter(Q(display_name__icontains=text) | Q(bio__icontains=text))
    if subject:
        people = people.filter(subjects__code=subject)
    if expertise:
        people = people.filter(expertise__name__icontains=expertise)
    if role:
        if role in PRIVATE_ROLES and not viewer.is_superuser:
            holders = memberships_visible_to(viewer).filter(position=role).values("user_id")
            people = people.filter(Q(pk__in=holders) | Q(pk=viewer.pk, roles__code=role))
        else:
            people = people.filter(roles__code=role)
    if school:
        people = people.filter(pk__in=memberships_visible_to(viewer).filter(school_id=school).values("user_id"))
    if subject or expertise or role:
        people = people.distinct()
    return people


def api_tokens_visible_to(viewer) -> QuerySet[ApiToken]:
    """One's own API tokens that were not revoked (expired ones too, until revoked); nobody else's."""
    if not viewer.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=viewer, revoked_at__isnull=True)
