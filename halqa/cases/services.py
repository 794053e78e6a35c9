"""Every change to a case goes through here: pages and API call the same functions.

Each function checks the actor's access (`access.case_access`, the transition table of
`workflow.py`), validates, changes the rows in one transaction and records its event. An anonymous
requester never appears in the event trail: their own actions are recorded without an actor.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from halqa.accounts.choices import Role
from halqa.accounts.models import User
from halqa.discussions.uploads import MAX_ATTACHMENTS, CheckedFile, check_files, store_checked
from halqa.events import record
from halqa.events.models import Verb
from halqa.orgs.access import standing
from halqa.orgs.models import School

from . import planning, workflow
from .access import CONTRIBUTE, MANAGE, MOVE, REQUESTER, case_access, coordinated_schools
from .locks import lock_case, lock_column
from .models import (
    FINAL_STAGES,
    Audience,
    Case,
    CaseAttachment,
    Channel,
    DifficultyTypeRow,
    RequesterGroup,
    Stage,
    Topic,
)

STORY_FIELDS = ("title", "what_happened", "what_tried", "help_wanted", "language", "subject", "grade", "urgency")
ANONYMOUS_LABEL = gettext_lazy("Anonymous requester")


class Conflict(Exception):
    """Someone moved the case at the same moment: nothing was changed (the API answers 409)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


# --- Who asks, and for whom -------------------------------------------------------------------


def groups_for(person: User) -> list[str]:
    """The requester groups a person's profile allows, the most likely first."""
    codes = person.role_codes()
    groups = []
    if Role.TEACHER in codes:
        groups.append(
            RequesterGroup.EARLY_CAREER_TEACHER if person.is_young_teacher else RequesterGroup.EXPERIENCED_TEACHER
        )
    if Role.PARENT in codes:
        groups.append(RequesterGroup.PARENT)
    if Role.STUDENT in codes:
        groups.append(RequesterGroup.STUDENT)
    if not groups or codes - {Role.TEACHER, Role.PARENT, Role.STUDENT}:
        groups.append(RequesterGroup.STAFF)
    return groups


AUDIENCE_OF = {RequesterGroup.PARENT: Audience.PARENT, RequesterGroup.STUDENT: Audience.STUDENT}


def schools_for_intake(person: User):
    """Where a person may bring a request: the schools they belong to, in any position."""
    return School.objects.filter(pk__in=sorted(standing(person).schools)).order_by("name")


def schools_coordinated_by(person: User):
    me = standing(person)
    if me.superuser:
        return School.objects.all()
    return School.objects.filter(pk__in=sorted(coordinated_schools(me))) | School.objects.filter(
        authority_id__in=sorted(me.admin_of)
    )


# --- Intake (stage 1) -------------------------------------------------------------------------


def _story(fields: dict) -> dict:
    unknown = set(fields) - set(STORY_FIELDS)
    if unknown:
        raise TypeError(f"not story fields: {sorted(unknown)}")
    return {name: value for name, value in fields.items() if value is not None}


def _save_new(case: Case, *, types, topics, actor: User, actor_label=None) -> Case:
    case.full_clean(exclude=["types", "topics"])
    case.save()
    _set_vocabulary(case, types, topics)
    record(
        Verb.CASE_SUBMITTED,
        actor=None if actor_label else actor,
        actor_label=actor_label,
        target=case,
        after={"stage": case.stage, "channel": case.channel, "requester_group": case.requester_group},
        school=case.school_id,
        community=case.community_id,
    )
    return case


def _set_vocabulary(case: Case, types, topics) -> None:
    types = list(types or [])
    known = set(DifficultyTypeRow.objects.filter(code__in=types).values_list("code", flat=True))
    if set(types) - known:
        raise ValidationError({"types": _("Choose the types from the list.")})
    topics = list(topics or [])
    allowed = Topic.objects.filter(pk__in=[getattr(t, "pk", t) for t in topics]).filter(
        school__isnull=True
    ) | Topic.objects.filter(pk__in=[getattr(t, "pk", t) for t in topics], school=case.school_id)
    if allowed.count() != len({getattr(t, "pk", t) for t in topics}):
        raise ValidationError({"topics": _("Choose the topics from the list.")})
    case.types.set(known)
    case.topics.set(allowed)


