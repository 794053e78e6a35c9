"""Every change to a community goes through here: pages and API call the same functions.

Each function checks the actor's permission (rules.py), validates, changes the rows in one
transaction, and schedules email after commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from halqa.accounts.models import User
from halqa.accounts.queries import people_visible_to
from halqa.core import access
from halqa.core.access import Allowed
from halqa.events import record
from halqa.events.models import Verb
from halqa.events.trail import changes, snapshot
from halqa.orgs.models import Network, School

from . import rules
from .access import (
    START_REFUSALS,
    allowed_roles_for,
    community_access,
    may_start_in_network,
    may_start_in_school,
)
from .models import (
    Activity,
    CharterRevision,
    Community,
    Decision,
    DecisionStatus,
    Goal,
    GoalUpdate,
    Membership,
    Role,
    Status,
    new_verification_code,
)

COMMUNITY_FIELDS = ("name", "topic", "format", "visibility", "cadence", "cadence_note")
CHARTER_FIELDS = ("mission", "vision", "values", "norms")
GOAL_FIELDS = ("title", "target", "measure", "due_date")
ACTIVITY_FIELDS = ("title", "format", "starts_on", "ends_on", "responsible", "status", "notes")
DECISION_FIELDS = ("number", "topic", "goals_text", "period_start", "period_end")


class Conflict(Exception):
    """Someone changed the same thing at the same moment: nothing was changed, reload and try again.

    The API answers 409 with the message, pages show it as an error."""

    def __init__(self, message=None):
        super().__init__(message or _("Someone changed this community at the same moment. Reload and try again."))
        self.message = str(self.args[0])


# SQLSTATEs of a transaction the database gave up on because of another one: deadlock detected,
# serialization failure, lock not available. SQLite says "database is locked" instead.
CONFLICT_STATES = {"40P01", "40001", "55P03"}


def is_conflict(error: DatabaseError) -> bool:
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return state in CONFLICT_STATES or "database is locked" in str(error)


def changes_members(function):
    """One transaction for a change to a community's members, in which the community row is locked
    first (`lock_community`) and memberships after it, in order of id. Every such change takes its
    locks in this one order, so two facilitators acting on each other at the same moment are served
    one after the other instead of deadlocking; if the database still gives up on one of them, the
    person hears `Conflict` (409), never a server error, and nothing was changed."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return function(*args, **kwargs)
        except DatabaseError as error:
            if isinstance(error, IntegrityError) or not is_conflict(error):
                raise
            raise Conflict(
                _("Someone changed the members of this community at the same moment. Reload and try again.")
            ) from error

    return wrapper


def lock_community(community: Community | int) -> Community:
    """The first lock of every change to a community's members (see `changes_members`). Who may do
    what is asked afresh from here on: the answer cached earlier in the request may predate the lock."""
    locked = Community.objects.select_for_update().get(pk=getattr(community, "pk", community))
    access.forget()
    return locked


def _event(verb, *, actor, target, community, before=None, after=None, label=None):
    """One row of the event trail for a change to `community`, inside the caller's transaction."""
    community_id = getattr(community, "pk", community)
    school_id = community.school_id if isinstance(community, Community) else None
    if school_id is None and not isinstance(community, Community):
        school_id = Community.objects.filter(pk=community_id).values_list("school_id", flat=True).first()
    return record(
        verb,
        actor=actor,
        target=target,
        before=before,
        after=after,
        community=community_id,
        school=school_id,
        target_label=label,
    )


MEMBERSHIP_STATE = ("role", "status")


def need(user, community: Community, action: str) -> Allowed:
    """Go on only if `user` may take `action` in `community`: 404 if they may not know it exists,
    403 with the policy's one sentence for the action otherwise."""
    allowed = community_access.allowed(user, community)
    allowed.need(action)
    return allowed


# --- Creating and changing a community ------------------------------------------------------


