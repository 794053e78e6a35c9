"""Every change to a meeting goes through here: pages and API call the same functions.

Each function checks the actor's access (`access.meeting_access`), validates, changes the rows in
one transaction and records its event (`halqa.events.record`); the notification rules of
`notify.py` tell the people concerned once the transaction commits. Bad input raises a
`ValidationError` keyed by field, with nothing changed.

A case session goes through the case's own rules: scheduling one moves the case from "group formed"
to "session scheduled" (`halqa.cases.services.move`, which sets `case.session_at`), cancelling the
only session of a scheduled case moves it back, and its minutes are the case's session notes
(`halqa.cases.services.add_session_note` / `update_session_note`), linked from `Minutes`.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from halqa.accounts.models import User
from halqa.accounts.tokens import MAX_KEY_LENGTH, hash_key
from halqa.cases import services as cases
from halqa.cases.access import CONTRIBUTE as CASE_CONTRIBUTE
from halqa.cases.access import VIEW as CASE_VIEW
from halqa.cases.access import case_access
from halqa.cases.models import Case, CaseMember, PreparationItem, SessionNote
from halqa.cases.models import Stage as CaseStage
from halqa.cases.records import _text, source_fields, web_address
from halqa.communities.access import community_access
from halqa.communities.models import Community
from halqa.communities.rules import MANAGE_PROGRAM
from halqa.core import access
from halqa.events import record
from halqa.events.models import Verb

from . import recurrence
from .access import MANAGE, RESPOND, SIGN_UP, VIEW, meeting_access
from .models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Format,
    Meeting,
    Minutes,
    Participant,
    Rsvp,
    Series,
    Status,
)

# How far from today a meeting (or an action item's due date) may be placed.
HORIZON = dt.timedelta(days=730)
LONGEST = dt.timedelta(hours=24)
# How long before the start a participant is reminded: a day, then an hour (reminders.py; each
# person turns either off in their notification settings).
REMIND_BEFORE = dt.timedelta(hours=24)
LAST_REMINDER = dt.timedelta(hours=1)
# Attendance and minutes are for a meeting that has begun (a little early is fine: time zones).
EARLY = dt.timedelta(hours=1)
MAX_AGENDA = 30
MAX_INVITES = 200
# Cases in these stages have a working group that can meet.
CASE_MEETS_FROM = (
    CaseStage.MATCHED,
    CaseStage.SCHEDULED,
    CaseStage.PREPARING,
    CaseStage.IN_SESSION,
    CaseStage.DRAFTING,
    CaseStage.IN_REVIEW,
    CaseStage.PUBLISHED,
    CaseStage.FEEDBACK,
)


# --- Time --------------------------------------------------------------------------------------


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone(name) -> zoneinfo.ZoneInfo:
    """The organiser's time zone by its IANA name; a name zoneinfo does not know is refused."""
    name = "" if name is None else str(name).strip()
    if name not in _known_zones():
        raise ValidationError({"timezone": _("“%(value)s” is not a known time zone.") % {"value": name[:64]}})
    return zoneinfo.ZoneInfo(name)


def _instant(value, field: str, tz: zoneinfo.ZoneInfo, *, now: dt.datetime) -> dt.datetime:
    """An aware moment from a datetime: a naive one is a wall-clock time in the organiser's zone
    (a time the clocks skip when they change is refused); within two years of now."""
    if not isinstance(value, dt.datetime):
        raise ValidationError({field: _("Give a date and a time.")})
    try:
        if timezone.is_naive(value):
            aware = value.replace(tzinfo=tz)
            back = aware.astimezone(dt.UTC).astimezone(tz)
            if back.replace(tzinfo=None) != value:
                raise ValidationError(
                    {field: _("This time does not exist in that time zone (the clocks change then). Choose another.")}
                )
            value = aware
        value = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):  # the year 1 or 9999 has no room for a time zone's offset
        raise ValidationError({field: _("Choose a date within two years of today.")}) from None
    if abs(value - now) > HORIZON:
        raise ValidationError({field: _("Choose a date within two years of today.")})
    return value


