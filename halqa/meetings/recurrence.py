"""Recurring meetings (RFC 5545 RRULE, through python-dateutil): a rule is checked and expanded
from the first meeting's wall-clock start in the organiser's zone, so an occurrence after a
daylight-saving change starts at the same local time (18:00 stays 18:00, its UTC moves).

Refused with a sentence: a rule that is not one, a series without an end (COUNT or UNTIL), a
frequency below a day, more than `MAX_OCCURRENCES` meetings, or a meeting beyond the horizon.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil import rrule as dateutil_rrule
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_OCCURRENCES = 52
FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# What the schedule form offers, from a community's cadence.
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _parts(text: str) -> dict[str, str]:
    parts = {}
    for piece in text.split(";"):
        if "=" not in piece:
            raise ValueError(piece)
        key, value = piece.split("=", 1)
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def normalise(text) -> str:
    """The rule as stored: upper case, without an "RRULE:" prefix; refused if it is not a usable rule."""
    text = "" if text is None else str(text)
    if "\x00" in text or len(text) > 300:
        raise ValidationError({"rrule": _("This is not a repetition rule.")})
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    try:
        parts = _parts(text)
    except ValueError:
        raise ValidationError({"rrule": _("This is not a repetition rule.")}) from None
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError({"rrule": _("Repeat daily, weekly, monthly or yearly.")})
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise ValidationError({"rrule": _("A series needs an end: a number of meetings or a last date.")})
    if "DTSTART" in parts or "TZID" in parts:
        raise ValidationError({"rrule": _("This is not a repetition rule.")})
    return ";".join(f"{key}={value}" for key, value in parts.items())


def local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A moment as the wall clock of `zone` shows it (naive)."""
    return moment.astimezone(zone).replace(tzinfo=None)


def instant(wall: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A wall-clock time of `zone` as a UTC moment. A time the clocks skip is read with the offset
    before the change (RFC 5545 3.3.5): 02:30 on a spring-forward night becomes 03:30."""
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)


def expand(text, starts: dt.datetime, ends: dt.datetime, tz_name: str, *, horizon: dt.timedelta):
    """(the stored rule, [(start, end)] of every occurrence in UTC), the first at `starts`."""
    rule_text = normalise(text)
    zone = zoneinfo.ZoneInfo(tz_name)
    first = local(starts, zone)
    duration = ends - starts
    try:
        rule = dateutil_rrule.rrulestr(rule_text, dtstart=first)
        walls = []
        for wall in rule:
            walls.append(wall)
            if len(walls) > MAX_OCCURRENCES:
                break
    except (ValueError, TypeError, OverflowError):
        raise ValidationError({"rrule": _("This is not a repetition rule.")}) from None
    if len(walls) > MAX_OCCURRENCES:
        raise ValidationError({"rrule": _("A series has at most %(max)s meetings.") % {"max": MAX_OCCURRENCES}})
    if len(walls) < 2 or walls[0] != first:
        raise ValidationError({"rrule": _("The rule must repeat the first meeting at least once.")})
    now = timezone.now()
    occurrences = []
    for wall in walls:
        try:
            start = instant(wall, zone)
        except (OverflowError, ValueError):
            start = None
        if start is None or abs(start - now) > horizon:
            raise ValidationError({"rrule": _("Every meeting of the series must be within two years of today.")})
        occurrences.append((start, start + duration))
    return rule_text, occurrences


def rule_for(cadence: str, first: dt.datetime, count: int) -> str:
    """The rule the schedule form builds: weekly, every two weeks, or monthly on the first meeting's
    nth weekday (the last one when it is the fifth)."""
    if cadence == "weekly":
        return f"FREQ=WEEKLY;COUNT={count}"
    if cadence == "biweekly":
        return f"FREQ=WEEKLY;INTERVAL=2;COUNT={count}"
    if cadence == "monthly":
        nth = (first.day - 1) // 7 + 1
        return f"FREQ=MONTHLY;BYDAY={'-1' if nth == 5 else f'+{nth}'}{WEEKDAYS[first.weekday()]};COUNT={count}"
    raise ValueError(cadence)