@transaction.atomic
def submit_case(
    *,
    actor: User,
    school: School,
    requester_group: str | None = None,
    audience: str | None = None,
    anonymous: bool = False,
    will_join: bool = False,
    types=(),
    topics=(),
    files=(),
    **story,
) -> Case:
    """ "Ask for help": a signed-in person brings a difficulty to one of their schools, with up to
    five files (checked as discussions check theirs: a refused file saves nothing)."""
    if not actor.is_authenticated or school.pk not in standing(actor).schools:
        raise PermissionDenied(_("You can ask for help only in a school you belong to."))
    checked = _checked_files(files)
    allowed_groups = groups_for(actor)
    group = requester_group or allowed_groups[0]
    if group not in allowed_groups:
        raise ValidationError({"requester_group": _("This does not match your profile.")})
    case = Case(
        school=school,
        requester=actor,
        anonymous=anonymous,
        requester_group=group,
        audience=audience or AUDIENCE_OF.get(group, Audience.TEACHER),
        channel=Channel.WEB,
        will_join=will_join and not anonymous,
        **_story(story),
    )
    label = ANONYMOUS_LABEL if anonymous else None
    case = _save_new(case, types=types, topics=topics, actor=actor, actor_label=label)
    _attach(case, checked, kind=CaseAttachment.Kind.ATTACHMENT, actor=actor, actor_label=label)
    return case


@transaction.atomic
def transcribe_case(
    *,
    actor: User,
    school: School,
    channel: str,
    requester_group: str,
    audience: str | None = None,
    on_behalf_of: User | None = None,
    requester_name: str = "",
    anonymous: bool = False,
    types=(),
    topics=(),
    paper_form=None,
    files=(),
    **story,
) -> Case:
    """A coordinator types in a request that came on paper, by email or by phone, for a person of
    the school (or someone without an account, by name), or for someone who stays anonymous; with
    the scanned paper form (`paper_form`, one file) and up to five attachments."""
    me = standing(actor)
    if not (me.superuser or school.pk in coordinated_schools(me) or school.authority_id in me.admin_of):
        raise PermissionDenied(_("Only the school's coordinators can do this."))
    if channel not in Channel.values or channel == Channel.WEB:
        raise ValidationError({"channel": _("Say how the request came: paper, email or phone.")})
    if on_behalf_of is not None and school.pk not in standing(on_behalf_of).schools:
        raise ValidationError({"on_behalf_of": _("This person does not belong to the school.")})
    if on_behalf_of is None and not anonymous and not requester_name.strip():
        raise ValidationError({"requester_name": _("Say who asked, or mark the request anonymous.")})
    if paper_form is not None and channel != Channel.PAPER:
        raise ValidationError({"paper_form": _("Only a request that came on paper has a scanned form.")})
    errors: dict[str, list[str]] = {}
    scan = _checked_files([paper_form] if paper_form is not None else [], errors=errors, field="paper_form", limit=1)
    checked = _checked_files(files, errors=errors)
    if errors:
        raise ValidationError(errors)
    case = Case(
        school=school,
        requester=on_behalf_of,
        requester_name=requester_name.strip(),
        anonymous=anonymous,
        requester_group=requester_group,
        audience=audience or AUDIENCE_OF.get(requester_group, Audience.TEACHER),
        channel=channel,
        transcribed_by=actor,
        **_story(story),
    )
    case = _save_new(case, types=types, topics=topics, actor=actor)
    _attach(case, scan, kind=CaseAttachment.Kind.PAPER_FORM, actor=actor)
    _attach(case, checked, kind=CaseAttachment.Kind.ATTACHMENT, actor=actor)
    return case


# --- Files brought with a request ---------------------------------------------------------------

# Files can be added while the request is being understood; the group's own documents come later
# (the meetings and library issues).
FILE_STAGES = frozenset({Stage.SUBMITTED, Stage.CLARIFYING})
TOO_MANY_FOR_A_REQUEST = ngettext_lazy(
    "“%(name)s” was not attached: a request can have at most %(limit)s file.",
    "“%(name)s” was not attached: a request can have at most %(limit)s files.",
    "limit",
)


def _checked_files(
    files, *, errors: dict | None = None, field: str = "files", limit: int = MAX_ATTACHMENTS, already: int = 0
) -> list[CheckedFile]:
    """The files checked by the discussions' rules (names, size, type, real content). A problem is
    added to `errors` under `field`, or raised at once without `errors`."""
    files = [file for file in files or () if file]
    if not files:
        return []
    try:
        return check_files(files, already_attached=already, limit=limit, too_many=TOO_MANY_FOR_A_REQUEST)
    except ValidationError as error:
        if errors is None:
            raise ValidationError({field: error.messages}) from None
        errors.setdefault(field, []).extend(error.messages)
        return []


def _attach(case: Case, checked: list[CheckedFile], *, kind: str, actor: User, actor_label=None) -> list:
    """Store checked files under random names and record one event; if storing fails, remove the
    files already written. The event says how many files of which kind, never their names (a scan's
    name may name who wrote it)."""
    if not checked:
        return []
    stored = store_checked(
        checked,
        lambda item: CaseAttachment(
            case=case,
            kind=kind,
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            uploaded_by=None if actor_label else actor,
        ),
    )
    record(
        Verb.CASE_FILES_ADDED,
        actor=None if actor_label else actor,
        actor_label=actor_label,
        target=case,
        after={"kind": kind, "count": len(stored)},
        school=case.school_id,
        community=case.community_id,
    )
    return stored


