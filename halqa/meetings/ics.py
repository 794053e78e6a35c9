"""One meeting as an iCalendar file (RFC 5545), written here without a library.

The event keeps the organiser's zone (DTSTART;TZID=…) with a VTIMEZONE built from zoneinfo's
transitions around the meeting, so a calendar shows the right time across daylight-saving changes;
UID is stable per meeting and site, SEQUENCE rises with every change a calendar should pick up, and
a cancelled meeting says STATUS:CANCELLED (a calendar that imported it removes or strikes it).
Text is escaped (backslash, semicolon, comma, newline) and lines are folded at 75 octets without
splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from .models import Meeting, Status

PRODID = "-//Halqa//Meetings//EN"


def escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """A content line folded to at most 75 octets per physical line (RFC 5545 3.1)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def transitions(zone: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The UTC instants in [start, end) at which `zone`'s offset or name changes (to the minute)."""

    def state(moment):
        local = moment.astimezone(zone)
        return local.utcoffset(), local.tzname()

    found = []
    moment = start
    step = dt.timedelta(days=1)
    while moment < end:
        following = min(moment + step, end)
        if state(moment) != state(following):
            low, high = moment, following
            while high - low > dt.timedelta(minutes=1):
                middle = low + (high - low) / 2
                if state(middle) == state(low):
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
        moment = following
    return found


def vtimezone(zone: zoneinfo.ZoneInfo, around: dt.datetime, until: dt.datetime) -> list[str]:
    """VTIMEZONE lines for `zone`, with the observances from a year before `around` to a year after
    `until` (one observance from 1970 when the zone did not change then)."""
    start, end = around - dt.timedelta(days=366), until + dt.timedelta(days=366)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    changes = transitions(zone, start, end)
    if not changes:
        local = around.astimezone(zone)
        offset = _offset(local.utcoffset())
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            f"TZNAME:{escape(local.tzname() or zone.key)}",
            "END:STANDARD",
        ]
    for change in changes:
        before = (change - dt.timedelta(minutes=1)).astimezone(zone)
        after = change.astimezone(zone)
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        wall = (change + before.utcoffset()).replace(tzinfo=None)  # on the clock before the change
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{wall:%Y%m%dT%H%M%S}",
            f"TZOFFSETFROM:{_offset(before.utcoffset())}",
            f"TZOFFSETTO:{_offset(after.utcoffset())}",
            f"TZNAME:{escape(after.tzname() or zone.key)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def calendar(meeting: Meeting, *, host: str, url: str) -> str:
    """The meeting as a VCALENDAR with one VEVENT (CRLF line ends)."""
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *vtimezone(zone, meeting.starts_at, meeting.ends_at),
        *vevent(meeting, host=host, url=url),
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def feed(meetings, *, host: str, url_of, name: str) -> str:
    """A person's calendar feed: every meeting given as a VEVENT (the same as its own file), with
    one VTIMEZONE per zone spanning them all (CRLF line ends). `url_of(meeting)` is its page."""
    meetings = list(meetings)
    spans: dict[str, list[dt.datetime]] = {}
    for meeting in meetings:
        low, high = spans.setdefault(meeting.timezone, [meeting.starts_at, meeting.ends_at])
        spans[meeting.timezone] = [min(low, meeting.starts_at), max(high, meeting.ends_at)]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for zone_name, (low, high) in sorted(spans.items()):
        lines += vtimezone(zoneinfo.ZoneInfo(zone_name), low, high)
    for meeting in meetings:
        lines += vevent(meeting, host=host, url=url_of(meeting))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def vevent(meeting: Meeting, *, host: str, url: str) -> list[str]:
    """One meeting's VEVENT lines (unfolded)."""
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    starts, ends = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    location = ", ".join(part for part in (meeting.place, meeting.online_url) if part)
    description = "\n\n".join(part for part in (meeting.description, url) if part)
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART;TZID={zone.key}:{starts:%Y%m%dT%H%M%S}",
        f"DTEND;TZID={zone.key}:{ends:%Y%m%dT%H%M%S}",
        f"SUMMARY:{escape(meeting.title)}",
        f"SEQUENCE:{meeting.sequence}",
        f"STATUS:{'CANCELLED' if meeting.status == Status.CANCELLED else 'CONFIRMED'}",
        f"LAST-MODIFIED:{_utc(meeting.updated_at)}",
        f"URL:{url}",
    ]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    if meeting.series_id and meeting.recurrence_id:
        lines.append(f"X-HALQA-SERIES:{meeting.series_id}")
    lines.append("END:VEVENT")
    return lines
