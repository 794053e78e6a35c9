"""Reverse planning and the critical chain of a case, as pure functions of dates (no database).

From a target date and a duration per stage (in working days, the community's defaults), each open
stage's due date is found by walking backwards over the school's working days: its weekend
(`Weekend`: Friday–Saturday, Friday, or Saturday–Sunday) and the holidays it entered are skipped.

Critical chain (Goldratt): a duration someone gives for a stage hides its own safety margin, and
each stage then uses all of it. So each stage is planned *lean*, at half its duration rounded up,
and the time saved is pooled in one buffer of the case, placed just before the target date: a
stage that overruns eats into the shared buffer instead of its own hidden margin, and the buffer
says how the case is doing. Its status compares the share of the buffer consumed with the share of
the chain done, on the usual fever chart (`buffer_zone`).

    calendar = WorkingCalendar.of(weekend={4, 5}, holidays=[(date(2027, 3, 30), date(2027, 4, 2))])
    plan = reverse_plan(target, durations, calendar=calendar, today=today, from_stage="matched")
    plan.due_dates   # {"matched": date(...), ..., "feedback": date(...)}
    plan.buffer_days # working days between the last stage's due date and the target
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Stage

# The stages a plan covers, in the order a case goes through them ("submitted" is where a plan
# starts from; the final stages end it).
PLANNED_STAGES: tuple[str, ...] = (
    Stage.CLARIFYING,
    Stage.MATCHED,
    Stage.SCHEDULED,
    Stage.PREPARING,
    Stage.IN_SESSION,
    Stage.DRAFTING,
    Stage.IN_REVIEW,
    Stage.PUBLISHED,
    Stage.FEEDBACK,
)
# A community's defaults when it has set none (working days, before the critical chain halves them).
DEFAULT_DAYS: dict[str, int] = {
    Stage.CLARIFYING: 3,
    Stage.MATCHED: 3,
    Stage.SCHEDULED: 5,
    Stage.PREPARING: 5,
    Stage.IN_SESSION: 1,
    Stage.DRAFTING: 10,
    Stage.IN_REVIEW: 5,
    Stage.PUBLISHED: 1,
    Stage.FEEDBACK: 10,
}
MAX_STAGE_DAYS = 60
# How far ahead a target may lie.
MAX_TARGET_DAYS = 2 * 366
# A walk over the calendar never goes further than this (a school closed all year is a mistake).
_MAX_WALK = 5 * 366

GREEN, YELLOW, RED = "green", "yellow", "red"
ZONE_LABELS = {
    GREEN: _("On track"),
    YELLOW: _("Watch: the buffer is being used faster than the work gets done"),
    RED: _("Act now: the buffer is nearly or wholly used"),
}


class PlanError(ValueError):
    """The plan cannot be made as asked; the message says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def lean(days: int) -> int:
    """A stage's lean estimate: half its duration, rounded up."""
    return math.ceil(days / 2)


def stage_days(overrides: Mapping[str, object] | None) -> dict[str, int]:
    """Durations for every planned stage: a community's own where valid, the defaults elsewhere."""
    days = dict(DEFAULT_DAYS)
    for stage, value in (overrides or {}).items():
        if stage in days and isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_STAGE_DAYS:
            days[stage] = value
    return days