@transaction.atomic
def add_attachments(case: Case, *, actor: User, files, kind: str = CaseAttachment.Kind.ATTACHMENT) -> list:
    """Add files to a request while it is submitted or being clarified: its requester or the
    school's coordinators add attachments (five in all); a coordinator adds the scan of a paper
    form (one, to a request that came on paper)."""
    locked = lock_case(case)
    allowed = case_access.allowed(actor, locked)
    allowed.need("view")
    roles = case_access.roles(actor, locked)
    if kind not in CaseAttachment.Kind.values:
        raise ValidationError({"kind": _("Choose an attachment or a scanned paper form.")})
    if kind == CaseAttachment.Kind.PAPER_FORM:
        allowed.need(MANAGE)
    elif not roles & {REQUESTER, workflow.COORDINATOR}:
        raise PermissionDenied(_("Only the requester and the school's coordinators can add files to a request."))
    if locked.stage not in FILE_STAGES:
        raise ValidationError({"files": _("Files can be added only while the request is new or being clarified.")})
    files = [file for file in files or () if file]
    if not files:
        raise ValidationError({"files": _("Choose at least one file to attach.")})
    existing = CaseAttachment.objects.filter(case=locked, kind=kind).count()
    if kind == CaseAttachment.Kind.PAPER_FORM:
        if locked.channel != Channel.PAPER:
            raise ValidationError({"files": _("Only a request that came on paper has a scanned form.")})
        if existing:
            raise ValidationError({"files": _("This request already has its scanned form.")})
        checked = _checked_files(files, limit=1)
    else:
        checked = _checked_files(files, already=existing)
    as_anonymous = locked.anonymous and roles == {REQUESTER}
    return _attach(locked, checked, kind=kind, actor=actor, actor_label=ANONYMOUS_LABEL if as_anonymous else None)


# --- Moving through the cycle -----------------------------------------------------------------


@transaction.atomic
def move(
    case: Case,
    *,
    actor: User,
    to: str,
    note: str = "",
    session_at=None,
    seen_stage: str | None = None,
) -> Case:
    """Move the case to stage `to` through the transition table.

    `seen_stage` is the stage the person saw when they chose the move: if someone moved the case
    meanwhile, nothing changes and they hear who won (`Conflict`). Locks the case row, so of two
    people moving the same card at the same moment one wins and the other is told.
    """
    return _move(case, actor=actor, to=to, note=note, session_at=session_at, seen_stage=seen_stage)


@transaction.atomic
def move_on_board(
    case: Case,
    *,
    actor: User,
    to: str,
    board,
    over_limit_reason: str = "",
    note: str = "",
    session_at=None,
    seen_stage: str | None = None,
) -> Case:
    """`move`, from a kanban board (`board.Board`): a column at its work-in-progress limit takes one
    more card only with a reason, which the event's note records.

    The column's limit row is locked after the case row and the column counted under that lock, so
    two cards dropped into the last free place at the same moment cannot both get in unexplained.
    """
    return _move(
        case,
        actor=actor,
        to=to,
        note=note,
        session_at=session_at,
        seen_stage=seen_stage,
        board=board,
        over_limit_reason=over_limit_reason,
    )


def _check_limit(locked: Case, *, to: str, board, over_limit_reason: str) -> str:
    """The reason to record when `to` is a full column of `board` (empty when it is not full)."""
    from .models import BoardLimit

    if not board.holds(locked):
        raise ValidationError({"board": _("This case is not on this board.")})
    limited = board.limited_by(locked)
    if limited is None:
        return ""
    counted, owner = limited
    limit = BoardLimit.objects.select_for_update().filter(**owner, stage=to).first()
    if limit is None:
        return ""
    count = Case.objects.filter(counted, stage=to).count()
    if count < limit.limit:
        return ""
    reason = (over_limit_reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "over_limit_reason": _(
                    "The column “%(stage)s” is at its limit (%(count)s of %(limit)s). "
                    "Say why this case should go in anyway."
                )
                % {"stage": Stage(to).label, "count": count, "limit": limit.limit}
            }
        )
    return reason


