"""A case's own records of stages 4–6, until meetings and the library exist: its preparation list
and who comes prepared, the notes of its working sessions, and its draft solution in versions.

Pages and the API write through these functions (re-exported by services.py) and read through
`page_records`. Who works on the records: the working group (parents and students in it are full
participants) and the school's coordinators, while the case is open (`CONTRIBUTE`). Who reads them:
everyone who may view the case, the requester too, since the solution is for them. An anonymous
requester stays unnamed in these records as everywhere: their own entries and events carry no name
for anyone who may not know who asked.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from halqa.accounts.models import User
from halqa.events import record
from halqa.events.models import Verb

from .access import CONTRIBUTE, COORDINATOR, SEE_REQUESTER, VIEW, _communities, case_access
from .locks import lock_case
from .models import Audience, Case, CaseMember, Draft, Feedback, MemberRole, PreparationItem, SessionNote

# How far ahead a session's date may lie (time zones, a note written the evening before).
FUTURE_SLACK = dt.timedelta(days=1)
# How far before the request a session may lie (a request transcribed from paper after the fact).
PAST_SLACK = dt.timedelta(days=366)
_urls = URLValidator(schemes=["http", "https"])


def _anonymous_self(case: Case, actor: User) -> bool:
    return case.anonymous and case.requester_id == actor.pk


def _as(case: Case, actor: User) -> dict:
    """How an event names the actor: an anonymous requester acting on their own case stays unnamed."""
    from .services import ANONYMOUS_LABEL

    if _anonymous_self(case, actor):
        return {"actor": None, "actor_label": str(ANONYMOUS_LABEL)}
    return {"actor": actor}


def _text(value, field: str, *, max_length: int, required: str | None = None) -> str:
    """The text stripped; refused when required and empty, too long, or holding a NUL character."""
    value = "" if value is None else str(value)
    if "\x00" in value:
        raise ValidationError({field: _("This text contains a character that is not allowed.")})
    value = value.strip()
    if required is not None and not value:
        raise ValidationError({field: required})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("Keep this to %(max)s characters (it has %(count)s).") % {"max": max_length, "count": len(value)}}
        )
    return value


def web_address(value, field: str) -> str:
    """An optional http(s) address, checked as `_text` checks text."""
    url = _text(value, field, max_length=500)
    if url:
        try:
            _urls(url)
        except ValidationError:
            raise ValidationError({field: _("Give a web address starting with http:// or https://.")}) from None
    return url


def source_fields(title, url, note) -> dict:
    """A reading-list source's title (required), optional link and note, checked (cases and meetings)."""
    return {
        "title": _text(title, "title", max_length=200, required=_("Name the source.")),
        "url": web_address(url, "url"),
        "note": _text(note, "note", max_length=2000),
    }


def _need_contribute(actor: User, case: Case) -> None:
    case_access.allowed(actor, case).need(CONTRIBUTE)


def _where(case: Case) -> dict:
    return {"school": case.school_id, "community": case.community_id}


# --- Stage 4: the preparation list and "I am prepared" ----------------------------------------------


@transaction.atomic
def add_preparation_item(case: Case, *, actor: User, title: str, url: str = "", note: str = "") -> PreparationItem:
    """The group or a coordinator adds a source to study before the session (a link is optional)."""
    _need_contribute(actor, case)
    fields = source_fields(title, url, note)
    item = PreparationItem.objects.create(case=case, added_by=actor, **fields)
    record(
        Verb.CASE_PREPARATION_ADDED,
        target=case,
        after={"item": item.pk, "title": fields["title"]},
        **_as(case, actor),
        **_where(case),
    )
    return item


def removes_any(actor: User, case: Case, members=None) -> bool:
    """A coordinator, the group's lead or the community's facilitator removes any source
    (`members`: the working group, when the caller has read it already)."""
    if CONTRIBUTE not in case_access.allowed(actor, case):
        return False
    if COORDINATOR in case_access.roles(actor, case):
        return True
    if case.community_id and case.community_id in _communities(actor, facilitating=True):
        return True
    if members is not None:
        return any(m.user_id == actor.pk and m.role == MemberRole.LEAD for m in members)
    return CaseMember.objects.filter(case=case, user=actor, role=MemberRole.LEAD).exists()


def may_remove_item(actor: User, case: Case, item: PreparationItem) -> bool:
    """Its author (while they work on the case), or whoever removes any source."""
    if item.added_by_id == actor.pk and CONTRIBUTE in case_access.allowed(actor, case):
        return True
    return removes_any(actor, case)


@transaction.atomic
def remove_preparation_item(item: PreparationItem, *, actor: User) -> None:
    case = lock_case(item.case)
    _need_contribute(actor, case)
    if not may_remove_item(actor, case, item):
        raise PermissionDenied(_("Only who added it, the group's lead or a coordinator removes a source."))
    title = item.title
    item_pk = item.pk
    item.delete()
    record(
        Verb.CASE_PREPARATION_REMOVED,
        target=case,
        before={"item": item_pk, "title": title},
        **_as(case, actor),
        **_where(case),
    )