@transaction.atomic
def create_community(
    *,
    actor: User,
    school: School | None = None,
    network: Network | None = None,
    charter: dict | None = None,
    **fields,
) -> Community:
    """A new community; its creator becomes its first facilitator."""
    if (school is None) == (network is None):
        raise ValidationError(_("A community belongs to one school or to one network."))
    if school is not None and not may_start_in_school(actor, school):
        raise PermissionDenied(START_REFUSALS["school"])
    if network is not None and not may_start_in_network(actor, network):
        raise PermissionDenied(START_REFUSALS["network"])
    unknown = set(fields) - set(COMMUNITY_FIELDS)
    if unknown:
        raise TypeError(f"not community fields: {unknown}")
    community = Community(school=school, network=network, created_by=actor, **fields)
    community.full_clean()
    community.save()
    Membership.objects.create(
        community=community, user=actor, role=Role.FACILITATOR, status=Status.ACTIVE, joined_at=timezone.now()
    )
    if charter:
        _new_charter(community, actor=actor, note=_("First version"), **charter)
    _event(
        Verb.COMMUNITY_CREATED,
        actor=actor,
        target=community,
        community=community,
        after=snapshot(community, COMMUNITY_FIELDS),
    )
    return community


@transaction.atomic
def update_community(community: Community, *, actor: User, **fields) -> Community:
    need(actor, community, rules.EDIT_CHARTER)
    before = snapshot(community, COMMUNITY_FIELDS)
    for name, value in fields.items():
        if name not in COMMUNITY_FIELDS:
            raise TypeError(f"{name} is not a community field")
        setattr(community, name, value)
    community.full_clean(exclude=["created_by"])  # the creator's account may be gone (SET_NULL)
    community.save()
    old, new = changes(before, snapshot(community, COMMUNITY_FIELDS))
    _event(Verb.COMMUNITY_UPDATED, actor=actor, target=community, community=community, before=old, after=new)
    return community


# --- Charter ----------------------------------------------------------------------------------


def _new_charter(community: Community, *, actor: User, note: str = "", **fields) -> CharterRevision:
    revision = CharterRevision(community=community, edited_by=actor, note=note, **fields)
    revision.full_clean()
    revision.save()
    return revision


@transaction.atomic
def update_charter(community: Community, *, actor: User, note: str = "", **fields) -> CharterRevision:
    """Save a new version of the charter; earlier versions stay in its history."""
    need(actor, community, rules.EDIT_CHARTER)
    unknown = set(fields) - set(CHARTER_FIELDS)
    if unknown:
        raise TypeError(f"not charter fields: {unknown}")
    current = community.charter_revisions.first()
    if current and all(getattr(current, name) == value for name, value in fields.items()):
        raise ValidationError(_("Nothing changed in the charter."))
    base = {name: getattr(current, name) for name in CHARTER_FIELDS} if current else {}
    revision = _new_charter(community, actor=actor, note=note, **{**base, **fields})
    old, new = changes(base, snapshot(revision, CHARTER_FIELDS))
    _event(Verb.CHARTER_EDITED, actor=actor, target=revision, community=community, before=old, after=new)
    return revision


# --- Goals ------------------------------------------------------------------------------------


@transaction.atomic
def add_goal(community: Community, *, actor: User, **fields) -> Goal:
    need(actor, community, rules.MANAGE_GOALS)
    goal = Goal(community=community, **{k: v for k, v in fields.items() if k in GOAL_FIELDS})
    goal.full_clean()
    goal.save()
    _event(Verb.GOAL_ADDED, actor=actor, target=goal, community=community, after=snapshot(goal, GOAL_FIELDS))
    return goal


@transaction.atomic
def update_goal(goal: Goal, *, actor: User, **fields) -> Goal:
    need(actor, goal.community, rules.MANAGE_GOALS)
    before = snapshot(goal, GOAL_FIELDS)
    for name, value in fields.items():
        if name not in GOAL_FIELDS:
            raise TypeError(f"{name} is not a goal field")
        setattr(goal, name, value)
    goal.full_clean()
    goal.save()
    old, new = changes(before, snapshot(goal, GOAL_FIELDS))
    _event(Verb.GOAL_UPDATED, actor=actor, target=goal, community=goal.community, before=old, after=new)
    return goal


@transaction.atomic
def delete_goal(goal: Goal, *, actor: User) -> None:
    need(actor, goal.community, rules.MANAGE_GOALS)
    _event(Verb.GOAL_DELETED, actor=actor, target=goal, community=goal.community, before=snapshot(goal, GOAL_FIELDS))
    goal.delete()


@transaction.atomic
def record_progress(goal: Goal, *, actor: User, progress: int, note: str = "") -> GoalUpdate:
    need(actor, goal.community, rules.UPDATE_PROGRESS)
    update = GoalUpdate(goal=goal, progress=progress, note=note, by=actor)
    update.full_clean()
    update.save()
    before = {"progress": goal.progress}
    goal.progress = progress
    goal.save(update_fields=["progress"])
    _event(
        Verb.PROGRESS_RECORDED,
        actor=actor,
        target=goal,
        community=goal.community,
        before=before,
        after={"progress": progress, "note": note},
    )
    return update