def _move(
    case: Case,
    *,
    actor: User,
    to: str,
    note: str = "",
    session_at=None,
    seen_stage: str | None = None,
    board=None,
    over_limit_reason: str = "",
) -> Case:
    locked = lock_case(case)
    allowed = case_access.allowed(actor, locked)
    allowed.need("view")
    if to not in Stage.values:
        raise ValidationError({"to": _("Choose one of the stages.")})
    if (seen_stage and seen_stage != locked.stage) or (to == locked.stage):
        raise Conflict(
            _("Someone moved this case meanwhile: it is now “%(stage)s”. Look again and choose.")
            % {"stage": Stage(locked.stage).label}
        )
    allowed.need(MOVE)
    step = workflow.move_between(locked.stage, to)
    if step is None:
        raise ValidationError(
            {
                "to": _("A case cannot go from “%(from)s” to “%(to)s”.")
                % {"from": Stage(locked.stage).label, "to": Stage(to).label}
            }
        )
    roles = case_access.roles(actor, locked)
    if not step.by & roles:
        raise PermissionDenied(_("You cannot move this case to “%(to)s”.") % {"to": Stage(to).label})
    session_at = session_at if session_at is not None else (locked.session_at if to == Stage.SCHEDULED else None)
    has_group = locked.community_id is not None or locked.members.exists()
    has_draft = "draft" in step.needs and locked.drafts.exists()
    problems = workflow.missing(step, note=note, session_at=session_at, has_group=has_group, has_draft=has_draft)
    if problems:
        raise ValidationError(problems)
    over_limit = _check_limit(locked, to=to, board=board, over_limit_reason=over_limit_reason) if board else ""
    before = {"stage": locked.stage}
    locked.stage = to
    locked.stage_changed_at = timezone.now()
    if to == Stage.SCHEDULED:
        locked.session_at = session_at
    if to == Stage.DECLINED:
        locked.decline_reason = note.strip()
    if to == Stage.CLOSED:
        locked.close_reason = note.strip()
    locked.save()
    as_anonymous = locked.anonymous and roles == {REQUESTER}
    record(
        Verb.CASE_MOVED,
        actor=None if as_anonymous else actor,
        actor_label=ANONYMOUS_LABEL if as_anonymous else None,
        target=locked,
        before=before,
        after=_moved(to, note=note.strip(), over_limit=over_limit),
        school=locked.school_id,
        community=locked.community_id,
    )
    return locked


@transaction.atomic
def set_session_at(case: Case, *, actor: User, at) -> Case:
    """The case's session date follows its scheduled session (moved or cancelled in the meetings
    app), for whoever works on the case; `None` clears it (not while the case is "session
    scheduled", which needs a date). Recorded on the case's trail; no change, no event."""
    locked = lock_case(case)
    case_access.allowed(actor, locked).need(CONTRIBUTE)
    if at is None and locked.stage == Stage.SCHEDULED:
        raise ValidationError({"session_at": str(workflow.NEEDS_MESSAGES["session_at"])})
    if locked.session_at == at:
        return locked
    before = {"session_at": locked.session_at.isoformat() if locked.session_at else None}
    locked.session_at = at
    locked.save(update_fields=["session_at"])
    record(
        Verb.CASE_SESSION_MOVED,
        actor=actor,
        target=locked,
        before=before,
        after={"session_at": at.isoformat() if at else None},
        school=locked.school_id,
        community=locked.community_id,
    )
    return locked


@transaction.atomic
def follow_product_plan(case: Case, *, actor: User, due: dt.date | None, product_id: int) -> Case:
    """The due date of the case's current stage follows its product's production plan (the library
    calls this when the plan changes): while the case is being drafted or reviewed, that stage is
    due when the plan's last open step is. Other stages, or a plan with nothing open, change
    nothing; no change, no event. The library checked that the actor may plan the product."""
    locked = lock_case(case)
    if locked.stage not in (Stage.DRAFTING, Stage.IN_REVIEW) or due is None:
        return locked
    value = due.isoformat()
    if (locked.due_dates or {}).get(locked.stage) == value:
        return locked
    before = {"stage": locked.stage, "due": (locked.due_dates or {}).get(locked.stage)}
    locked.due_dates = {**(locked.due_dates or {}), locked.stage: value}
    locked.save(update_fields=["due_dates", "updated_at"])
    record(
        Verb.CASE_DUE_FOLLOWS_PRODUCT,
        actor=actor,
        target=locked,
        before=before,
        after={"stage": locked.stage, "due": value, "product": product_id},
        school=locked.school_id,
        community=locked.community_id,
    )
    return locked


def _moved(to: str, *, note: str, over_limit: str) -> dict:
    """What a move event keeps: the new stage, the note, and why a full column took the card (as the
    note when there is no other; in its own key always)."""
    after = {"stage": to}
    if note or over_limit:
        after["note"] = note or over_limit
    if over_limit:
        after["over_limit_reason"] = over_limit
    return after


def moves_for(actor: User, case: Case) -> list[str]:
    """The stages this person may move the case to now (pages and API offer only these)."""
    if case.stage in FINAL_STAGES or MOVE not in case_access.allowed(actor, case):
        return []
    return workflow.moves_for(case.stage, case_access.roles(actor, case))


# --- The order of the cards inside a column ------------------------------------------------------