@transaction.atomic
def mark_prepared(case: Case, *, actor: User, prepared: bool = True) -> CaseMember:
    """A member of the working group says they studied the list (or takes it back), for themself."""
    case_access.allowed(actor, case).need(VIEW)
    member = CaseMember.objects.select_for_update().filter(case=case, user=actor).first()
    if member is None or case.is_final:
        raise PermissionDenied(_("Only the members of the working group mark themselves prepared."))
    if bool(member.prepared_at) == prepared:
        return member
    member.prepared_at = timezone.now() if prepared else None
    member.save(update_fields=["prepared_at"])
    record(
        Verb.CASE_PREPARED if prepared else Verb.CASE_UNPREPARED,
        target=case,
        **_as(case, actor),
        **_where(case),
    )
    return member


# --- Stage 5: session notes -----------------------------------------------------------------------


@transaction.atomic
def add_session_note(
    case: Case,
    *,
    actor: User,
    held_at,
    discussed: str,
    experience: str = "",
    options: str = "",
    will_produce: str = "",
) -> SessionNote:
    """The notes of a working session, in seed 004's shape: the story understood, what others have
    met before, the options, what the group will produce."""
    _need_contribute(actor, case)
    if not isinstance(held_at, dt.datetime):
        raise ValidationError({"held_at": _("Give the date and time of the session.")})
    if timezone.is_naive(held_at):
        held_at = timezone.make_aware(held_at)
    if held_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError({"held_at": _("Notes are written about a session that has taken place.")})
    if held_at < case.created_at - PAST_SLACK:
        raise ValidationError({"held_at": _("A session on this case cannot be long before the request was made.")})
    note = SessionNote.objects.create(
        case=case,
        held_at=held_at,
        discussed=_text(discussed, "discussed", max_length=8000, required=_("Write what the group understood.")),
        experience=_text(experience, "experience", max_length=8000),
        options=_text(options, "options", max_length=8000),
        will_produce=_text(will_produce, "will_produce", max_length=4000),
        author=actor,
    )
    record(
        Verb.CASE_SESSION_NOTE,
        target=case,
        after={"note": note.pk, "held_at": held_at},
        **_as(case, actor),
        **_where(case),
    )
    return note


@transaction.atomic
def update_session_note(
    note: SessionNote, *, actor: User, discussed: str, experience: str = "", options: str = "", will_produce: str = ""
) -> SessionNote:
    """Rewrite a session's notes (a meeting's minutes of a case session are these notes, and are
    corrected after the session): the same rules as writing them."""
    _need_contribute(actor, note.case)
    note.discussed = _text(discussed, "discussed", max_length=8000, required=_("Write what the group understood."))
    note.experience = _text(experience, "experience", max_length=8000)
    note.options = _text(options, "options", max_length=8000)
    note.will_produce = _text(will_produce, "will_produce", max_length=4000)
    note.save(update_fields=["discussed", "experience", "options", "will_produce"])
    record(
        Verb.CASE_SESSION_NOTE,
        target=note.case,
        after={"note": note.pk, "held_at": note.held_at, "edited": True},
        **_as(note.case, actor),
        **_where(note.case),
    )
    return note


# --- Stage 6: the draft solution, in versions -------------------------------------------------------


@transaction.atomic
def save_draft(case: Case, *, actor: User, title: str, body: str, audience: str = "", change_note: str = "") -> Draft:
    """Save a new version of the solution (the first is version 1). Under the case row's lock, so two
    saves at the same moment get two versions, one after the other. After the first version, say
    what changed. A version written after the requester said "I cannot use it" answers them."""
    locked = lock_case(case)
    _need_contribute(actor, locked)
    title = _text(title, "title", max_length=200, required=_("Give the solution a title."))
    body = _text(body, "body", max_length=50000, required=_("Write the solution."))
    audience = audience or locked.audience
    if audience not in Audience.values:
        raise ValidationError({"audience": _("Choose who the solution is written for.")})
    latest = locked.drafts.order_by("-version").first()
    change_note = _text(
        change_note,
        "change_note",
        max_length=500,
        required=_("Say what changed since version %(version)s.") % {"version": latest.version} if latest else None,
    )
    refused = Feedback.objects.filter(case=locked, can_use=False)
    if latest:
        refused = refused.filter(created_at__gt=latest.created_at)
    draft = Draft.objects.create(
        case=locked,
        version=(latest.version if latest else 0) + 1,
        title=title,
        body=body,
        audience=audience,
        change_note=change_note,
        author=actor,
    )
    record(
        Verb.CASE_DRAFT_SAVED,
        target=locked,
        after={"draft": draft.pk, "version": draft.version, "answers_feedback": refused.exists()},
        **_as(locked, actor),
        **_where(locked),
    )
    return draft


# --- Reading --------------------------------------------------------------------------------------