# --- Members ----------------------------------------------------------------------------------


def _check_role_for(person: User, role: str) -> None:
    if role not in allowed_roles_for(person):
        raise ValidationError({"role": _("Parents and students take part as guests.")})


@changes_members
def invite_member(
    community: Community, *, actor: User, person: User, role: str = Role.MEMBER, message: str = ""
) -> Membership:
    """Invite someone from the directory; they accept or decline. Emails them after commit."""
    community = lock_community(community)
    need(actor, community, rules.MANAGE_MEMBERS)
    if not people_visible_to(actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("You cannot invite this person.")})
    _check_role_for(person, role)
    existing = Membership.objects.select_for_update().filter(community=community, user=person).first()
    if existing and existing.status in (Status.ACTIVE, Status.INVITED):
        raise ValidationError(
            {"person": _("%(name)s is already invited to or a member of this community.") % {"name": person}}
        )
    if existing and existing.status == Status.REQUESTED:
        return accept_request(existing, actor=actor, role=role)
    if existing:  # left, declined or removed before: invited again, on the same row (its history stays)
        before = snapshot(existing, MEMBERSHIP_STATE)
        membership = _reopen(existing, role=role, status=Status.INVITED, invited_by=actor, message=message)
    else:
        before = None
        try:
            membership = Membership.objects.create(
                community=community, user=person, role=role, status=Status.INVITED, invited_by=actor, message=message
            )
        except IntegrityError as exc:
            raise ValidationError({"person": _("%(name)s was invited a moment ago.") % {"name": person}}) from exc
    _event(
        Verb.MEMBER_INVITED,
        actor=actor,
        target=membership,
        community=community,
        before=before,
        after=snapshot(membership, MEMBERSHIP_STATE),
        label=str(person),
    )
    from .tasks import queue_community_invitation

    queue_community_invitation(membership)
    return membership


def _reopen(membership: Membership, **state) -> Membership:
    """A membership that had ended (left, declined, removed) begins again on the same row."""
    for name, value in state.items():
        setattr(membership, name, value)
    membership.activity = ""
    membership.joined_at = None
    membership.created_at = timezone.now()
    membership.save()
    return membership


def _member_event(verb, membership: Membership, *, actor: User, before: dict, community=None) -> None:
    _event(
        verb,
        actor=actor,
        target=membership,
        community=community if community is not None else membership.community_id,
        before=before,
        after=snapshot(membership, MEMBERSHIP_STATE),
        label=str(membership.user),
    )


@changes_members
def answer_invitation(membership: Membership, *, actor: User, accept: bool, activity: str = "") -> Membership:
    community = lock_community(membership.community_id)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.user_id != actor.pk:
        raise PermissionDenied(_("Only the invited person can answer this invitation."))
    if locked.status != Status.INVITED:
        raise ValidationError(_("This invitation has already been answered."))
    before = snapshot(locked, MEMBERSHIP_STATE)
    if accept:
        locked.status = Status.ACTIVE
        locked.joined_at = timezone.now()
        locked.activity = activity[:300]
    else:
        locked.status = Status.DECLINED
    locked.save()
    verb = Verb.INVITATION_ACCEPTED if accept else Verb.INVITATION_DECLINED
    _member_event(verb, locked, actor=actor, before=before, community=community)
    return locked


@changes_members
def request_to_join(community: Community, *, actor: User, message: str = "") -> Membership:
    community = lock_community(community)
    need(actor, community, rules.REQUEST_TO_JOIN)
    existing = Membership.objects.select_for_update().filter(community=community, user=actor).first()
    if existing:  # only left/declined/removed rows get here (rules refuse the others): the same row again
        before = snapshot(existing, MEMBERSHIP_STATE)
        membership = _reopen(
            existing, role=Role.MEMBER, status=Status.REQUESTED, invited_by=None, message=message[:500]
        )
    else:
        before = None
        membership = Membership.objects.create(
            community=community, user=actor, role=Role.MEMBER, status=Status.REQUESTED, message=message[:500]
        )
    _member_event(Verb.JOIN_REQUESTED, membership, actor=actor, before=before, community=community)
    return membership