POSITION_GAP = 1024  # room left between two cards, so that a card placed between them moves alone
LAST_POSITION = 2_147_483_647  # board_position is a (positive) 32-bit integer on PostgreSQL


def _position_between(previous: int | None, following: int | None) -> int | None:
    """A free position strictly between two cards' (None: there is no room, renumber the column)."""
    if previous is None and following is None:
        return POSITION_GAP
    if previous is None:
        return following // 2 if following > 0 else None
    if following is None:
        return previous + POSITION_GAP if previous + POSITION_GAP <= LAST_POSITION else None
    return (previous + following) // 2 if following - previous >= 2 else None


@transaction.atomic
def place_on_board(case: Case, *, actor: User, board, before=None, after=None, seen_stage: str | None = None) -> Case:
    """Put a card just before the card `before` or just after `after` (a case or its id) of its
    column on `board` (`board.Board`): who may move the case on the board may order its column.

    Not a stage change, so no event. The column's advisory lock (PostgreSQL) is taken before the
    case's row, so two people reordering at once are served one after the other; the card gets a
    position between its new neighbours', or, when there is no room left, the whole column of the
    board is renumbered in its current order with gaps between the cards."""
    from .board import CARD_ORDER

    if (before is None) == (after is None):
        raise ValidationError({"before": _("Say which card it goes before or after.")})
    reference = getattr(before if before is not None else after, "pk", before if before is not None else after)
    lock_column(case.stage)
    locked = lock_case(case)
    allowed = case_access.allowed(actor, locked)
    allowed.need("view")
    if (seen_stage and seen_stage != locked.stage) or locked.stage != case.stage:
        raise Conflict(
            _("Someone moved this case meanwhile: it is now “%(stage)s”. Look again and choose.")
            % {"stage": Stage(locked.stage).label}
        )
    allowed.need(MOVE)
    if not board.holds(locked):
        raise ValidationError({"board": _("This case is not on this board.")})
    other = case_access.visible(actor).filter(pk=reference).exclude(pk=locked.pk).first()
    if other is None or not board.holds(other):
        raise ValidationError({"before": _("Choose a card of the same board.")})
    if other.stage != locked.stage:
        raise Conflict(
            _("“%(title)s” has left this column meanwhile. Look again and place the card.") % {"title": other.title}
        )
    order = list(
        Case.objects.filter(board.every_case(), stage=locked.stage)
        .exclude(pk=locked.pk)
        .order_by(*CARD_ORDER)
        .values_list("pk", "board_position")
    )
    index = next(i for i, (pk, _position) in enumerate(order) if pk == other.pk) + (0 if before is not None else 1)
    position = _position_between(
        order[index - 1][1] if index > 0 else None, order[index][1] if index < len(order) else None
    )
    if position is None:
        order.insert(index, (locked.pk, None))
        renumbered = [
            Case(pk=pk, board_position=(n + 1) * POSITION_GAP)
            for n, (pk, old) in enumerate(order)
            if old != (n + 1) * POSITION_GAP and pk != locked.pk
        ]
        Case.objects.bulk_update(renumbered, ["board_position"], batch_size=500)
        position = (index + 1) * POSITION_GAP
    Case.objects.filter(pk=locked.pk).update(board_position=position)
    locked.board_position = position
    return locked


@transaction.atomic
def set_board_limits(board, *, actor: User, limits: dict[str, int | None]) -> dict[str, int]:
    """Set a board's work-in-progress limits, {stage: limit or None for no limit}: coordinators for
    their school's board, facilitators (and whoever leads the community) for a community's."""
    from .board import OPEN_STAGES, limits_of, may_set_limits
    from .models import BoardLimit

    if not board.has_limits or not may_set_limits(actor, board):
        raise PermissionDenied(_("Only the coordinators, or the community's facilitators, set this board's limits."))
    unknown = set(limits) - set(OPEN_STAGES)
    if unknown:
        raise ValidationError({"limits": _("Limits are set for the open stages only.")})
    for stage, limit in limits.items():
        if limit is not None and not 1 <= int(limit) <= 999:
            raise ValidationError({stage: _("A limit is a number from 1 to 999, or empty for none.")})
    owner = board.limit_owner()
    before = limits_of(board)
    rows = {row.stage: row for row in BoardLimit.objects.select_for_update().filter(**owner)}
    for stage, limit in limits.items():
        row = rows.get(stage)
        if limit is None and row is not None:
            row.delete()
        elif limit is not None and row is None:
            BoardLimit.objects.create(**owner, stage=stage, limit=int(limit))
        elif limit is not None and row.limit != int(limit):
            row.limit = int(limit)
            row.save(update_fields=["limit"])
    after = limits_of(board)
    if after != before:
        target = board.community or board.school
        record(
            Verb.COMMUNITY_UPDATED if board.community else Verb.SCHOOL_UPDATED,
            actor=actor,
            target=target,
            before={"wip_limits": before},
            after={"wip_limits": after},
            school=board.school.pk if board.school else board.community.school_id,
            community=board.community.pk if board.community else None,
        )
    return after