def _times(starts_at, ends_at, tz_name) -> tuple[dt.datetime, dt.datetime, str]:
    tz = zone(tz_name)
    now = timezone.now()
    starts = _instant(starts_at, "starts_at", tz, now=now)
    ends = _instant(ends_at, "ends_at", tz, now=now)
    if ends <= starts:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    if ends - starts > LONGEST:
        raise ValidationError({"ends_at": _("A meeting lasts at most a day.")})
    return starts, ends, tz.key


def _remind_at(starts_at: dt.datetime) -> dt.datetime | None:
    """The first reminder still ahead: a day before, else an hour before (a meeting planned at
    short notice), else none once the meeting has begun."""
    now = timezone.now()
    if starts_at <= now:
        return None
    day = starts_at - REMIND_BEFORE
    return day if day > now else starts_at - LAST_REMINDER


# --- What a meeting says -------------------------------------------------------------------------


def _details(fields: dict, *, current: Meeting | None = None) -> dict:
    """The validated descriptive fields among `fields` (title, format, place, link, description,
    announced); those not given keep `current`'s values."""
    out = {}
    if "title" in fields or current is None:
        out["title"] = _text(fields.get("title"), "title", max_length=200, required=_("Give the meeting a title."))
    if "format" in fields or current is None:
        value = fields.get("format") or Format.DISCUSSION_CIRCLE
        if value not in Format.values:
            raise ValidationError({"format": _("Choose one of the formats.")})
        out["format"] = value
    if "place" in fields:
        out["place"] = _text(fields["place"], "place", max_length=200)
    if "online_url" in fields:
        out["online_url"] = web_address(fields["online_url"], "online_url")
    if "description" in fields:
        out["description"] = _text(fields["description"], "description", max_length=4000)
    if "announced" in fields:
        out["announced"] = bool(fields["announced"])
    place = out.get("place", current.place if current else "")
    link = out.get("online_url", current.online_url if current else "")
    if not place and not link:
        raise ValidationError({"place": _("Give a place, an online link, or both.")})
    return out


def _agenda(meeting: Meeting, items) -> list[AgendaItem]:
    items = list(items or [])
    if len(items) > MAX_AGENDA:
        raise ValidationError({"agenda": _("An agenda has at most %(max)s items.") % {"max": MAX_AGENDA}})
    rows = []
    for order, item in enumerate(items):
        rows.append(_agenda_row(meeting, order=order, **item))
    return AgendaItem.objects.bulk_create(rows)


def _agenda_row(meeting: Meeting, *, order: int, title, owner=None, minutes=15) -> AgendaItem:
    title = _text(title, "agenda", max_length=200, required=_("Give each agenda item a title."))
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= 600:
        raise ValidationError({"agenda": _("Give each agenda item between 1 and 600 minutes.")})
    return AgendaItem(meeting=meeting, title=title, owner=owner, minutes=minutes, order=order)


def _where(meeting: Meeting) -> dict:
    return meeting.where()