@changes_members
def accept_request(membership: Membership, *, actor: User, role: str | None = None) -> Membership:
    community = lock_community(membership.community_id)
    need(actor, community, rules.MANAGE_MEMBERS)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status != Status.REQUESTED:
        raise ValidationError(_("This request has already been answered."))
    before = snapshot(locked, MEMBERSHIP_STATE)
    if role:
        _check_role_for(locked.user, role)
        locked.role = role
    locked.status = Status.ACTIVE
    locked.joined_at = timezone.now()
    locked.save()
    _member_event(Verb.REQUEST_ACCEPTED, locked, actor=actor, before=before, community=community)
    return locked


@changes_members
def decline_request(membership: Membership, *, actor: User) -> Membership:
    community = lock_community(membership.community_id)
    need(actor, community, rules.MANAGE_MEMBERS)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status != Status.REQUESTED:
        raise ValidationError(_("This request has already been answered."))
    before = snapshot(locked, MEMBERSHIP_STATE)
    locked.status = Status.DECLINED
    locked.save()
    _member_event(Verb.REQUEST_DECLINED, locked, actor=actor, before=before, community=community)
    return locked


def _facilitators(community: Community):
    return (
        Membership.objects.select_for_update()
        .filter(community=community, role=Role.FACILITATOR, status=Status.ACTIVE)
        .order_by("pk")
    )


def _refuse_losing_last_facilitator(membership: Membership) -> None:
    is_facilitator = membership.role == Role.FACILITATOR and membership.status == Status.ACTIVE
    if is_facilitator and not _facilitators(membership.community_id).exclude(pk=membership.pk).exists():
        raise ValidationError(_("A community needs at least one facilitator. Make someone else a facilitator first."))


@changes_members
def change_role(membership: Membership, *, actor: User, role: str) -> Membership:
    community = lock_community(membership.community_id)
    need(actor, community, rules.MANAGE_MEMBERS)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    _check_role_for(locked.user, role)
    if role != Role.FACILITATOR:
        _refuse_losing_last_facilitator(locked)
    before = snapshot(locked, MEMBERSHIP_STATE)
    locked.role = role
    locked.save(update_fields=["role"])
    _member_event(Verb.ROLE_CHANGED, locked, actor=actor, before=before, community=community)
    return locked


@changes_members
def remove_member(membership: Membership, *, actor: User) -> Membership:
    community = lock_community(membership.community_id)
    need(actor, community, rules.MANAGE_MEMBERS)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status not in (Status.ACTIVE, Status.INVITED):
        raise ValidationError(_("This person is not a member."))
    _refuse_losing_last_facilitator(locked)
    before = snapshot(locked, MEMBERSHIP_STATE)
    locked.status = Status.REMOVED
    locked.save(update_fields=["status"])
    _member_event(Verb.MEMBER_REMOVED, locked, actor=actor, before=before, community=community)
    return locked


@changes_members
def leave(community: Community, *, actor: User) -> Membership:
    community = lock_community(community)
    locked = Membership.objects.select_for_update().filter(community=community, user=actor).first()
    if locked is None or locked.status != Status.ACTIVE:
        raise ValidationError(_("You are not a member of this community."))
    _refuse_losing_last_facilitator(locked)
    before = snapshot(locked, MEMBERSHIP_STATE)
    locked.status = Status.LEFT
    locked.save(update_fields=["status"])
    _member_event(Verb.MEMBER_LEFT, locked, actor=actor, before=before, community=community)
    return locked


@changes_members
def set_activity(community: Community, *, actor: User, activity: str, role: str | None = None) -> Membership:
    """Members choose the activity they take on, and may move between member, expert, observer."""
    community = lock_community(community)
    locked = Membership.objects.select_for_update().filter(community=community, user=actor).first()
    if locked is None or locked.status != Status.ACTIVE:
        raise ValidationError(_("You are not a member of this community."))
    before = snapshot(locked, ("role", "activity"))
    if len(activity) > 300:
        raise ValidationError({"activity": _("Please keep this under 300 characters.")})
    locked.activity = activity
    if role and role != locked.role:
        if locked.role in (Role.FACILITATOR, Role.GUEST) or role in (Role.FACILITATOR, Role.GUEST):
            raise ValidationError({"role": _("Ask a facilitator to change this role.")})
        _check_role_for(actor, role)
        locked.role = role
    locked.save(update_fields=["activity", "role"])
    old, new = changes(before, snapshot(locked, ("role", "activity")))
    _event(
        Verb.MEMBER_ACTIVITY_SET,
        actor=actor,
        target=locked,
        community=community,
        before=old,
        after=new,
        label=str(actor),
    )
    return locked