# --- The working group ------------------------------------------------------------------------


@transaction.atomic
def add_to_group(case: Case, *, actor: User, person: User, role: str = "member") -> None:
    """A coordinator adds someone to the case's working group: a teacher, an expert, or a parent or
    a student of the school, who is then a full participant of the case (seed 004)."""
    from .models import CaseMember, MemberRole

    case_access.allowed(actor, case).need(MANAGE)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose one of the roles.")})
    if case.anonymous and person.pk == case.requester_id:
        # In the group they would be named beside the case they asked without their name.
        raise ValidationError(
            {"person": _("This request is anonymous: its author cannot join its working group without being known.")}
        )
    me = standing(person)
    if me.only_private_roles and case.school_id not in me.schools:
        raise ValidationError({"person": _("A parent or a student joins a group of their own school only.")})
    member, created = CaseMember.objects.get_or_create(
        case=case, user=person, defaults={"role": role, "added_by": actor}
    )
    if created:
        record(
            Verb.CASE_MEMBER_ADDED,
            actor=actor,
            target=case,
            after={"member": person.pk, "role": role},
            school=case.school_id,
            community=case.community_id,
        )


# --- Clarification and sorting (stage 2) ---------------------------------------------------------


def _actor_or_anonymous(case: Case, actor: User) -> dict:
    """How an event names the actor: an anonymous requester acting on their own case stays unnamed."""
    if case.anonymous and case.requester_id == actor.pk:
        return {"actor": None, "actor_label": str(ANONYMOUS_LABEL)}
    return {"actor": actor}


@transaction.atomic
def ask(case: Case, *, actor: User, body: str):
    """A coordinator or the working group asks the requester a clarifying question. Asking about a
    case that has just arrived moves it to "clarifying"."""
    from .models import Clarification

    locked = lock_case(case)
    case_access.allowed(actor, locked).need("view")
    roles = case_access.roles(actor, locked)
    if not roles & {"coordinator", "group"} or locked.is_final:
        raise PermissionDenied(_("Only the coordinators and the working group ask questions here."))
    if locked.requester_id is None:
        raise ValidationError({"body": _("Nobody can answer here: the request came on paper without an account.")})
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the question.")})
    question = Clarification.objects.create(case=locked, author=actor, is_question=True, body=body)
    record(Verb.CASE_QUESTION, actor=actor, target=locked, school=locked.school_id, community=locked.community_id)
    if locked.stage == Stage.SUBMITTED and "coordinator" in roles:
        move(locked, actor=actor, to=Stage.CLARIFYING)
    return question


