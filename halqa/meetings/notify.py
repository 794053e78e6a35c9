"""What a meeting's people are told, through the one notification system (halqa/notifications).

An announced meeting reaches the community's members (a case session: the requester and the working
group); an invitation reaches the person invited; a change or a cancellation reaches everyone
taking part who has not said no; an action item reaches its owner. Nobody is told about a meeting
they may not see.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from halqa.communities.models import Membership
from halqa.communities.models import Role as CommunityRole
from halqa.communities.models import Status as CommunityStatus
from halqa.events.describe import _say as say
from halqa.events.models import Event, Verb
from halqa.notifications.kinds import DEFAULTS, IMMEDIATE_ONLY, NOTES
from halqa.notifications.models import Channel, Kind
from halqa.notifications.registry import Rule, register

from .access import VIEW, meeting_access
from .models import Meeting, Rsvp


def meeting_of(event: Event) -> Meeting | None:
    return Meeting.objects.select_related("case", "community").filter(pk=event.target_id).first()


def may_see(person, meeting: Meeting) -> bool:
    return VIEW in meeting_access.allowed(person, meeting)


def _after(event: Event) -> dict:
    return event.after if isinstance(event.after, dict) else {}


def announced_to(event: Event, meeting: Meeting) -> list:
    if not _after(event).get("announced"):
        return []
    if meeting.case_id:
        case = meeting.case
        people = [member.user for member in case.members.select_related("user")]
        return [case.requester, *people] if case.requester else people
    return [
        m.user
        for m in Membership.objects.filter(community_id=meeting.community_id, status=CommunityStatus.ACTIVE)
        .exclude(role=CommunityRole.GUEST)
        .select_related("user")
    ]


def person_in_after(key: str):
    def recipients(event: Event, meeting: Meeting) -> list:
        from halqa.accounts.models import User

        pk = _after(event).get(key)
        return list(User.objects.filter(pk=pk)) if pk else []

    return recipients


def coming(event: Event, meeting: Meeting) -> list:
    """Everyone in the meeting (or, for a change to the rest of a series, in any of the meetings
    changed) who has not said no, once each."""
    from .models import Participant

    pks = _after(event).get("meetings") or [meeting.pk]
    places = Participant.objects.filter(meeting_id__in=[int(pk) for pk in pks]).exclude(rsvp=Rsvp.NO)
    people = {}
    for place in places.select_related("user").order_by("user_id"):
        people.setdefault(place.user_id, place.user)
    return list(people.values())


def link(event: Event) -> str:
    return reverse("meetings:detail", args=[event.target_id])


def announced(event: Event, who: str) -> str:
    return say(_("%(who)s scheduled “%(meeting)s”"), {"who": who, "meeting": event.target_label})


def invited(event: Event, who: str) -> str:
    return say(_("%(who)s invited you to “%(meeting)s”"), {"who": who, "meeting": event.target_label})


def changed(event: Event, who: str) -> str:
    if event.verb == Verb.MEETING_CANCELLED:
        return say(_("%(who)s cancelled “%(meeting)s”"), {"who": who, "meeting": event.target_label})
    return say(_("%(who)s changed “%(meeting)s”"), {"who": who, "meeting": event.target_label})


def action_assigned(event: Event, who: str) -> str:
    return say(
        _("%(who)s gave you an action item from “%(meeting)s”: %(text)s"),
        {"who": who, "meeting": event.target_label, "text": _after(event).get("text", "")},
    )


def action_overdue(event: Event, who: str) -> str:
    return say(
        _("Your action item from “%(meeting)s” is overdue: %(text)s"),
        {"meeting": event.target_label, "text": _after(event).get("text", "")},
    )


def reminder_day(event: Event, who: str) -> str:
    return say(_("Reminder: “%(meeting)s” starts within a day"), {"meeting": event.target_label})


def reminder_hour(event: Event, who: str) -> str:
    return say(_("Reminder: “%(meeting)s” starts within the hour"), {"meeting": event.target_label})


DEFAULTS.update(
    {
        Kind.MEETING_INVITED: Channel.IMMEDIATELY,
        Kind.MEETING_CHANGED: Channel.IMMEDIATELY,
        Kind.MEETING_ACTION: Channel.IMMEDIATELY,
        Kind.MEETING_ACTION_OVERDUE: Channel.IMMEDIATELY,
        Kind.MEETING_REMINDER_DAY: Channel.IMMEDIATELY,
        Kind.MEETING_REMINDER_HOUR: Channel.IMMEDIATELY,
    }
)
# A reminder in tomorrow morning's digest would come after the meeting: on or off, never digested.
IMMEDIATE_ONLY.update({Kind.MEETING_REMINDER_DAY, Kind.MEETING_REMINDER_HOUR})
NOTES.update(
    {
        kind: gettext_lazy("Reminders are never put in the daily digest: they come at once, or not at all.")
        for kind in (Kind.MEETING_REMINDER_DAY, Kind.MEETING_REMINDER_HOUR)
    }
)
for verbs, kind, recipients, sentence, heavy in (
    (Verb.MEETING_CREATED, Kind.MEETING_INVITED, announced_to, announced, True),
    (Verb.MEETING_INVITED, Kind.MEETING_INVITED, person_in_after("person"), invited, False),
    ((Verb.MEETING_UPDATED, Verb.MEETING_CANCELLED), Kind.MEETING_CHANGED, coming, changed, True),
    (Verb.MEETING_ACTION_ADDED, Kind.MEETING_ACTION, person_in_after("owner"), action_assigned, False),
    (Verb.MEETING_ACTION_OVERDUE, Kind.MEETING_ACTION_OVERDUE, person_in_after("owner"), action_overdue, False),
    (Verb.MEETING_REMINDER_DAY, Kind.MEETING_REMINDER_DAY, person_in_after("person"), reminder_day, False),
    (Verb.MEETING_REMINDER_HOUR, Kind.MEETING_REMINDER_HOUR, person_in_after("person"), reminder_hour, False),
):
    register(
        verbs,
        Rule(
            kind=kind,
            subject=meeting_of,
            recipients=recipients,
            may_see=may_see,
            sentence=sentence,
            link=link,
            heavy=heavy,
        ),
    )