# --- Work program -----------------------------------------------------------------------------


@transaction.atomic
def add_activity(community: Community, *, actor: User, **fields) -> Activity:
    need(actor, community, rules.MANAGE_PROGRAM)
    activity = Activity(community=community, **{k: v for k, v in fields.items() if k in ACTIVITY_FIELDS})
    _check_responsible(community, activity.responsible)
    activity.full_clean()
    activity.save()
    _event(
        Verb.ACTIVITY_ADDED,
        actor=actor,
        target=activity,
        community=community,
        after=snapshot(activity, ACTIVITY_FIELDS),
    )
    return activity


@transaction.atomic
def update_activity(activity: Activity, *, actor: User, **fields) -> Activity:
    need(actor, activity.community, rules.MANAGE_PROGRAM)
    before = snapshot(activity, ACTIVITY_FIELDS)
    for name, value in fields.items():
        if name not in ACTIVITY_FIELDS:
            raise TypeError(f"{name} is not an activity field")
        setattr(activity, name, value)
    _check_responsible(activity.community, activity.responsible)
    activity.full_clean()
    activity.save()
    old, new = changes(before, snapshot(activity, ACTIVITY_FIELDS))
    _event(Verb.ACTIVITY_UPDATED, actor=actor, target=activity, community=activity.community, before=old, after=new)
    return activity


@transaction.atomic
def delete_activity(activity: Activity, *, actor: User) -> None:
    need(actor, activity.community, rules.MANAGE_PROGRAM)
    _event(
        Verb.ACTIVITY_DELETED,
        actor=actor,
        target=activity,
        community=activity.community,
        before=snapshot(activity, ACTIVITY_FIELDS),
    )
    activity.delete()


def _check_responsible(community: Community, person: User | None) -> None:
    from .queries import responsible_candidates

    if person is not None and not responsible_candidates(community).filter(pk=person.pk).exists():
        raise ValidationError({"responsible": _("The responsible person must be a member of the community.")})


# --- The official decision --------------------------------------------------------------------


def members_snapshot(community: Community | int) -> list[dict]:
    """Members and roles as they stand, frozen into the decision (guests are not assigned)."""
    rows = (
        Membership.objects.filter(community=community, status=Status.ACTIVE)
        .exclude(role=Role.GUEST)
        .select_related("user")
        .order_by("role", "user__display_name")
    )
    return [{"user": m.user_id, "name": str(m.user), "role": m.role} for m in rows]


@transaction.atomic
def draft_decision(community: Community, *, actor: User, **fields) -> Decision:
    need(actor, community, rules.DRAFT_DECISION)
    decision = Decision(
        community=community, drafted_by=actor, **{k: v for k, v in fields.items() if k in DECISION_FIELDS}
    )
    decision.members = members_snapshot(community)
    _check_period(decision)  # before full_clean, whose constraint check would say it less clearly
    decision.full_clean()
    decision.save()
    _event(
        Verb.DECISION_DRAFTED,
        actor=actor,
        target=decision,
        community=community,
        after=snapshot(decision, DECISION_FIELDS),
    )
    return decision


@transaction.atomic
def update_decision(decision: Decision, *, actor: User, **fields) -> Decision:
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    if locked.status != DecisionStatus.DRAFT:
        raise ValidationError(_("A signed decision cannot be changed. Draft a new one to replace it."))
    need(actor, locked.community, rules.DRAFT_DECISION)
    before = snapshot(locked, DECISION_FIELDS)
    for name, value in fields.items():
        if name not in DECISION_FIELDS:
            raise TypeError(f"{name} is not a decision field")
        setattr(locked, name, value)
    locked.members = members_snapshot(locked.community)
    _check_period(locked)
    locked.full_clean(exclude=["drafted_by"])  # the drafter's account may be gone (SET_NULL)
    locked.save()
    old, new = changes(before, snapshot(locked, DECISION_FIELDS))
    _event(Verb.DECISION_UPDATED, actor=actor, target=locked, community=locked.community, before=old, after=new)
    return locked


