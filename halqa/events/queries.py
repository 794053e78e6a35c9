"""Who may read which part of the event trail, and the filtered trail itself."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Event, Verb


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


# --- A community's recent activity --------------------------------------------------------------


def _feed_by_action() -> dict[str, tuple[str, ...]]:
    """Which events of a community a reader may see, by the action they need there. Membership
    events are further held to the member list (`community_activity_events`)."""
    from halqa.communities import rules

    return {
        rules.VIEW_MEMBERS: (Verb.COMMUNITY_CREATED, Verb.COMMUNITY_UPDATED, Verb.CHARTER_EDITED),
        rules.VIEW_GOALS: (Verb.GOAL_ADDED, Verb.GOAL_UPDATED, Verb.GOAL_DELETED, Verb.PROGRESS_RECORDED),
        rules.VIEW_PROGRAM: (Verb.ACTIVITY_ADDED, Verb.ACTIVITY_UPDATED, Verb.ACTIVITY_DELETED),
        rules.VIEW_DECISIONS: (Verb.DECISION_SIGNED,),
        rules.DRAFT_DECISION: (Verb.DECISION_DRAFTED, Verb.DECISION_UPDATED, Verb.DECISION_DELETED),
    }


# About a membership the reader may see listed: someone joined, their role or activity changed.
_ABOUT_A_LISTED_MEMBER = (Verb.INVITATION_ACCEPTED, Verb.REQUEST_ACCEPTED, Verb.ROLE_CHANGED, Verb.MEMBER_ACTIVITY_SET)
# About a membership that is not (or not yet) on the list: for those who manage the members, and
# for the person concerned.
_ABOUT_AN_UNLISTED_MEMBER = (
    Verb.MEMBER_INVITED,
    Verb.JOIN_REQUESTED,
    Verb.INVITATION_DECLINED,
    Verb.REQUEST_DECLINED,
    Verb.MEMBER_REMOVED,
    Verb.MEMBER_LEFT,
)


def community_activity_events(community, viewer, allowed: frozenset[str], limit: int = 8) -> QuerySet[Event]:
    """The newest `limit` events of `community` that `viewer` may see, as one query.

    Nothing without the right to see the members. Each kind of event needs the action that shows
    its subject (goals, program, the signed decision; drafts only to those who may draft). An event
    about a membership shows only if `viewer` may see that member listed, by THE rule of who is
    listed (`communities.queries.community_members`): a guest's joining stays hidden from a
    school-mate visitor. Invitations, requests, departures and removals, whose person is off the
    list, show to those who manage the members and to the person concerned. Events by an active
    member the list hides from `viewer` do not show either, so no name appears that the list hides.
    """
    from halqa.communities import rules
    from halqa.communities.models import Membership, Status
    from halqa.communities.queries import community_members

    if rules.VIEW_MEMBERS not in allowed or not viewer.is_authenticated:
        return Event.objects.none()
    listed = community_members(viewer, community, allowed).order_by().values("pk")
    own = Membership.objects.filter(community=community, user=viewer).values("pk")
    verbs = [verb for action, kinds in _feed_by_action().items() if action in allowed for verb in kinds]
    shown = Q(verb__in=verbs) | Q(verb__in=_ABOUT_A_LISTED_MEMBER, target_id__in=listed)
    if rules.MANAGE_MEMBERS in allowed:
        shown |= Q(verb__in=_ABOUT_AN_UNLISTED_MEMBER)
    else:
        shown |= Q(verb__in=_ABOUT_AN_UNLISTED_MEMBER, target_id__in=own)
    hidden_people = (
        Membership.objects.filter(community=community, status=Status.ACTIVE).exclude(pk__in=listed).values("user_id")
    )
    return (
        Event.objects.filter(shown, community_id=community.pk)
        .exclude(actor_id__in=hidden_people)
        .select_related("actor")
        .only("at", "verb", "actor_label", "actor__display_name", "actor__email", "target_label", "after")
        .order_by("-at", "-id")[:limit]
    )


def community_activity(community, viewer, allowed: frozenset[str], limit: int = 8) -> list[dict]:
    """What happened lately in `community`, as `viewer` may see it, newest first, in one query:
    [{"at", "kind" (the event's verb), "who" (a name), "text" (a sentence in the active language)}]."""
    from .describe import activity_sentence

    items = []
    for event in community_activity_events(community, viewer, allowed, limit):
        who, text = activity_sentence(event)
        items.append({"at": event.at, "kind": event.verb, "who": who, "text": text})
    return items