@dataclass(frozen=True)
class WorkingCalendar:
    """A school's working days: every day but its weekend and its holidays."""

    weekend: frozenset[int]  # date.weekday() numbers
    holidays: tuple[tuple[dt.date, dt.date], ...] = field(default=())  # (first day, last day), inclusive

    @classmethod
    def of(cls, *, weekend: Iterable[int], holidays: Iterable[tuple[dt.date, dt.date | None]] = ()) -> WorkingCalendar:
        weekend = frozenset(weekend)
        if len(weekend) >= 7:
            raise ValueError("a week needs at least one working day")
        spans = tuple(sorted((start, end or start) for start, end in holidays))
        return cls(weekend=weekend, holidays=spans)

    def is_working(self, day: dt.date) -> bool:
        if day.weekday() in self.weekend:
            return False
        return not any(start <= day <= end for start, end in self.holidays)

    def on_or_before(self, day: dt.date) -> dt.date:
        """The last working day on or before `day`."""
        for _step in range(_MAX_WALK):
            if self.is_working(day):
                return day
            day -= dt.timedelta(days=1)
        raise PlanError(_("The school's calendar has no working day in reach; check its holidays."))

    def on_or_after(self, day: dt.date) -> dt.date:
        for _step in range(_MAX_WALK):
            if self.is_working(day):
                return day
            day += dt.timedelta(days=1)
        raise PlanError(_("The school's calendar has no working day in reach; check its holidays."))

    def back(self, day: dt.date, days: int) -> dt.date:
        """The working day `days` working days before the working day `day` (`day` itself for 0)."""
        for _step in range(days):
            day = self.on_or_before(day - dt.timedelta(days=1))
        return day

    def forward(self, day: dt.date, days: int) -> dt.date:
        """The working day `days` working days after the working day `day`."""
        for _step in range(days):
            day = self.on_or_after(day + dt.timedelta(days=1))
        return day

    def between(self, after: dt.date, until: dt.date) -> int:
        """How many working days lie after `after`, up to and including `until` (0 if none)."""
        count, day = 0, after + dt.timedelta(days=1)
        while day <= until and count <= _MAX_WALK:
            count += self.is_working(day)
            day += dt.timedelta(days=1)
        return count


@dataclass(frozen=True)
class Plan:
    due_dates: dict[str, dt.date]  # stage → the working day it should be done by, in stage order
    buffer_days: int
    lean_days: dict[str, int]
    chain_start: dt.date  # the first working day of the chain

    def as_json(self) -> dict[str, str]:
        return {stage: day.isoformat() for stage, day in self.due_dates.items()}


def stages_from(stage: str) -> tuple[str, ...]:
    """The stages still ahead of a case in `stage` (its own stage included), in order."""
    if stage == Stage.SUBMITTED:
        return PLANNED_STAGES
    if stage not in PLANNED_STAGES:
        return ()
    return PLANNED_STAGES[PLANNED_STAGES.index(stage) :]


def reverse_plan(
    target: dt.date,
    durations: Mapping[str, int],
    *,
    calendar: WorkingCalendar,
    today: dt.date,
    from_stage: str = Stage.SUBMITTED,
) -> Plan:
    """Due dates for the stages ahead of a case in `from_stage`, walking back from `target`.

    The buffer (the days the lean estimates saved) takes the last working days up to the target;
    the last stage is due just before it, and each earlier stage its lean duration earlier. The
    chain must start no earlier than today's first working day, else `PlanError` says the earliest
    target that fits."""
    stages = stages_from(from_stage)
    if not stages:
        raise PlanError(_("A closed, declined or withdrawn case has nothing left to plan."))
    if target <= today:
        raise PlanError(_("Choose a target date after today."))
    if (target - today).days > MAX_TARGET_DAYS:
        raise PlanError(_("Choose a target date within two years."))
    lean_days = {stage: lean(int(durations[stage])) for stage in stages}
    buffer_days = sum(int(durations[stage]) for stage in stages) - sum(lean_days.values())
    chain_days = sum(lean_days.values())
    end = calendar.on_or_before(target)
    due = calendar.back(end, buffer_days)
    due_dates: dict[str, dt.date] = {}
    for stage in reversed(stages):
        due_dates[stage] = due
        due = calendar.back(due, lean_days[stage])
    # `due` is now the working day just before the chain's first day.
    first_day = calendar.on_or_after(due + dt.timedelta(days=1))
    start = calendar.on_or_after(today)
    if (first_day if chain_days else end) < start:
        needed = chain_days + buffer_days
        earliest = calendar.forward(start, max(needed - 1, 0))
        raise PlanError(
            _(
                "The plan does not fit: the stages left need %(days)s working days with the buffer, "
                "so the earliest target date is %(date)s."
            )
            % {"days": needed, "date": earliest.isoformat()}
        )
    ordered = {stage: due_dates[stage] for stage in stages}
    return Plan(due_dates=ordered, buffer_days=buffer_days, lean_days=lean_days, chain_start=first_day)


