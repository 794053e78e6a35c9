"""What a case's people are told, through the one notification system (halqa/notifications).

Moves reach the requester and the working group; a clarifying question reaches the requester and
their answer the group and those who asked; being added to a group reaches that person; feedback
reaches the group. Nobody is told about a case they may not open, and an anonymous requester is
never named (their own events carry no actor). A new draft version reaches the group, and the
requester when it answers their "I cannot use it"; session notes reach the requester and the group.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from halqa.events.describe import _say as say
from halqa.events.models import Event, Verb
from halqa.notifications.kinds import DEFAULTS
from halqa.notifications.models import Channel, Kind
from halqa.notifications.registry import Rule, register

from .access import VIEW, case_access
from .models import Case, Stage


def case_of(event: Event) -> Case | None:
    return Case.objects.select_related("school", "requester").filter(pk=event.target_id).first()


def may_see(person, case: Case) -> bool:
    return VIEW in case_access.allowed(person, case)


def group(case: Case) -> list:
    return [member.user for member in case.members.select_related("user")]


def requester_and_group(event: Event, case: Case) -> list:
    people = group(case)
    # An anonymous requester's own events carry no actor, so the system cannot leave them out as the
    # actor: a case's event without one on an anonymous case is theirs (services record every other).
    by_the_anonymous_requester = case.anonymous and event.actor_id is None
    return [case.requester, *people] if case.requester and not by_the_anonymous_requester else people


def requester(event: Event, case: Case) -> list:
    return [case.requester] if case.requester else []


def group_and_askers(event: Event, case: Case) -> list:
    askers = [c.author for c in case.clarifications.filter(is_question=True).select_related("author") if c.author]
    return [*group(case), *askers]


def added_person(event: Event, case: Case) -> list:
    from halqa.accounts.models import User

    person = (event.after or {}).get("member") if isinstance(event.after, dict) else None
    return list(User.objects.filter(pk=person)) if person else []


def link(event: Event) -> str:
    from django.urls import reverse

    return reverse("cases:detail", args=[event.target_id])


def moved(event: Event, who: str) -> str:
    stage = (event.after or {}).get("stage") if isinstance(event.after, dict) else None
    label = Stage(stage).label if stage in Stage.values else stage
    return say(_("%(who)s moved “%(case)s” to “%(stage)s”"), {"who": who, "case": event.target_label, "stage": label})


def question(event: Event, who: str) -> str:
    return say(_("%(who)s asked you a question about “%(case)s”"), {"who": who, "case": event.target_label})


def answer(event: Event, who: str) -> str:
    return say(_("The requester answered the questions about “%(case)s”"), {"case": event.target_label})


def added(event: Event, who: str) -> str:
    return say(_("%(who)s added you to the working group of “%(case)s”"), {"who": who, "case": event.target_label})


def group_and_answered_requester(event: Event, case: Case) -> list:
    """A new version of the draft reaches the group; and the requester too when it answers their
    "I cannot use it"."""
    after = event.after if isinstance(event.after, dict) else {}
    return requester_and_group(event, case) if after.get("answers_feedback") else group(case)


def draft_saved(event: Event, who: str) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    return say(
        _("%(who)s saved version %(version)s of the solution to “%(case)s”"),
        {"who": who, "version": after.get("version", ""), "case": event.target_label},
    )


def session_note(event: Event, who: str) -> str:
    return say(_("%(who)s wrote the notes of a session on “%(case)s”"), {"who": who, "case": event.target_label})


def feedback(event: Event, who: str) -> str:
    return say(_("The requester said whether the solution to “%(case)s” helps"), {"case": event.target_label})


DEFAULTS.update(
    {
        Kind.CASE_MOVED: Channel.DIGEST,
        Kind.CASE_QUESTION: Channel.IMMEDIATELY,
        Kind.CASE_ANSWER: Channel.IMMEDIATELY,
        Kind.CASE_GROUP: Channel.IMMEDIATELY,
        Kind.CASE_FEEDBACK: Channel.IMMEDIATELY,
        Kind.CASE_WORK: Channel.IMMEDIATELY,
    }
)
for verb, kind, recipients, sentence in (
    (Verb.CASE_MOVED, Kind.CASE_MOVED, requester_and_group, moved),
    (Verb.CASE_QUESTION, Kind.CASE_QUESTION, requester, question),
    (Verb.CASE_ANSWER, Kind.CASE_ANSWER, group_and_askers, answer),
    (Verb.CASE_MEMBER_ADDED, Kind.CASE_GROUP, added_person, added),
    (Verb.CASE_FEEDBACK, Kind.CASE_FEEDBACK, group_and_askers, feedback),
    (Verb.CASE_DRAFT_SAVED, Kind.CASE_WORK, group_and_answered_requester, draft_saved),
    (Verb.CASE_SESSION_NOTE, Kind.CASE_WORK, requester_and_group, session_note),
):
    register(
        verb, Rule(kind=kind, subject=case_of, recipients=recipients, may_see=may_see, sentence=sentence, link=link)
    )