def _check_period(decision: Decision) -> None:
    if decision.period_start and decision.period_end and decision.period_end < decision.period_start:
        raise ValidationError({"period_end": _("The end of the period cannot be before its start.")})
    if (
        decision.period_end
        and decision.period_start
        and decision.period_end - decision.period_start > dt.timedelta(days=3 * 366)
    ):
        raise ValidationError({"period_end": _("A decision covers at most three years.")})


def decision_fingerprint(decision: Decision, members: list[dict] | None = None) -> str:
    """A fingerprint of what signing `decision` would sign now: the community's members and roles
    as they stand (what the page and the API show of a draft) and the decision's text and period.

    The sign form and the API carry the fingerprint of what the signer saw; `sign_decision` refuses
    when it is not the fingerprint of what would be signed."""
    if members is None:
        members = members_snapshot(decision.community_id)
    content = {
        "members": members,
        "number": decision.number,
        "topic": decision.topic,
        "goals_text": decision.goals_text,
        "period": [str(decision.period_start), str(decision.period_end)],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@changes_members
def sign_decision(decision: Decision, *, actor: User, fingerprint: str) -> Decision:
    """The principal (or the network's supervisor) signs: who, when, and a verification code.

    `fingerprint` is `decision_fingerprint` of the decision as the signer saw it; if the members or
    the text changed since, nothing is signed (`Conflict`: "changed since you opened it"). The
    community is locked first, as by every change to its members, so the list cannot change
    between the check and the signature. From then on the decision is read-only; signing again is
    refused. An earlier signed decision of the same community is marked superseded by this one.
    """
    community = lock_community(decision.community_id)
    locked = Decision.objects.select_for_update().get(pk=decision.pk, community=community)
    locked.community = community
    need(actor, community, rules.SIGN_DECISION)
    if locked.status != DecisionStatus.DRAFT:
        raise ValidationError(_("This decision is already signed."))
    members = members_snapshot(community)
    if not members:
        raise ValidationError(_("A decision needs at least one member."))
    if fingerprint != decision_fingerprint(locked, members):
        raise Conflict(
            _(
                "This decision changed since you opened it: its members or its text are not what you saw. "
                "Read it again before signing."
            )
        )
    previous = (
        Decision.objects.select_for_update()
        .filter(community=community, status=DecisionStatus.SIGNED)
        .exclude(pk=locked.pk)
        .order_by("-signed_at")
        .first()
    )
    locked.members = members
    locked.status = DecisionStatus.SIGNED
    locked.signed_by = actor
    locked.signed_by_name = str(actor)
    locked.signed_by_title = _signer_title(actor, community)
    locked.signed_at = timezone.now()
    locked.verification_code = _unique_code()
    if previous is not None:
        previous.status = DecisionStatus.SUPERSEDED
        previous.save(update_fields=["status"])
        locked.supersedes = previous
    locked.save()
    if previous is not None:
        _event(
            Verb.DECISION_SUPERSEDED,
            actor=actor,
            target=previous,
            community=community,
            before={"status": DecisionStatus.SIGNED},
            after={"status": DecisionStatus.SUPERSEDED, "superseded_by": locked.pk},
        )
    _event(
        Verb.DECISION_SIGNED,
        actor=actor,
        target=locked,
        community=community,
        before={"status": DecisionStatus.DRAFT},
        after={
            "status": DecisionStatus.SIGNED,
            "verification_code": locked.verification_code,
            "signed_by_title": locked.signed_by_title,
            "members": len(members),
        },
    )
    return locked


def _signer_title(actor: User, community: Community) -> str:
    if community.network_id:
        return _("Supervisor, %(network)s") % {"network": community.network.name}
    return _("Principal, %(school)s") % {"school": community.school.name}


def _unique_code() -> str:
    while True:
        code = new_verification_code()
        if not Decision.objects.filter(verification_code=code).exists():
            return code


def find_signed_decision(code: str) -> Decision | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 20:
        return None
    return (
        Decision.objects.select_related("community__school", "community__network", "signed_by", "superseded_by")
        .exclude(status=DecisionStatus.DRAFT)
        .filter(verification_code=code)
        .first()
    )


@transaction.atomic
def delete_draft(decision: Decision, *, actor: User) -> None:
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    if locked.status != DecisionStatus.DRAFT:
        raise ValidationError(_("A signed decision cannot be deleted."))
    need(actor, locked.community, rules.DRAFT_DECISION)
    _event(
        Verb.DECISION_DELETED,
        actor=actor,
        target=locked,
        community=locked.community,
        before=snapshot(locked, DECISION_FIELDS),
    )
    locked.delete()
