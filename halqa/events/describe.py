"""Events in words: a sentence for a community's recent activity, and the audit page's changes with
the fields' own labels and choice names instead of raw keys and codes.

The trail stores machine values (`{"role": "member"}`, ISO dates, ids); what a reader sees is made
here, in the reader's language, time zone and calendar, from the target model's field definitions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Event, Verb

LONG_TEXT = 80  # characters of a before/after value shown on the audit page

# Keys the services record that are not fields of the target model (or whose field has no
# translated name of its own).
EXTRA_LABELS = {
    "note": gettext_lazy("note"),
    "members": gettext_lazy("members"),
    "membership": gettext_lazy("school membership"),
    "superseded_by": gettext_lazy("superseded by"),
    "verification_code": gettext_lazy("verification code"),
    "signed_by_title": gettext_lazy("signer's title"),
    "email": gettext_lazy("email"),
    "type": gettext_lazy("type"),
    "status": gettext_lazy("status"),
    "name": gettext_lazy("name"),
    "prefix": gettext_lazy("visible prefix"),
    "read_only": gettext_lazy("read only"),
    "expires_at": gettext_lazy("expires"),
    "revoked_at": gettext_lazy("revoked"),
}
# Choice names of values that are not a model field's choices (an invitation's status is computed).
EXTRA_CHOICES = {
    ("orgs", "invitation", "status"): {
        "pending": gettext_lazy("Pending"),
        "accepted": gettext_lazy("Accepted"),
        "revoked": gettext_lazy("Revoked"),
        "expired": gettext_lazy("Expired"),
    },
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class AuditRow:
    event: Event
    what: str
    changes: list[Change]


def _model_of(event: Event) -> type[models.Model] | None:
    if not event.target_type_id:
        return None
    return ContentType.objects.get_for_id(event.target_type_id).model_class()  # cached after the first


def _field(model, key: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    # A reverse relation (a meeting's "minutes", its "agenda") is no field of the row: a key of that
    # name in before/after is plain data.
    return None if field.auto_created and not field.concrete else field


def _label(model, key: str) -> str:
    field = _field(model, key)
    if key in EXTRA_LABELS and (field is None or field.verbose_name == key.replace("_", " ")):
        return capfirst(str(EXTRA_LABELS[key]))
    if field is not None and getattr(field, "verbose_name", None):
        return capfirst(str(field.verbose_name))
    return capfirst(key.replace("_", " "))


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _moment(text: str) -> dt.datetime | dt.date | None:
    """The date or time an ISO string recorded by `events.trail` stands for, if it is one."""
    if not ISO_DATE.match(text):
        return None
    try:
        if len(text) == 10:
            return parse_date(text)
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _unchanged(before: dict, after: dict, key: str) -> bool:
    """Recorded on both sides with the same value (a membership's status when only its role
    changed), or empty on both."""
    if key in before and key in after and before[key] == after[key]:
        return True
    return before.get(key) in (None, "", []) and after.get(key) in (None, "", [])


class _Formatter:
    """Turns recorded values into text for one reader; related rows are named in one query per model."""

    def __init__(self, viewer, events: list[Event]):
        self.calendar = getattr(viewer, "calendar", "gregorian") or "gregorian"
        self.tz_name = getattr(viewer, "time_zone", None)
        self.names: dict[tuple[type, object], str] = {}
        wanted: dict[type, set] = defaultdict(set)
        for event in events:
            model = _model_of(event)
            for side in (event.before, event.after):
                if not isinstance(side, dict):
                    continue
                for key, value in side.items():
                    field = _field(model, key)
                    if field is not None and field.many_to_one and isinstance(value, int):
                        wanted[field.related_model].add(value)
        for related, ids in wanted.items():
            for obj in related._default_manager.filter(pk__in=ids):
                self.names[(related, obj.pk)] = str(obj)

    def value(self, model, key: str, value) -> str | None:
        from halqa.core.calendars import format_date

        if value is None:
            return None
        field = _field(model, key)
        choices = EXTRA_CHOICES.get((model._meta.app_label, model._meta.model_name, key)) if model else None
        if choices is None and field is not None and field.choices:
            choices = dict(field.flatchoices)
        if choices is not None and isinstance(value, str | int) and value in choices:
            return str(choices[value])
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if field is not None and field.many_to_one and isinstance(value, int):
            return self.names.get((field.related_model, value), f"#{value}")
        if isinstance(value, str):
            moment = _moment(value)
            if isinstance(moment, dt.datetime):
                return format_date(moment, calendar=self.calendar, tz_name=self.tz_name, with_time=True)
            if isinstance(moment, dt.date):
                return format_date(moment, calendar=self.calendar)
            return Truncator(" ".join(value.split())).chars(LONG_TEXT)
        if isinstance(value, list):
            parts = [self.value(None, key, item) or "" for item in value]
            return Truncator(", ".join(parts)).chars(LONG_TEXT)
        if isinstance(value, dict):
            return Truncator(", ".join(f"{k}: {v}" for k, v in value.items())).chars(LONG_TEXT)
        return str(value)

    def changes(self, event: Event) -> list[Change]:
        model = _model_of(event)
        before, after = event.before, event.after
        if not isinstance(before, dict | type(None)) or not isinstance(after, dict | type(None)):
            return [Change("", self.value(None, "", before), self.value(None, "", after))]
        before, after = before or {}, after or {}
        keys = list(before) + [k for k in after if k not in before]
        keys = [k for k in keys if not _unchanged(before, after, k)]
        if model is not None:  # in the form's order (jsonb keeps its own order of keys)
            order = {field.name: n for n, field in enumerate(model._meta.get_fields())}
            keys.sort(key=lambda k: order.get(k, len(order)))
        return [
            Change(_label(model, key), self.value(model, key, before.get(key)), self.value(model, key, after.get(key)))
            for key in keys
        ]


def audit_rows(events, viewer) -> list[AuditRow]:
    """The audit page's rows: the event, what happened in words, and each change with its field's
    name and the values as a reader says them (choice names, dates in the reader's calendar,
    related rows by name, long text cut short)."""
    events = list(events)
    formatter = _Formatter(viewer, events)
    return [AuditRow(event, event.get_verb_display(), formatter.changes(event)) for event in events]


class ChangeWriter:
    """The changes of one event as one line of text ("Role: Member → Expert; …"), for the CSV's
    column in words. Rows are named by id there: the export stays one query however long."""

    def __init__(self, viewer):
        self.formatter = _Formatter(viewer, [])

    def line(self, event: Event) -> str:
        parts = []
        for change in self.formatter.changes(event):
            sides = " → ".join(side for side in (change.before, change.after) if side is not None)
            parts.append(f"{change.label}: {sides}" if change.label else sides)
        return "; ".join(parts)


# --- A community's recent activity -------------------------------------------------------------


def _role(value) -> str:
    from halqa.communities.models import Role

    return str(Role(value).label) if value in Role.values else str(value or "")


def actor_name(event: Event) -> str:
    if event.actor_id and event.actor is not None:
        return str(event.actor)
    return event.actor_label or _("Someone")


def _say(sentence: str, values: dict) -> str:
    """`sentence % values` with each value escaped and isolated (<bdi>), so an Arabic name in an
    English sentence, or the reverse, does not reorder the words around it."""
    template = re.sub(r"%\((\w+)\)s", r"{\1}", sentence.replace("{", "{{").replace("}", "}}")).replace("%%", "%")
    return format_html(template, **{key: format_html("<bdi>{}</bdi>", value) for key, value in values.items()})


def activity_sentence(event: Event) -> tuple[str, str]:
    """(who, sentence) for one event of a community's recent activity, in the active language."""
    who = actor_name(event)
    member = event.target_label or _("Someone")
    after = event.after if isinstance(event.after, dict) else {}
    thing = event.target_label
    verb = event.verb
    if verb == Verb.COMMUNITY_CREATED:
        return who, _say(_("%(who)s created the community"), {"who": who})
    if verb == Verb.COMMUNITY_UPDATED:
        return who, _say(_("%(who)s changed the community's details"), {"who": who})
    if verb == Verb.CHARTER_EDITED:
        return who, _say(_("%(who)s edited the charter"), {"who": who})
    if verb == Verb.GOAL_ADDED:
        return who, _say(_("%(who)s added the goal “%(goal)s”"), {"who": who, "goal": thing})
    if verb == Verb.GOAL_UPDATED:
        return who, _say(_("%(who)s changed the goal “%(goal)s”"), {"who": who, "goal": thing})
    if verb == Verb.GOAL_DELETED:
        return who, _say(_("%(who)s removed the goal “%(goal)s”"), {"who": who, "goal": thing})
    if verb == Verb.PROGRESS_RECORDED:
        return who, _say(
            _("%(who)s set the progress of “%(goal)s” to %(progress)s%%"),
            {
                "who": who,
                "goal": thing,
                "progress": after.get("progress", "?"),
            },
        )
    if verb in (Verb.INVITATION_ACCEPTED, Verb.REQUEST_ACCEPTED):
        return member, _say(_("%(who)s joined as %(role)s"), {"who": member, "role": _role(after.get("role"))})
    if verb == Verb.ROLE_CHANGED:
        return who, _say(
            _("%(who)s changed the role of %(member)s to %(role)s"),
            {
                "who": who,
                "member": member,
                "role": _role(after.get("role")),
            },
        )
    if verb == Verb.MEMBER_ACTIVITY_SET:
        if after.get("role"):
            return member, _say(_("%(who)s now takes part as %(role)s"), {"who": member, "role": _role(after["role"])})
        if after.get("activity"):
            return member, _say(
                _("%(who)s takes on “%(activity)s”"),
                {
                    "who": member,
                    "activity": Truncator(after["activity"]).chars(LONG_TEXT),
                },
            )
        return member, _say(_("%(who)s changed what they take on"), {"who": member})
    if verb == Verb.MEMBER_LEFT:
        return member, _say(_("%(who)s left the community"), {"who": member})
    if verb == Verb.MEMBER_REMOVED:
        return who, _say(_("%(who)s removed %(member)s from the community"), {"who": who, "member": member})
    if verb == Verb.MEMBER_INVITED:
        return who, _say(
            _("%(who)s invited %(member)s as %(role)s"),
            {
                "who": who,
                "member": member,
                "role": _role(after.get("role")),
            },
        )
    if verb == Verb.JOIN_REQUESTED:
        return member, _say(_("%(who)s asked to join"), {"who": member})
    if verb == Verb.INVITATION_DECLINED:
        return member, _say(_("%(who)s declined the invitation"), {"who": member})
    if verb == Verb.REQUEST_DECLINED:
        return who, _say(_("%(who)s declined the request of %(member)s"), {"who": who, "member": member})
    if verb == Verb.ACTIVITY_ADDED:
        return who, _say(_("%(who)s added “%(title)s” to the work program"), {"who": who, "title": thing})
    if verb == Verb.ACTIVITY_UPDATED:
        return who, _say(_("%(who)s changed “%(title)s” in the work program"), {"who": who, "title": thing})
    if verb == Verb.ACTIVITY_DELETED:
        return who, _say(_("%(who)s removed “%(title)s” from the work program"), {"who": who, "title": thing})
    if verb == Verb.DECISION_DRAFTED:
        return who, _say(_("%(who)s drafted a decision"), {"who": who})
    if verb == Verb.DECISION_UPDATED:
        return who, _say(_("%(who)s edited the draft decision"), {"who": who})
    if verb == Verb.DECISION_DELETED:
        return who, _say(_("%(who)s deleted a draft decision"), {"who": who})
    if verb == Verb.DECISION_SIGNED:
        return who, _say(
            _("%(who)s signed decision %(code)s"),
            {
                "who": who,
                "code": after.get("verification_code") or thing,
            },
        )
    return who, format_html("<bdi>{}</bdi>: {}", who, event.get_verb_display())