@transaction.atomic
def answer(case: Case, *, actor: User, body: str):
    """The requester answers the questions."""
    from .models import Clarification

    case_access.allowed(actor, case).need("view")
    if case.requester_id != actor.pk:
        raise PermissionDenied(_("Only the person who asked answers the questions."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your answer.")})
    reply = Clarification.objects.create(
        case=case, author=None if case.anonymous else actor, is_question=False, body=body
    )
    record(
        Verb.CASE_ANSWER,
        target=case,
        school=case.school_id,
        community=case.community_id,
        **_actor_or_anonymous(case, actor),
    )
    return reply


@transaction.atomic
def triage(case: Case, *, actor: User, types=None, topics=None, community=None, assign: bool = False) -> Case:
    """The coordinator sets the kinds and topics of the difficulty and may assign the case to a
    community of its school (or of a network the school is part of)."""
    from halqa.communities.models import Community

    locked = lock_case(case)
    case_access.allowed(actor, locked).need(MANAGE)
    before = {
        "types": sorted(locked.types.values_list("code", flat=True)),
        "topics": sorted(locked.topics.values_list("pk", flat=True)),
        "community": locked.community_id,
    }
    _set_vocabulary(
        locked,
        before["types"] if types is None else types,
        before["topics"] if topics is None else topics,
    )
    if assign:
        if community is not None:
            homes = Community.objects.filter(pk=getattr(community, "pk", community)).filter(
                models_q_school(locked.school_id)
            )
            if not homes.exists():
                raise ValidationError({"community": _("Choose a community of this school or of its networks.")})
        locked.community_id = getattr(community, "pk", community)
        locked.save(update_fields=["community", "updated_at"])
    after = {
        "types": sorted(locked.types.values_list("code", flat=True)),
        "topics": sorted(locked.topics.values_list("pk", flat=True)),
        "community": locked.community_id,
    }
    record(
        Verb.CASE_TRIAGED,
        actor=actor,
        target=locked,
        before=before,
        after=after,
        school=locked.school_id,
        community=locked.community_id,
    )
    return locked


def models_q_school(school_id: int):
    from django.db.models import Q

    return Q(school_id=school_id) | Q(network__schools=school_id)


def communities_for_assignment(case: Case):
    from halqa.communities.models import Community

    return Community.objects.filter(models_q_school(case.school_id)).distinct().order_by("name")


# --- Feedback (stage 7) -----------------------------------------------------------------------


@transaction.atomic
def give_feedback(
    case: Case,
    *,
    actor: User,
    understood: bool,
    has_resources: bool,
    helpful: int,
    can_use: bool,
    comment: str = "",
):
    """The requester says whether the solution helps. "I cannot use it" needs a reason, and sends
    the case back to drafting with it; otherwise the case is closed."""
    from .models import Feedback

    locked = lock_case(case)
    case_access.allowed(actor, locked).need("view")
    if locked.requester_id != actor.pk:
        raise PermissionDenied(_("Only the person who asked gives feedback."))
    if locked.stage != Stage.FEEDBACK:
        raise ValidationError({"stage": _("Feedback is asked for once the solution is published.")})
    comment = (comment or "").strip()
    if not can_use and not comment:
        raise ValidationError({"comment": _("Say what stops you from using it, so the group can correct it.")})
    if not 1 <= int(helpful) <= 5:
        raise ValidationError({"helpful": _("Choose from 1 to 5.")})
    feedback = Feedback.objects.create(
        case=locked,
        by=None if locked.anonymous else actor,
        understood=understood,
        has_resources=has_resources,
        helpful=helpful,
        can_use=can_use,
        comment=comment,
    )
    record(
        Verb.CASE_FEEDBACK,
        target=locked,
        after={"helpful": int(helpful), "can_use": can_use, "understood": understood, "has_resources": has_resources},
        school=locked.school_id,
        community=locked.community_id,
        **_actor_or_anonymous(locked, actor),
    )
    if can_use:
        note = comment or _("The requester can use the solution.")
        move(locked, actor=actor, to=Stage.CLOSED, note=note)
    else:
        move(locked, actor=actor, to=Stage.DRAFTING, note=comment)
        from halqa.library.services import reopen_after_feedback  # the library builds on cases

        reopen_after_feedback(locked, event_actor=_actor_or_anonymous(locked, actor), reason=comment)
    return feedback


# --- Planning: reverse planning and the critical chain --------------------------------------------


def calendar_for(school: School, *, today: dt.date | None = None) -> planning.WorkingCalendar:
    """The school's working days: its weekend and the holidays it entered (those near enough to
    matter for a plan: from a year back to as far ahead as a target may lie)."""
    from halqa.orgs.models import WEEKEND_DAYS, Weekend

    today = today or timezone.localdate()
    holidays = (
        school.holidays.filter(
            starts__lte=today + dt.timedelta(days=planning.MAX_TARGET_DAYS + 7),
        )
        .exclude(ends__lt=today - dt.timedelta(days=366))
        .exclude(ends__isnull=True, starts__lt=today - dt.timedelta(days=366))
    )
    weekend = WEEKEND_DAYS.get(school.weekend, WEEKEND_DAYS[Weekend.FRIDAY_SATURDAY])
    return planning.WorkingCalendar.of(weekend=weekend, holidays=holidays.values_list("starts", "ends"))


def may_plan(actor: User, case: Case) -> bool:
    """The coordinators and the working group plan an open case; the requester reads the plan."""
    return not case.is_final and bool(case_access.roles(actor, case) & {workflow.COORDINATOR, workflow.GROUP})


@transaction.atomic
def plan(case: Case, *, actor: User, target_date: dt.date, today: dt.date | None = None) -> Case:
    """Set the case's target date and plan the stages ahead of it backwards from there.

    Each stage gets its lean estimate (half the community's duration, rounded up) and a due date
    over the school's working days; the days saved make the case's buffer, just before the
    target. Planning again (a new target, or the case moved back) replaces the plan."""
    from halqa.communities.planning import stage_days_for

    locked = lock_case(case, "community")
    case_access.allowed(actor, locked).need("view")
    if not may_plan(actor, locked):
        raise PermissionDenied(_("Only the coordinators and the working group plan this case."))
    today = today or timezone.localdate()
    try:
        result = planning.reverse_plan(
            target_date,
            stage_days_for(locked.community),
            calendar=calendar_for(locked.school, today=today),
            today=today,
            from_stage=locked.stage,
        )
    except planning.PlanError as error:
        raise ValidationError({"target_date": str(error.message)}) from None
    before = {"target_date": locked.target_date, "due_dates": locked.due_dates, "buffer_days": locked.buffer_days}
    locked.target_date = target_date
    locked.due_dates = result.as_json()
    locked.buffer_days = result.buffer_days
    locked.save(update_fields=["target_date", "due_dates", "buffer_days", "updated_at"])
    record(
        Verb.CASE_PLANNED,
        actor=actor,
        target=locked,
        before=before,
        after={
            "target_date": target_date,
            "due_dates": locked.due_dates,
            "buffer_days": result.buffer_days,
            "chain_start": result.chain_start,
        },
        school=locked.school_id,
        community=locked.community_id,
    )
    return locked


def chain_start(case: Case) -> dt.date | None:
    """The first working day of the case's current plan, as its planning event recorded it."""
    from django.contrib.contenttypes.models import ContentType

    from halqa.events.models import Event

    after = (
        Event.objects.filter(
            target_type=ContentType.objects.get_for_model(Case), target_id=case.pk, verb=Verb.CASE_PLANNED
        )
        .order_by("-at", "-id")
        .values_list("after", flat=True)
        .first()
    )
    try:
        return dt.date.fromisoformat((after or {}).get("chain_start") or "")
    except (TypeError, ValueError):
        return None


def plan_status(case: Case, *, today: dt.date | None = None) -> planning.BufferStatus | None:
    """The fever-chart reading of the case's plan today (None without a plan)."""
    if not case.due_dates:
        return None
    today = today or timezone.localdate()
    return planning.buffer_status(
        case.stage,
        case.due_dates,
        case.buffer_days,
        calendar=calendar_for(case.school, today=today),
        today=today,
        chain_start=chain_start(case),
    )


# --- Risks and resources ----------------------------------------------------------------------


def risk_owners(case: Case):
    """Who may own a risk or a resource of the case: its working group, the facilitators of its
    community and the school's coordinators (coordinators, principal, deputy)."""
    from django.db.models import Q

    from halqa.communities.models import Role as CommunityRole
    from halqa.communities.models import Status as CommunityStatus
    from halqa.orgs.models import Position

    coordinators = Q(
        memberships__school=case.school_id,
        memberships__position__in=[Position.COORDINATOR, Position.PRINCIPAL, Position.DEPUTY],
    )
    group = Q(pk__in=case.members.values("user_id"))
    if case.community_id:
        group |= Q(
            community_memberships__community=case.community_id,
            community_memberships__role=CommunityRole.FACILITATOR,
            community_memberships__status=CommunityStatus.ACTIVE,
        )
    return User.objects.filter(is_active=True).filter(group | coordinators).distinct().order_by("display_name", "pk")


@transaction.atomic
def add_risk(case: Case, *, actor: User, description: str, kind: str = "risk", owner: User | None = None):
    """Seed 004: the group names the risks and the resources of the case, each with an owner."""
    from .models import Risk

    case_access.allowed(actor, case).need("view")
    if not may_plan(actor, case):
        raise PermissionDenied(_("Only the coordinators and the working group keep the risks of this case."))
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the risk or the resource.")})
    if kind not in Risk.Kind.values:
        raise ValidationError({"kind": _("Choose a risk or a resource.")})
    if owner is not None and not risk_owners(case).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose someone of the working group or a coordinator.")})
    risk = Risk(case=case, kind=kind, description=description, owner=owner)
    risk.full_clean()
    risk.save()
    record(
        Verb.CASE_RISK_ADDED,
        actor=actor,
        target=case,
        after={"risk": risk.pk, "kind": kind, "owner": owner.pk if owner else None},
        school=case.school_id,
        community=case.community_id,
    )
    return risk


@transaction.atomic
def handle_risk(risk, *, actor: User):
    """Mark a risk (or a resource) handled: it stays on the case, struck through."""
    from .models import Risk, RiskStatus

    locked = Risk.objects.select_for_update(of=("self",)).select_related("case__school").get(pk=risk.pk)
    case = locked.case
    case_access.allowed(actor, case).need("view")
    if not may_plan(actor, case):
        raise PermissionDenied(_("Only the coordinators and the working group keep the risks of this case."))
    if locked.status == RiskStatus.HANDLED:
        return locked
    locked.status = RiskStatus.HANDLED
    locked.save(update_fields=["status"])
    record(
        Verb.CASE_RISK_HANDLED,
        actor=actor,
        target=case,
        before={"risk": locked.pk, "status": RiskStatus.OPEN},
        after={"risk": locked.pk, "status": RiskStatus.HANDLED},
        school=case.school_id,
        community=case.community_id,
    )
    return locked


# --- The case's records of stages 4–6 (records.py) ------------------------------------------------

from .records import (  # noqa: E402, F401  (records.py reads ANONYMOUS_LABEL from here)
    add_preparation_item,
    add_session_note,
    mark_prepared,
    remove_preparation_item,
    save_draft,
    update_session_note,
)