def _lock(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("case", "community").get(pk=meeting.pk)
    access.forget()
    return locked


# --- Scheduling --------------------------------------------------------------------------------


@transaction.atomic
def create_meeting(
    *,
    actor: User,
    starts_at,
    ends_at,
    timezone: str,
    community: Community | None = None,
    case: Case | None = None,
    agenda=(),
    rrule: str = "",
    **fields,
) -> Meeting:
    """Schedule a meeting of a community (its facilitators and leaders) or a case session (the
    case's working group and coordinators, once the group is formed). A case that waits for its
    session ("group formed") moves to "session scheduled" with the session's start.

    With `rrule` (RFC 5545, e.g. FREQ=WEEKLY;INTERVAL=2;COUNT=6) a community's meeting is the first
    of a series: every occurrence is scheduled at once, at the same wall-clock time in the
    organiser's zone. Returns the first meeting."""
    if (community is None) == (case is None):
        raise ValidationError(_("A meeting belongs to a community or to a case."))
    unknown = set(fields) - {"title", "format", "place", "online_url", "description", "announced"}
    if unknown:
        raise TypeError(f"not meeting fields: {sorted(unknown)}")
    if community is not None:
        community_access.allowed(actor, community).need(
            MANAGE_PROGRAM, _("Only the community's facilitators can schedule its meetings.")
        )
    else:
        case = Case.objects.select_for_update(of=("self",)).select_related("school").get(pk=case.pk)
        access.forget()
        case_access.allowed(actor, case).need(
            CASE_CONTRIBUTE, _("Only the working group and the coordinators schedule a session of this case.")
        )
        if case.stage not in CASE_MEETS_FROM:
            raise ValidationError(_("A case session is scheduled once the case's working group is formed."))
        fields["format"] = Format.CASE_SESSION
    starts, ends, tz_name = _times(starts_at, ends_at, timezone)
    details = _details(fields)
    series, occurrences = None, [(starts, ends)]
    rrule = "" if rrule is None else str(rrule)
    if rrule.strip():
        if case is not None:
            raise ValidationError(
                {"rrule": _("A case session does not repeat: schedule the next one when it is needed.")}
            )
        rule, occurrences = recurrence.expand(rrule, starts, ends, tz_name, horizon=HORIZON)
        series = Series.objects.create(community=community, rrule=rule, timezone=tz_name, organiser=actor)
    agenda = list(agenda or [])
    first = None
    for start, end in occurrences:
        meeting = Meeting(
            community=community,
            case=case,
            starts_at=start,
            ends_at=end,
            timezone=tz_name,
            organiser=actor,
            series=series,
            recurrence_id=start if series else None,
            **details,
        )
        meeting.save()
        _agenda(meeting, agenda)
        Participant.objects.create(meeting=meeting, user=actor, rsvp=Rsvp.YES, remind_at=_remind_at(start))
        first = first or meeting
    after = {"starts_at": starts, "ends_at": ends, "timezone": tz_name, "announced": first.announced}
    if series:
        after.update(series=series.pk, rrule=series.rrule, count=len(occurrences))
    record(Verb.MEETING_CREATED, actor=actor, target=first, after=after, **_where(first))
    if case is not None and case.stage == CaseStage.MATCHED:
        cases.move(case, actor=actor, to=CaseStage.SCHEDULED, session_at=starts)
    return first


TIME_FIELDS = ("starts_at", "ends_at", "timezone")


SCOPES = ("this", "following")


def _in_scope(locked: Meeting, scope: str) -> list[Meeting]:
    """The meeting, and with scope "following" the scheduled occurrences of its series after it
    (locked, in order)."""
    if scope not in SCOPES:
        raise ValidationError({"scope": _("Choose this meeting, or this one and the following ones.")})
    if scope == "this" or locked.series_id is None:
        return [locked]
    later = Meeting.objects.select_for_update(of=("self",)).filter(
        series_id=locked.series_id, recurrence_id__gt=locked.recurrence_id, status=Status.SCHEDULED
    )
    return [locked, *later.select_related("community", "case").order_by("recurrence_id", "id")]


@transaction.atomic
def update_meeting(meeting: Meeting, *, actor: User, agenda=None, scope: str = "this", **fields) -> Meeting:
    """Change a scheduled meeting; a change of time or place reaches its participants (and their
    calendars: the sequence goes up). `agenda`, when given, replaces the agenda.

    In a series, scope "following" changes this occurrence and every later one still scheduled:
    a new time moves each by the same wall-clock shift in the (new) zone, so they keep their local
    time across daylight-saving changes; "this" changes this occurrence alone."""
    locked = _lock(meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    if locked.is_cancelled:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    unknown = set(fields) - {"title", "format", "place", "online_url", "description", "announced", *TIME_FIELDS}
    if unknown:
        raise TypeError(f"not meeting fields: {sorted(unknown)}")
    targets = _in_scope(locked, scope)
    if locked.case_id:
        fields.pop("format", None)
    details = _details({k: v for k, v in fields.items() if k not in TIME_FIELDS}, current=locked)
    old_zone = zone(locked.timezone)
    moved = any(name in fields for name in TIME_FIELDS)
    if moved:
        starts, ends, tz_name = _times(
            fields.get("starts_at", recurrence.local(locked.starts_at, old_zone)),
            fields.get("ends_at", recurrence.local(locked.ends_at, old_zone)),
            fields.get("timezone", locked.timezone),
        )
        new_zone = zone(tz_name)
        shift = recurrence.local(starts, new_zone) - recurrence.local(locked.starts_at, old_zone)
        duration = ends - starts
    before, after, changed = {}, {}, []
    now = timezone.now()
    for target in targets:
        changes = dict(details)
        if moved:
            start = starts
            if target is not locked:
                start = recurrence.instant(recurrence.local(target.starts_at, zone(target.timezone)) + shift, new_zone)
                if abs(start - now) > HORIZON:
                    raise ValidationError({"starts_at": _("Choose a date within two years of today.")})
            changes.update(starts_at=start, ends_at=start + duration, timezone=tz_name)
        diff = {name: value for name, value in changes.items() if getattr(target, name) != value}
        if target is locked:
            before = {name: getattr(target, name) for name in diff}
            after = dict(diff)
        for name, value in diff.items():
            setattr(target, name, value)
        if agenda is not None:
            target.agenda.all().delete()
            _agenda(target, agenda)
            diff["agenda"] = len(agenda)
        if not diff:
            continue
        if set(diff) & {"starts_at", "ends_at", "timezone", "place", "online_url", "title"}:
            target.sequence += 1
        target.save()
        if "starts_at" in diff:
            target.participants.exclude(rsvp=Rsvp.NO).update(remind_at=_remind_at(target.starts_at))
        changed.append(target.pk)
    if not changed:
        return locked
    if agenda is not None:
        after["agenda"] = len(agenda)
    if len(targets) > 1:
        after.update(scope="following", meetings=changed)
    record(Verb.MEETING_UPDATED, actor=actor, target=locked, before=before, after=after, **_where(locked))
    if locked.case_id and moved:
        _case_session_follows(locked.case, actor=actor)
    return locked


def _case_session_follows(case: Case, *, actor: User) -> None:
    """The case's `session_at` is the start of its next scheduled session (one not yet over);
    with none left it is cleared once the case is back in "group formed"."""
    upcoming = (
        case.meetings.filter(status=Status.SCHEDULED, ends_at__gte=timezone.now()).order_by("starts_at", "id").first()
    )
    if upcoming is not None:
        cases.set_session_at(case, actor=actor, at=upcoming.starts_at)
    elif Case.objects.filter(pk=case.pk, stage=CaseStage.MATCHED).exists():
        cases.set_session_at(case, actor=actor, at=None)


@transaction.atomic
def cancel_meeting(meeting: Meeting, *, actor: User, reason: str = "", scope: str = "this") -> Meeting:
    """Call a meeting off (with scope "following": the rest of its series too): it stays, marked
    cancelled, and its participants are told. A scheduled case whose only session this was goes
    back to "group formed", with the reason."""
    locked = _lock(meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    targets = [target for target in _in_scope(locked, scope) if not target.is_cancelled]
    if not targets:
        return locked
    reason = _text(reason, "reason", max_length=2000)
    for target in targets:
        target.status = Status.CANCELLED
        target.sequence += 1
        target.save()
        target.participants.update(remind_at=None)
    after = {"status": Status.CANCELLED, "note": reason}
    if len(targets) > 1:
        after.update(scope="following", meetings=[target.pk for target in targets])
    record(
        Verb.MEETING_CANCELLED,
        actor=actor,
        target=locked,
        before={"status": Status.SCHEDULED},
        after=after,
        **_where(locked),
    )
    case = locked.case
    if (
        case is not None
        and case.stage == CaseStage.SCHEDULED
        and not case.meetings.filter(status=Status.SCHEDULED).exists()
    ):
        cases.move(case, actor=actor, to=CaseStage.MATCHED, note=reason or _("The session was cancelled."))
    if case is not None:
        _case_session_follows(case, actor=actor)
    return locked


# --- Agenda ------------------------------------------------------------------------------------


@transaction.atomic
def add_agenda_item(meeting: Meeting, *, actor: User, title: str, owner: User | None = None, minutes=15) -> AgendaItem:
    locked = _lock(meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    count = locked.agenda.count()
    if count >= MAX_AGENDA:
        raise ValidationError({"agenda": _("An agenda has at most %(max)s items.") % {"max": MAX_AGENDA}})
    if owner is not None and not _sees(owner, locked):
        raise ValidationError({"owner": _("This person cannot see the meeting.")})
    item = _agenda_row(locked, order=count, title=title, owner=owner, minutes=minutes)
    item.save()
    record(Verb.MEETING_AGENDA, actor=actor, target=locked, after={"added": item.title}, **_where(locked))
    return item


@transaction.atomic
def remove_agenda_item(item: AgendaItem, *, actor: User) -> None:
    locked = _lock(item.meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    title = item.title
    item.delete()
    record(Verb.MEETING_AGENDA, actor=actor, target=locked, before={"removed": title}, **_where(locked))


# --- Who comes -----------------------------------------------------------------------------------


def _sees(person: User, meeting: Meeting) -> bool:
    """Whether `person` may see the meeting if invited: anyone for a community's meeting (the
    invitation is what lets them see it), whoever may view the case for a case session."""
    if not person.is_active:
        return False
    if meeting.case_id:
        return CASE_VIEW in case_access.allowed(person, meeting.case)
    return True


@transaction.atomic
def invite(meeting: Meeting, *, actor: User, people) -> list[Participant]:
    """Invite people (matched experts, the requester, guests). Those already in the meeting are
    skipped; for a case session, only people who may view the case can come."""
    locked = _lock(meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    if locked.is_cancelled:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    people = list({person.pk: person for person in people}.values())
    if not people:
        raise ValidationError({"people": _("Choose whom to invite.")})
    if len(people) > MAX_INVITES:
        raise ValidationError({"people": _("Invite at most %(max)s people at once.") % {"max": MAX_INVITES}})
    for person in people:
        if not _sees(person, locked):
            message = (
                _("%(name)s cannot see this case: add them to its working group first.")
                if locked.case_id and person.is_active
                else _("You cannot invite %(name)s.")
            )
            raise ValidationError({"people": message % {"name": person.display_name}})
    present = set(locked.participants.values_list("user_id", flat=True))
    added = []
    for person in people:
        if person.pk in present:
            continue
        added.append(
            Participant.objects.create(
                meeting=locked, user=person, invited_by=actor, remind_at=_remind_at(locked.starts_at)
            )
        )
        record(Verb.MEETING_INVITED, actor=actor, target=locked, after={"person": person.pk}, **_where(locked))
    return added


@transaction.atomic
def sign_up(meeting: Meeting, *, actor: User) -> Participant:
    """A member signs up for an announced meeting (and is counted as coming)."""
    locked = _lock(meeting)
    allowed = meeting_access.allowed(actor, locked)
    if RESPOND in allowed:
        return locked.participants.get(user=actor)
    allowed.need(SIGN_UP)
    if locked.ends_at <= timezone.now():
        raise ValidationError(_("This meeting has already ended."))
    place = Participant.objects.create(
        meeting=locked, user=actor, rsvp=Rsvp.YES, remind_at=_remind_at(locked.starts_at)
    )
    record(Verb.MEETING_SIGNED_UP, actor=actor, target=locked, **_where(locked))
    return place


def _my_place(locked: Meeting, actor: User) -> Participant:
    meeting_access.allowed(actor, locked).need(RESPOND)
    return Participant.objects.select_for_update().get(meeting=locked, user=actor)


@transaction.atomic
def respond(meeting: Meeting, *, actor: User, rsvp: str) -> Participant:
    """A participant answers yes, no or maybe."""
    locked = _lock(meeting)
    place = _my_place(locked, actor)
    if rsvp not in (Rsvp.YES, Rsvp.NO, Rsvp.MAYBE):
        raise ValidationError({"rsvp": _("Answer yes, no or maybe.")})
    if place.rsvp == rsvp:
        return place
    before = place.rsvp
    place.rsvp = rsvp
    place.remind_at = None if rsvp == Rsvp.NO else _remind_at(locked.starts_at)
    place.save(update_fields=["rsvp", "remind_at"])
    record(
        Verb.MEETING_RSVP, actor=actor, target=locked, before={"rsvp": before}, after={"rsvp": rsvp}, **_where(locked)
    )
    return place


@transaction.atomic
def mark_prepared(meeting: Meeting, *, actor: User, prepared: bool = True) -> Participant:
    """A participant says they studied the preparation list (or takes it back). In a case session,
    a member of the case's working group is marked on the case as well."""
    locked = _lock(meeting)
    place = _my_place(locked, actor)
    if bool(place.prepared_at) == prepared:
        return place
    place.prepared_at = timezone.now() if prepared else None
    place.save(update_fields=["prepared_at"])
    record(Verb.MEETING_PREPARED, actor=actor, target=locked, after={"prepared": prepared}, **_where(locked))
    if locked.case_id and CaseMember.objects.filter(case_id=locked.case_id, user=actor).exists():
        cases.mark_prepared(locked.case, actor=actor, prepared=prepared)
    return place


# --- A community meeting's preparation list ------------------------------------------------------

MAX_PREPARATION = 100


def may_add_source(meeting: Meeting, allowed) -> bool:
    """The organiser (and whoever manages the meeting) and its participants add sources to a
    scheduled community meeting; a case session reads its case's list (added on the case's page)."""
    if meeting.case_id or meeting.is_cancelled:
        return False
    return MANAGE in allowed or RESPOND in allowed


def may_remove_source(actor: User, item: PreparationItem, allowed) -> bool:
    """Who added it (while they may add), or whoever manages the meeting."""
    return MANAGE in allowed or (item.added_by_id == actor.pk and RESPOND in allowed)


@transaction.atomic
def add_source(
    meeting: Meeting, *, actor: User, title: str = "", url: str = "", note: str = "", product=None
) -> PreparationItem:
    """A participant or the organiser adds a source to read before a community meeting, with a
    note on why it helps (the reading list of seed 004, stage 4): a link, or a library product the
    actor may see (its title when none is given)."""
    locked = _lock(meeting)
    allowed = meeting_access.allowed(actor, locked)
    allowed.need(VIEW)
    if locked.case_id:
        raise ValidationError(_("The sources of a case session are added on the case's page."))
    if locked.is_cancelled:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    if not may_add_source(locked, allowed):
        raise PermissionDenied(_("Only the participants and the organiser add sources."))
    if product is not None:
        from halqa.library.access import product_access

        if product_access.read_action not in product_access.allowed(actor, product):
            raise ValidationError({"product": _("Choose a library item you can see.")})
        if title is None or not str(title).strip():
            title = product.title[:200]
    fields = source_fields(title, url, note)
    if PreparationItem.objects.filter(meeting=locked).count() >= MAX_PREPARATION:
        raise ValidationError({"title": _("A reading list has at most %(max)s sources.") % {"max": MAX_PREPARATION}})
    item = PreparationItem.objects.create(meeting=locked, product=product, added_by=actor, **fields)
    if product is not None:  # a use of the library item ("most used")
        from halqa.library.services import record_use

        record_use(product, actor=actor, how="source")
    record(
        Verb.MEETING_PREPARATION_ADDED,
        actor=actor,
        target=locked,
        after={"item": item.pk, "title": fields["title"], **({"product": product.pk} if product is not None else {})},
        **_where(locked),
    )
    return item


@transaction.atomic
def remove_source(item: PreparationItem, *, actor: User) -> None:
    locked = _lock(item.meeting)
    allowed = meeting_access.allowed(actor, locked)
    allowed.need(VIEW)
    if not may_remove_source(actor, item, allowed):
        raise PermissionDenied(_("Only who added it or the organiser removes a source."))
    title, item_pk = item.title, item.pk
    item.delete()
    record(
        Verb.MEETING_PREPARATION_REMOVED,
        actor=actor,
        target=locked,
        before={"item": item_pk, "title": title},
        **_where(locked),
    )


def _begun(locked: Meeting, what: str) -> None:
    if locked.is_cancelled:
        raise ValidationError(_("A cancelled meeting cannot be changed."))
    if locked.starts_at > timezone.now() + EARLY:
        raise ValidationError({what: _("This is done once the meeting has begun.")})


@transaction.atomic
def take_attendance(meeting: Meeting, *, actor: User, present) -> int:
    """The organiser (or a facilitator) marks who attended: `present` is the ids of participants
    who came; every other participant is marked absent. Returns how many came."""
    locked = _lock(meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    _begun(locked, "present")
    try:
        present = {int(getattr(pk, "pk", pk)) for pk in present}
    except (TypeError, ValueError):
        raise ValidationError({"present": _("Choose participants of the meeting.")}) from None
    known = set(locked.participants.values_list("user_id", flat=True))
    if present - known:
        raise ValidationError({"present": _("Choose participants of the meeting.")})
    locked.participants.filter(user_id__in=sorted(present)).update(attended=True)
    locked.participants.exclude(user_id__in=sorted(present)).update(attended=False)
    record(
        Verb.MEETING_ATTENDANCE,
        actor=actor,
        target=locked,
        after={"present": len(present), "of": len(known)},
        **_where(locked),
    )
    return len(present)


# --- Minutes and action items ------------------------------------------------------------------

CASE_NOTE_FIELDS = ("discussed", "experience", "options", "will_produce")


@transaction.atomic
def write_minutes(
    meeting: Meeting,
    *,
    actor: User,
    notes: str = "",
    decisions: str = "",
    discussed: str = "",
    experience: str = "",
    options: str = "",
    will_produce: str = "",
    advance: bool = False,
) -> Minutes:
    """Write (or rewrite) the minutes of a meeting that has begun. For a case session the template's
    parts (the story understood, what others have met before, options, what we will produce) are the
    case's session notes: the first writing adds them to the case, later ones change them there; with
    `advance` the case moves on to "drafting the solution" through its transition table."""
    locked = _lock(meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    _begun(locked, "notes")
    notes = _text(notes, "notes", max_length=20000)
    decisions = _text(decisions, "decisions", max_length=8000)
    minutes = Minutes.objects.select_for_update().filter(meeting=locked).first()
    session_note = minutes.session_note if minutes else None
    if locked.case_id:
        parts = {"discussed": discussed, "experience": experience, "options": options, "will_produce": will_produce}
        written = any(str(value or "").strip() for value in parts.values())
        if session_note is None:
            # Notes already written on the case page for this session are linked, not written twice.
            found = (
                SessionNote.objects.filter(
                    case_id=locked.case_id,
                    held_at__gte=locked.starts_at - EARLY,
                    held_at__lte=locked.ends_at + EARLY,
                    minutes__isnull=True,
                )
                .order_by("held_at", "id")
                .first()
            )
            if found is None:
                session_note = cases.add_session_note(locked.case, actor=actor, held_at=locked.starts_at, **parts)
            else:
                session_note = cases.update_session_note(found, actor=actor, **parts) if written else found
        else:
            session_note = cases.update_session_note(session_note, actor=actor, **parts)
    elif not notes and not decisions:
        raise ValidationError({"notes": _("Write the notes or the decisions.")})
    created = minutes is None
    if created:
        minutes = Minutes(meeting=locked)
    minutes.notes, minutes.decisions, minutes.session_note, minutes.author = notes, decisions, session_note, actor
    minutes.save()
    if advance and locked.case_id:
        _advance_after_session(locked.case, actor=actor)
    record(
        Verb.MEETING_MINUTES,
        actor=actor,
        target=locked,
        after={"minutes": minutes.pk, "first": created, "session_note": getattr(session_note, "pk", None)},
        **_where(locked),
    )
    return minutes


# After its session, a case goes on to the writing of the solution, one move of the table at a time.
AFTER_SESSION = {
    CaseStage.SCHEDULED: CaseStage.PREPARING,
    CaseStage.PREPARING: CaseStage.IN_SESSION,
    CaseStage.IN_SESSION: CaseStage.DRAFTING,
}


def _advance_after_session(case: Case, *, actor: User) -> None:
    """Move the case on to "drafting the solution" through the case's own transitions (each one
    checked and recorded as if made on the case page); nothing when it is there or beyond."""
    case = Case.objects.get(pk=case.pk)
    while case.stage in AFTER_SESSION:
        case = cases.move(case, actor=actor, to=AFTER_SESSION[case.stage])


def _due(value, field: str = "due_on") -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: _("Give a date.")})
    today = timezone.localdate()
    if abs(value - today) > HORIZON:
        raise ValidationError({field: _("Choose a date within two years of today.")})
    return value


@transaction.atomic
def add_action_item(meeting: Meeting, *, actor: User, text: str, owner: User, due_on=None) -> ActionItem:
    """Someone will do something: it sits on their home page until they mark it done. The owner is
    a participant of the meeting."""
    locked = _lock(meeting)
    meeting_access.allowed(actor, locked).need(MANAGE)
    body = _text(text, "text", max_length=500, required=_("Say what is to be done."))
    if owner is None or not locked.participants.filter(user=owner).exists() or not owner.is_active:
        raise ValidationError({"owner": _("Give the action item to a participant of the meeting.")})
    item = ActionItem.objects.create(meeting=locked, text=body, owner=owner, due_on=_due(due_on), created_by=actor)
    record(
        Verb.MEETING_ACTION_ADDED,
        actor=actor,
        target=locked,
        after={"item": item.pk, "owner": owner.pk, "text": body[:200]},
        **_where(locked),
    )
    return item


def may_complete(actor: User, item: ActionItem) -> bool:
    allowed = meeting_access.allowed(actor, item.meeting)
    return bool(allowed) and (item.owner_id == actor.pk or MANAGE in allowed)


@transaction.atomic
def complete_action_item(item: ActionItem, *, actor: User, done: bool = True) -> ActionItem:
    """Its owner (or whoever manages the meeting) marks it done, or open again."""
    locked = ActionItem.objects.select_for_update(of=("self",)).select_related("meeting__case").get(pk=item.pk)
    access.forget()
    allowed = meeting_access.allowed(actor, locked.meeting)
    allowed.need(VIEW)
    if not may_complete(actor, locked):
        raise PermissionDenied(_("Only its owner or the organiser marks an action item done."))
    if bool(locked.done_at) == done:
        return locked
    locked.done_at = timezone.now() if done else None
    locked.save(update_fields=["done_at"])
    record(
        Verb.MEETING_ACTION_DONE,
        actor=actor,
        target=locked.meeting,
        after={"item": locked.pk, "done": done},
        **_where(locked.meeting),
    )
    return locked


# --- The personal calendar feed --------------------------------------------------------------------


def renew_feed(*, actor: User, request=None) -> str:
    """Make the person's calendar-feed key anew and return it (shown once: only its hash is kept).
    The previous key, if any, stops working at once."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        existed = CalendarFeed.objects.filter(user=actor).exists()
        CalendarFeed.objects.update_or_create(
            user=actor, defaults={"key_hash": hash_key(key), "created_at": timezone.now()}
        )
        record(Verb.MEETING_FEED_RENEWED, actor=actor, after={"replaced": existed}, request=request)
    return key


def stop_feed(*, actor: User, request=None) -> bool:
    """Revoke the person's calendar feed; its URL answers 404 from now on."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    with transaction.atomic():
        deleted, _by_model = CalendarFeed.objects.filter(user=actor).delete()
        if deleted:
            record(Verb.MEETING_FEED_STOPPED, actor=actor, request=request)
    return bool(deleted)


def feed_owner(key: str) -> User | None:
    """The active person whose feed key this is; None for a wrong, revoked or malformed key."""
    if not isinstance(key, str) or not (20 <= len(key) <= MAX_KEY_LENGTH) or "\x00" in key:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
