"""Which events notify whom: one rule per verb of the event trail, registered by the area it belongs to.

A rule names the kind of notification (`models.Kind`), the people who may want to know (`recipients`),
whether each of them may see the thing now (`may_see`), the sentence the reader reads (`sentence`)
and where it leads (`link`). The dispatcher (`services.deliver`) does the rest for every rule alike:
never the actor, only active people who may see the thing, each person's channel, one row per
person and event, one email per person in their language.

    registry.register(
        Verb.DECISION_SIGNED,
        Rule(kind=Kind.DECISION_SIGNED, subject=community_of, recipients=active_members,
             may_see=may("view_decisions"), sentence=..., link=..., heavy=True),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from halqa.events.models import Event


@dataclass(frozen=True)
class Rule:
    kind: str
    # The object the event is about, loaded once per event (a community); None: nothing to notify.
    subject: Callable[[Event], object | None]
    # Everyone who may want to know (before the actor, inactive people and visibility are filtered out).
    recipients: Callable[[Event, object], Iterable]
    # Whether this person may see the subject now: nobody is told about what they may not open.
    may_see: Callable[[object, object], bool]
    # The sentence, safe HTML in the active language: sentence(event, who), `who` the actor's name
    # as this reader may know it.
    sentence: Callable[[Event, str], str]
    # Where the notification leads (a path on this site).
    link: Callable[[Event], str]
    # Many recipients: computed in a task, not in the request that caused the event.
    heavy: bool = False
    # The area emails this itself (an invitation with its link to answer): no second immediate email.
    emailed_by_area: bool = False


RULES: dict[str, Rule] = {}


def register(verbs: str | Iterable[str], rule: Rule) -> Rule:
    from .models import Kind

    Kind(rule.kind)  # an unknown kind fails here, at start-up, not when someone is to be told
    for verb in [verbs] if isinstance(verbs, str) else verbs:
        RULES[str(verb)] = rule
    return rule


def rule_for(verb: str) -> Rule | None:
    return RULES.get(str(verb))


def rule_for_kind(kind: str) -> Rule | None:
    return next((rule for rule in RULES.values() if rule.kind == kind), None)