def name_for(viewer_allowed, case: Case, person: User | None) -> str:
    """A record's author as this viewer may know them: an anonymous requester stays unnamed."""
    from .services import ANONYMOUS_LABEL

    if person is None:
        return ""
    if case.anonymous and person.pk == case.requester_id and SEE_REQUESTER not in viewer_allowed:
        return str(ANONYMOUS_LABEL)
    return person.display_name


def preparation(case: Case):
    return case.preparation.select_related("added_by").order_by("created_at", "id")


def session_notes(case: Case):
    return case.session_notes.select_related("author").order_by("-held_at", "-id")


def drafts(case: Case):
    """Every version, newest first."""
    return case.drafts.select_related("author").order_by("-version")


def prepared_members(case: Case):
    """The working group with each member's prepared mark (for the group and the coordinators)."""
    return case.members.select_related("user").order_by("created_at", "id")


def _record_rows(case: Case) -> list[dict]:
    """The case's preparation list, session notes and draft versions in one query (a UNION of the
    three tables in common columns), so the case page does not pay a query for each."""
    from django.db.models import CharField, F, IntegerField, TextField, Value

    def text(value=""):
        return Value(value, output_field=TextField())

    def common(kind, queryset, author, **columns):
        # Every column an annotation, named in order, so the three SELECTs line up column by column.
        def column(value):
            return F(value) if isinstance(value, str) else value

        row = [
            Value(kind, output_field=CharField()),
            F("pk"),
            F(columns["at"]),
            F("created_at"),
            F(f"{author}_id"),
            F(f"{author}__display_name"),
            column(columns["t1"]),
            column(columns.get("t2", text())),
            column(columns.get("t3", text())),
            column(columns.get("t4", text())),
            column(columns.get("short", text())),
            column(columns.get("number", Value(0, output_field=IntegerField()))),
        ]
        named = {f"c{index:02d}": value for index, value in enumerate(row)}
        return queryset.filter(case=case).annotate(**named).values_list(*named).order_by()

    items = common("p", PreparationItem.objects, "added_by", at="created_at", t1="title", t2="note", short="url")
    notes = common(
        "n",
        SessionNote.objects,
        "author",
        at="held_at",
        t1="discussed",
        t2="experience",
        t3="options",
        t4="will_produce",
    )
    versions = common(
        "d",
        Draft.objects,
        "author",
        at="created_at",
        t1="title",
        t2="body",
        t3="change_note",
        short="audience",
        number="version",
    )
    names = ("kind", "pk", "at", "created_at", "author_id", "author_display", "t1", "t2", "t3", "t4", "short", "number")
    return [dict(zip(names, row, strict=True)) for row in items.union(notes, versions, all=True)]


class _Author:
    """Enough of a user for `name_for`."""

    def __init__(self, pk, display_name):
        self.pk, self.display_name = pk, display_name


def page_records(viewer: User, case: Case, allowed, members=None) -> dict:
    """What the case page shows of the records, in one query (and the working group the page
    already read, `members`, for who is prepared)."""
    from types import SimpleNamespace

    contributes = CONTRIBUTE in allowed
    any_item = contributes and removes_any(viewer, case, members=members)
    items, notes, versions = [], [], []
    for row in _record_rows(case):
        author = _Author(row["author_id"], row["author_display"]) if row["author_id"] else None
        name = name_for(allowed, case, author)
        if row["kind"] == "p":
            items.append(
                SimpleNamespace(
                    pk=row["pk"],
                    title=row["t1"],
                    note=row["t2"],
                    url=row["short"],
                    created_at=row["created_at"],
                    author_name=name,
                    removable=contributes and (any_item or row["author_id"] == viewer.pk),
                )
            )
        elif row["kind"] == "n":
            notes.append(
                SimpleNamespace(
                    pk=row["pk"],
                    held_at=row["at"],
                    discussed=row["t1"],
                    experience=row["t2"],
                    options=row["t3"],
                    will_produce=row["t4"],
                    author_name=name,
                )
            )
        else:
            versions.append(
                SimpleNamespace(
                    pk=row["pk"],
                    version=row["number"],
                    title=row["t1"],
                    body=row["t2"],
                    change_note=row["t3"],
                    audience=row["short"],
                    audience_label=Audience(row["short"]).label if row["short"] in Audience.values else row["short"],
                    created_at=row["created_at"],
                    author_name=name,
                )
            )
    items.sort(key=lambda item: (item.created_at, item.pk))
    notes.sort(key=lambda note: (note.held_at, note.pk), reverse=True)
    versions.sort(key=lambda version: version.version, reverse=True)
    shown_members = []
    if contributes:
        shown_members = list(members) if members is not None else list(prepared_members(case))
        for member in shown_members:
            member.name = name_for(allowed, case, member.user)
    return {
        "preparation_items": items,
        "session_notes": notes,
        "draft_latest": versions[0] if versions else None,
        "draft_older": versions[1:],
        "prepared_members": shown_members,
        "prepared_count": sum(1 for m in shown_members if m.prepared_at),
        "my_membership": next((m for m in shown_members if m.user_id == viewer.pk), None),
        "may_contribute": contributes,
    }
