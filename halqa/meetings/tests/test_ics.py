"""A meeting as an iCalendar file: read back line by line (unfolded) and checked against RFC 5545's
rules that calendars rely on — CRLF, 75-octet lines, balanced components, UID/DTSTAMP/SEQUENCE,
the organiser's zone with a VTIMEZONE whose observances give the same offset as zoneinfo on the
day, STATUS:CANCELLED, escaped text; only for whoever may see the meeting."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from halqa.communities.models import Role, Visibility
from halqa.communities.tests.factories import CommunityFactory
from halqa.meetings import ics, services

pytestmark = pytest.mark.django_db


def parse(body: bytes) -> list[tuple[str, dict, str]]:
    """(name, parameters, value) of every content line, after checking the physical lines."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n")
    physical = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    logical = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    parsed, stack = [], []
    for line in logical:
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        parsed.append((name, dict(p.split("=", 1) for p in params), value))
        if name == "BEGIN":
            stack.append(value)
        elif name == "END":
            assert stack.pop() == value
    assert not stack
    return parsed


def unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


def component(lines, kind):
    """The lines of each component `kind`, as lists."""
    found, current, depth = [], None, 0
    for name, params, value in lines:
        if name == "BEGIN" and value == kind:
            current, depth = [], 1
            continue
        if current is not None:
            if name == "BEGIN":
                depth += 1
            if name == "END":
                depth -= 1
                if depth == 0 and value == kind:
                    found.append(current)
                    current = None
                    continue
            current.append((name, params, value))
    return found


@pytest.fixture
def c(world):
    w = world
    w.community = CommunityFactory(
        school=w.school, visibility=Visibility.MEMBERS, facilitator=w.colleague, members={Role.MEMBER: [w.expert]}
    )
    start = dt.datetime(2027, 3, 30, 18, 0)  # two days after Berlin's clocks go forward
    w.meeting = services.create_meeting(
        actor=w.colleague,
        community=w.community,
        title="Fractions; ratios, and a long Arabic note: قراءة بطاقات الخروج معًا في غرفة المعلمين",
        place="Room 7, second floor",
        online_url="https://meet.example.org/x",
        description="Line one\nLine two; with a semicolon",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        timezone="Europe/Berlin",
    )
    return w


def offset_from_vtimezone(lines, wall: dt.datetime) -> str:
    """TZOFFSETTO of the latest observance starting at or before `wall` (local time)."""
    best = None
    for kind in ("STANDARD", "DAYLIGHT"):
        for observance in component(lines, kind):
            props = {name: value for name, _params, value in observance}
            begins = dt.datetime.strptime(props["DTSTART"], "%Y%m%dT%H%M%S")
            if begins <= wall and (best is None or begins > best[0]):
                best = (begins, props["TZOFFSETTO"])
    return best[1]


def test_the_calendar_file_reads_back(c, login):
    answer = login(c.expert).get(reverse("meetings:ics", args=[c.meeting.pk]))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    lines = parse(answer.content)
    assert lines[0] == ("BEGIN", {}, "VCALENDAR") and ("VERSION", {}, "2.0") in lines
    (event,) = component(lines, "VEVENT")
    props = {name: (params, value) for name, params, value in event}
    assert props["UID"][1] == f"meeting-{c.meeting.pk}@testserver"
    assert props["DTSTART"] == ({"TZID": "Europe/Berlin"}, "20270330T180000")
    assert props["DTEND"] == ({"TZID": "Europe/Berlin"}, "20270330T190000")
    assert props["SEQUENCE"][1] == "0" and props["STATUS"][1] == "CONFIRMED"
    assert unescape(props["SUMMARY"][1]) == c.meeting.title
    assert unescape(props["DESCRIPTION"][1]).startswith("Line one\nLine two; with a semicolon")
    assert unescape(props["LOCATION"][1]) == "Room 7, second floor, https://meet.example.org/x"
    (zone,) = component(lines, "VTIMEZONE")
    assert ("TZID", {}, "Europe/Berlin") in zone
    daylight = [{n: v for n, _p, v in o} for o in component(lines, "DAYLIGHT")]
    assert {"DTSTART": "20270328T020000", "TZOFFSETFROM": "+0100", "TZOFFSETTO": "+0200"}.items() <= next(
        d for d in daylight if d["DTSTART"].startswith("2027")
    ).items()
    # The observances give the offset zoneinfo gives at the meeting's start (+02:00, summer time).
    assert offset_from_vtimezone(lines, dt.datetime(2027, 3, 30, 18)) == "+0200"
    assert offset_from_vtimezone(lines, dt.datetime(2027, 3, 20, 18)) == "+0100"


def test_a_cancelled_meeting_says_so_with_a_higher_sequence(c, login):
    services.cancel_meeting(c.meeting, actor=c.colleague)
    lines = parse(login(c.expert).get(reverse("meetings:ics", args=[c.meeting.pk])).content)
    props = {name: value for name, _params, value in component(lines, "VEVENT")[0]}
    assert props["STATUS"] == "CANCELLED" and props["SEQUENCE"] == "1"


def test_a_zone_without_clock_changes_has_one_observance():
    tehran = zoneinfo.ZoneInfo("Asia/Tehran")  # no daylight saving since 2022
    moment = dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC)
    lines = [line.split(":", 1) for line in ics.vtimezone(tehran, moment, moment)]
    assert [value for name, value in lines if name == "TZOFFSETTO"] == ["+0330"]
    assert [value for name, value in lines if name == "BEGIN"] == ["VTIMEZONE", "STANDARD"]


@pytest.mark.parametrize("who", ["other_teacher", "parent", "student"])
def test_only_who_may_see_the_meeting_downloads_it(c, login, who):
    assert login(getattr(c, who)).get(reverse("meetings:ics", args=[c.meeting.pk])).status_code == 404


def test_folding_never_splits_a_character():
    line = "SUMMARY:" + "ب" * 100
    folded = ics.fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