def parse_due_dates(raw: Mapping[str, object] | None) -> dict[str, dt.date]:
    """The stored {stage: "YYYY-MM-DD"} as dates, in stage order; anything malformed is left out."""
    out = {}
    for stage in PLANNED_STAGES:
        value = (raw or {}).get(stage)
        if isinstance(value, str):
            try:
                out[stage] = dt.date.fromisoformat(value)
            except ValueError:
                continue
    return out


def is_overdue(stage: str, due_dates: Mapping[str, object] | None, today: dt.date) -> bool:
    """Today is past the due date of the stage the case is in (a case still waiting in "submitted"
    is measured against its first planned stage)."""
    dues = parse_due_dates(due_dates)
    if stage == Stage.SUBMITTED and dues:
        stage = next(iter(dues))
    due = dues.get(stage)
    return due is not None and today > due


# --- The buffer's fever chart -------------------------------------------------------------------

# Zone lines of the fever chart (share of the buffer consumed against share of the chain done):
# green below the line from (0 % done, 15 % consumed) to (100 %, 75 %); red above the line from
# (0 %, 30 %) to (100 %, 90 %); yellow between. At the start a third of the buffer used is already
# yellow; near the end three quarters used is still green.
GREEN_LINE = (0.15, 0.60)  # consumed = a + b × done
RED_LINE = (0.30, 0.60)


def buffer_zone(consumed: float, done: float) -> str:
    done = min(max(done, 0.0), 1.0)
    if consumed > RED_LINE[0] + RED_LINE[1] * done:
        return RED
    if consumed > GREEN_LINE[0] + GREEN_LINE[1] * done:
        return YELLOW
    return GREEN


@dataclass(frozen=True)
class BufferStatus:
    buffer_days: int
    late_days: int  # working days the current stage is past its due date
    consumed: float  # share of the buffer used (may exceed 1: the buffer is gone)
    done: float  # share of the chain's working days in the stages behind the case
    zone: str

    @property
    def consumed_percent(self) -> int:
        return round(self.consumed * 100)

    @property
    def done_percent(self) -> int:
        return round(self.done * 100)

    @property
    def bar_percent(self) -> int:
        return min(self.consumed_percent, 100)

    @property
    def label(self) -> str:
        return str(ZONE_LABELS[self.zone])


def buffer_status(
    stage: str,
    due_dates: Mapping[str, object] | None,
    buffer_days: int,
    *,
    calendar: WorkingCalendar,
    today: dt.date,
    chain_start: dt.date | None = None,
) -> BufferStatus | None:
    """How the case is doing against its plan: None when it has no plan.

    Buffer consumed: the working days the current stage is past its due date, as a share of the
    buffer. Chain done: the planned working days of the stages behind the case, as a share of the
    whole chain (from `chain_start`, the plan's first working day, to the last stage's due date)."""
    dues = parse_due_dates(due_dates)
    if not dues:
        return None
    stages = list(dues)
    first, last = dues[stages[0]], dues[stages[-1]]
    start = chain_start if chain_start is not None and chain_start <= first else first
    total = calendar.between(start - dt.timedelta(days=1), last) or 1
    if stage in dues:
        index = stages.index(stage)
        done_days = 0 if index == 0 else calendar.between(start - dt.timedelta(days=1), dues[stages[index - 1]])
        late = calendar.between(dues[stage], today) if today > dues[stage] else 0
    elif stage == Stage.SUBMITTED:
        done_days, late = 0, (calendar.between(first, today) if today > first else 0)
    else:  # past the plan: published and closed, or ended otherwise
        done_days, late = total, 0
    done = min(done_days / total, 1.0)
    # Without a buffer, any delay is the whole buffer and more.
    consumed = late / buffer_days if buffer_days else float(late)
    return BufferStatus(
        buffer_days=buffer_days, late_days=late, consumed=consumed, done=done, zone=buffer_zone(consumed, done)
    )
