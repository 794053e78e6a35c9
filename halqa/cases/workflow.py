"""The one transition table of a case: from which stage to which, who may move it, and what must be
present. Services ask it (`check`); pages and the API offer only the moves it allows (`moves_for`).

Who: the REQUESTER (the person who asked), a COORDINATOR (of the case's school: its coordinators,
principal and deputy, the authority's admins) and the GROUP (the case's working group, and the
facilitators of the community it is assigned to).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import FINAL_STAGES, Stage

REQUESTER = "requester"
COORDINATOR = "coordinator"
GROUP = "group"


@dataclass(frozen=True)
class Move:
    by: frozenset[str]
    # What must be present: "note" (a reason the requester reads), "session_at" (the session's
    # date), "group" (a community or at least one member of the working group), "draft" (a saved
    # version of the draft solution).
    needs: frozenset[str] = field(default_factory=frozenset)


def _move(*by: str, needs: tuple[str, ...] = ()) -> Move:
    return Move(frozenset(by), frozenset(needs))


S = Stage
# from stage → {to stage: who may, what is needed}
TABLE: dict[str, dict[str, Move]] = {
    S.SUBMITTED: {S.CLARIFYING: _move(COORDINATOR), S.MATCHED: _move(COORDINATOR, needs=("group",))},
    S.CLARIFYING: {S.MATCHED: _move(COORDINATOR, needs=("group",))},
    S.MATCHED: {S.SCHEDULED: _move(COORDINATOR, GROUP, needs=("session_at",))},
    S.SCHEDULED: {
        S.PREPARING: _move(COORDINATOR, GROUP),
        S.MATCHED: _move(COORDINATOR, GROUP, needs=("note",)),  # the session was called off
    },
    S.PREPARING: {S.IN_SESSION: _move(COORDINATOR, GROUP)},
    S.IN_SESSION: {S.DRAFTING: _move(COORDINATOR, GROUP)},
    S.DRAFTING: {S.IN_REVIEW: _move(COORDINATOR, GROUP, needs=("draft",))},
    S.IN_REVIEW: {
        S.DRAFTING: _move(COORDINATOR, GROUP, needs=("note",)),  # changes requested
        S.PUBLISHED: _move(COORDINATOR, needs=("draft",)),
    },
    S.PUBLISHED: {S.FEEDBACK: _move(COORDINATOR, GROUP)},
    S.FEEDBACK: {
        S.DRAFTING: _move(REQUESTER, COORDINATOR, needs=("note",)),  # "I cannot use it", and why
        S.CLOSED: _move(REQUESTER, COORDINATOR, needs=("note",)),
    },
}
# Every open case can be declined by a coordinator (with a reason the requester reads) and
# withdrawn by its requester.
for _stage in Stage.values:
    if _stage not in FINAL_STAGES:
        TABLE.setdefault(_stage, {})
        TABLE[_stage][S.DECLINED] = _move(COORDINATOR, needs=("note",))
        TABLE[_stage][S.WITHDRAWN] = _move(REQUESTER)

NEEDS_MESSAGES = {
    "note": _("Say why: the requester and the group read it."),
    "session_at": _("Give the date of the session first."),
    "group": _("Assign the case to a community or add someone to its working group first."),
    "draft": _("Save a draft of the solution first."),
}


def moves_for(stage: str, roles: frozenset[str] | set[str]) -> list[str]:
    """The stages a person with `roles` may move a case in `stage` to, in the table's order."""
    return [to for to, move in TABLE.get(stage, {}).items() if move.by & set(roles)]


def move_between(stage: str, to: str) -> Move | None:
    return TABLE.get(stage, {}).get(to)


def missing(move: Move, *, note: str, session_at, has_group: bool, has_draft: bool) -> dict[str, str]:
    """What the move needs and was not given, as {field: message}."""
    present = {
        "note": bool(note.strip()),
        "session_at": session_at is not None,
        "group": has_group,
        "draft": has_draft,
    }
    return {need: str(NEEDS_MESSAGES[need]) for need in sorted(move.needs) if not present[need]}


# Where a case stands, in plain words, for the person who asked (seed 004: requesters who lose
# track lose interest).
EXPLAINED = {
    S.SUBMITTED: _("Your request has arrived. A coordinator will read it soon."),
    S.CLARIFYING: _("A coordinator is making sure the difficulty is well understood and may ask you questions."),
    S.MATCHED: _("A working group of teachers and experts has been formed for it."),
    S.SCHEDULED: _("A session to work on it has been set."),
    S.PREPARING: _("The group is studying sources to come to the session prepared."),
    S.IN_SESSION: _("The group is working on it together."),
    S.DRAFTING: _("The group is writing down the solution for you."),
    S.IN_REVIEW: _("Experts are reviewing the solution before it is published."),
    S.PUBLISHED: _("The solution has been published."),
    S.FEEDBACK: _("Please tell us whether you can use the solution."),
    S.CLOSED: _("The case is closed."),
    S.DECLINED: _("The case was declined; the reason is below."),
    S.WITHDRAWN: _("The request was withdrawn."),
}
