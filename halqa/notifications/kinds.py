"""The first kinds of notification, from the communities area: what a member is told, and whom.

A new area (cases, meetings) writes its rules the same way, next to its verbs: which verb, which
kind, who may want to know, and the sentence they read (see docs/architecture.md, "Notifications").
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from halqa.communities import rules as community_rules
from halqa.communities.access import community_access
from halqa.communities.models import Community, Membership, Role, Status
from halqa.events.describe import _say as say  # the trail's own sentence maker: escaped, names in <bdi>
from halqa.events.models import Event, Verb

from .models import Channel, Kind
from .registry import Rule, register

# The channel of a person who never chose one.
DEFAULTS: dict[str, str] = {
    Kind.DECISION_SIGNED: Channel.IMMEDIATELY,
    Kind.INVITED: Channel.IMMEDIATELY,
    Kind.REQUEST_ANSWERED: Channel.IMMEDIATELY,
    Kind.ROLE_CHANGED: Channel.DIGEST,
}

# Kinds that are on (immediately) or off, never in the daily digest (a meeting's reminders).
IMMEDIATE_ONLY: set[str] = set()

# Shown under the kind on the settings page when the area sends an email of its own.
NOTES: dict[str, object] = {
    Kind.INVITED: gettext_lazy("The invitation itself always comes by email, with the link to answer it."),
}


def community_of(event: Event) -> Community | None:
    if not event.community_id:
        return None
    return Community.objects.select_related("school", "network").filter(pk=event.community_id).first()


def community_name(event: Event) -> str:
    community = getattr(event, "community", None)
    return community.name if community is not None else _("a community")


def may(action: str):
    def check(person, community: Community) -> bool:
        return action in community_access.allowed(person, community)

    return check


def active_members(event: Event, community: Community):
    return [
        membership.user
        for membership in Membership.objects.filter(community=community, status=Status.ACTIVE).select_related("user")
    ]


def member_concerned(event: Event, community: Community):
    """The person whose membership the event is about."""
    membership = Membership.objects.select_related("user").filter(pk=event.target_id, community=community).first()
    return [membership.user] if membership is not None else []


def _role(event: Event) -> str:
    role = (event.after or {}).get("role") if isinstance(event.after, dict) else None
    return str(Role(role).label) if role in Role.values else ""


def community_link(event: Event) -> str:
    return reverse("communities:detail", args=[event.community_id])


def decision_link(event: Event) -> str:
    return reverse("communities:decision", args=[event.community_id, event.target_id])


def decision_signed(event: Event, who: str) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    return say(
        _("%(who)s signed decision %(code)s of “%(community)s”"),
        {"who": who, "code": after.get("verification_code") or event.target_label, "community": community_name(event)},
    )


def invited(event: Event, who: str) -> str:
    return say(
        _("%(who)s invited you to “%(community)s” as %(role)s"),
        {"who": who, "community": community_name(event), "role": _role(event)},
    )


def request_answered(event: Event, who: str) -> str:
    if event.verb == Verb.REQUEST_ACCEPTED:
        return say(
            _("Your request to join “%(community)s” was accepted: you take part as %(role)s"),
            {"community": community_name(event), "role": _role(event)},
        )
    return say(_("Your request to join “%(community)s” was declined"), {"community": community_name(event)})


def role_changed(event: Event, who: str) -> str:
    return say(
        _("%(who)s changed your role in “%(community)s” to %(role)s"),
        {"who": who, "community": community_name(event), "role": _role(event)},
    )


register(
    Verb.DECISION_SIGNED,
    Rule(
        kind=Kind.DECISION_SIGNED,
        subject=community_of,
        recipients=active_members,
        may_see=may(community_rules.VIEW_DECISIONS),
        sentence=decision_signed,
        link=decision_link,
        heavy=True,
    ),
)
register(
    Verb.MEMBER_INVITED,
    Rule(
        kind=Kind.INVITED,
        subject=community_of,
        recipients=member_concerned,
        may_see=may(community_rules.VIEW),
        sentence=invited,
        link=community_link,
        emailed_by_area=True,
    ),
)
register(
    (Verb.REQUEST_ACCEPTED, Verb.REQUEST_DECLINED),
    Rule(
        kind=Kind.REQUEST_ANSWERED,
        subject=community_of,
        recipients=member_concerned,
        may_see=may(community_rules.VIEW),
        sentence=request_answered,
        link=community_link,
    ),
)
register(
    Verb.ROLE_CHANGED,
    Rule(
        kind=Kind.ROLE_CHANGED,
        subject=community_of,
        recipients=member_concerned,
        may_see=may(community_rules.VIEW),
        sentence=role_changed,
        link=community_link,
    ),
)
