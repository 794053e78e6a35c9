"""Who may do what in a community: one role × action table, written down once.

`access.community_access` applies it (which actions for one community, which communities for one
action); views, API, templates, services and tests all ask there. `docs/permissions.md` prints the
same table.

Seeds 002 and 003: facilitators lead the community; members choose the activity and role they
take; experts bring knowledge; guests (parents, students) take part in sessions and the
discussion; observers follow without taking part. The school's principal (or the network's
supervisor) defines roles and issues the decision that makes the team official.

Two rules hold the table together (tests check both):

* **Joining never shows less than visiting.** Every community role may read at least what a
  visitor reads (seed 004: parents and students are full participants of a working group, so a
  parent who is invited as a guest keeps seeing the members, goals and decisions they saw as a
  school-mate visitor).
* **Parents and students are seen only by those who may see them.** Whatever one may read, the
  member list, its count, the member detail, mentions and the activity feed come from one set,
  `queries.members_visible_to`: guests are listed only for themselves and for those who manage
  members, and nobody is listed to a person who may not see them in the people directory.
"""

from __future__ import annotations

from .models import Role

VIEW = "view"  # the community page: name, topic, charter
VIEW_MEMBERS = "view_members"
VIEW_GOALS = "view_goals"
VIEW_PROGRAM = "view_program"
VIEW_DECISIONS = "view_decisions"
READ_DISCUSSION = "read_discussion"
POST = "post"
UPDATE_PROGRESS = "update_progress"
EDIT_CHARTER = "edit_charter"
MANAGE_GOALS = "manage_goals"
MANAGE_MEMBERS = "manage_members"
MANAGE_PROGRAM = "manage_program"
DRAFT_DECISION = "draft_decision"
SIGN_DECISION = "sign_decision"
REQUEST_TO_JOIN = "request_to_join"
LEAVE = "leave"

ACTION_LABELS = {
    VIEW: "see the community page and charter",
    VIEW_MEMBERS: "see the member list",
    VIEW_GOALS: "see goals and progress",
    VIEW_PROGRAM: "see the work program",
    VIEW_DECISIONS: "see official decisions",
    READ_DISCUSSION: "read the discussion",
    POST: "post in the discussion",
    UPDATE_PROGRESS: "update a goal's progress",
    EDIT_CHARTER: "edit the charter",
    MANAGE_GOALS: "add and change goals",
    MANAGE_MEMBERS: "invite, accept, remove members, change roles",
    MANAGE_PROGRAM: "keep the work program current",
    DRAFT_DECISION: "draft the official decision",
    SIGN_DECISION: "sign the official decision",
    REQUEST_TO_JOIN: "ask to join",
    LEAVE: "leave the community",
}

_READ_ALL = {VIEW, VIEW_MEMBERS, VIEW_GOALS, VIEW_PROGRAM, VIEW_DECISIONS}

# The table: what each community role may do.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.FACILITATOR: frozenset(
        _READ_ALL
        | {READ_DISCUSSION, POST, UPDATE_PROGRESS, EDIT_CHARTER, MANAGE_GOALS, MANAGE_MEMBERS, MANAGE_PROGRAM}
        | {DRAFT_DECISION, LEAVE}
    ),
    Role.MEMBER: frozenset(_READ_ALL | {READ_DISCUSSION, POST, UPDATE_PROGRESS, LEAVE}),
    Role.EXPERT: frozenset(_READ_ALL | {READ_DISCUSSION, POST, LEAVE}),
    Role.OBSERVER: frozenset(_READ_ALL | {READ_DISCUSSION, LEAVE}),
    Role.GUEST: frozenset(_READ_ALL | {READ_DISCUSSION, POST, LEAVE}),
}
# Leaders of the community's home: the school's principal and deputy, the network's supervisor,
# the authority's admins. They oversee, define roles and issue the decision.
LEADER_ACTIONS = frozenset(
    _READ_ALL | {READ_DISCUSSION, MANAGE_MEMBERS, DRAFT_DECISION, EDIT_CHARTER, MANAGE_GOALS, MANAGE_PROGRAM}
)
# Someone who may see the community (public, or of its school) without belonging to it.
VISITOR_ACTIONS = frozenset(_READ_ALL | {REQUEST_TO_JOIN})
# What a visitor reads; every role and the leaders read at least this ("joining never shows less").
VISITOR_READS = VISITOR_ACTIONS - {REQUEST_TO_JOIN}

ROLE_ORDER = [Role.FACILITATOR, Role.MEMBER, Role.EXPERT, Role.OBSERVER, Role.GUEST]


def matrix() -> list[tuple[str, list[bool]]]:
    """(action, [allowed for each role in ROLE_ORDER]) — for docs/permissions.md and the page."""
    return [(action, [action in ROLE_ACTIONS[role] for role in ROLE_ORDER]) for action in ACTION_LABELS]
