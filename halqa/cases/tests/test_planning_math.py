"""Reverse planning and the critical chain, as pure date arithmetic (no database)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from halqa.cases import planning
from halqa.cases.planning import (
    DEFAULT_DAYS,
    GREEN,
    RED,
    YELLOW,
    PlanError,
    WorkingCalendar,
    buffer_status,
    buffer_zone,
    is_overdue,
    reverse_plan,
)

FRI_SAT = WorkingCalendar.of(weekend={4, 5})
FRIDAY = WorkingCalendar.of(weekend={4})
SAT_SUN = WorkingCalendar.of(weekend={5, 6})

# 2027-03-01 is a Monday.
MON = dt.date(2027, 3, 1)


def day(offset: int) -> dt.date:
    return MON + dt.timedelta(days=offset)


ONE_STAGE = dict.fromkeys(planning.PLANNED_STAGES, 0)


def only(**days) -> dict[str, int]:
    return {**ONE_STAGE, **days}


def test_lean_estimates_are_half_rounded_up_and_the_rest_is_the_buffer():
    assert [planning.lean(n) for n in (0, 1, 2, 3, 10, 11)] == [0, 1, 1, 2, 5, 6]
    plan = reverse_plan(day(60), DEFAULT_DAYS, calendar=SAT_SUN, today=MON)
    assert plan.lean_days == {stage: planning.lean(days) for stage, days in DEFAULT_DAYS.items()}
    assert plan.buffer_days == sum(DEFAULT_DAYS.values()) - sum(plan.lean_days.values()) == 18
    assert list(plan.due_dates) == list(planning.PLANNED_STAGES)
    assert sorted(plan.due_dates.values()) == list(plan.due_dates.values())


@pytest.mark.parametrize(
    ("calendar", "off_days"),
    [(FRI_SAT, {4, 5}), (FRIDAY, {4}), (SAT_SUN, {5, 6})],
    ids=["friday-saturday", "friday", "saturday-sunday"],
)
def test_every_due_date_is_a_working_day_of_the_schools_week(calendar, off_days):
    plan = reverse_plan(day(70), DEFAULT_DAYS, calendar=calendar, today=MON)
    assert all(due.weekday() not in off_days for due in plan.due_dates.values())
    # Between two consecutive due dates lie exactly the later stage's lean working days.
    stages = list(plan.due_dates)
    for earlier, later in itertools.pairwise(stages):
        assert calendar.between(plan.due_dates[earlier], plan.due_dates[later]) == plan.lean_days[later]
    end = calendar.on_or_before(day(70))
    assert calendar.between(plan.due_dates["feedback"], end) == plan.buffer_days


def test_the_weekend_decides_how_far_back_the_same_plan_reaches():
    durations = only(drafting=10)  # 5 lean days, 5 days of buffer
    target = dt.date(2027, 3, 31)  # a Wednesday
    sat_sun = reverse_plan(target, durations, calendar=SAT_SUN, today=MON, from_stage="drafting")
    fri_sat = reverse_plan(target, durations, calendar=FRI_SAT, today=MON, from_stage="drafting")
    friday = reverse_plan(target, durations, calendar=FRIDAY, today=MON, from_stage="drafting")
    # Saturday–Sunday: the buffer takes Wed 31 … Thu 25, drafting is due Wed 24.
    assert sat_sun.due_dates["drafting"] == dt.date(2027, 3, 24)
    # Friday–Saturday: the buffer takes Wed 31, Tue 30, Mon 29, Sun 28, Thu 25; due Wed 24.
    assert fri_sat.due_dates["drafting"] == dt.date(2027, 3, 24)
    # Friday only: Saturday works too, so the buffer ends a day later: due Thu 25.
    assert friday.due_dates["drafting"] == dt.date(2027, 3, 25)
    assert sat_sun.due_dates["feedback"] == dt.date(2027, 3, 24)  # stages of 0 days end together


def test_a_target_on_the_weekend_counts_back_from_the_last_working_day():
    friday_target = dt.date(2027, 3, 26)
    plan = reverse_plan(friday_target, only(feedback=1), calendar=FRI_SAT, today=MON, from_stage="feedback")
    assert plan.buffer_days == 0
    assert plan.due_dates == {"feedback": dt.date(2027, 3, 25)}  # Thursday


def test_holidays_spanning_days_are_skipped_and_a_target_on_a_holiday_moves_before_it():
    spring = WorkingCalendar.of(weekend={5, 6}, holidays=[(dt.date(2027, 3, 22), dt.date(2027, 3, 26))])
    # The target falls in the week off: the plan ends on Friday 19th.
    plan = reverse_plan(dt.date(2027, 3, 24), only(feedback=2), calendar=spring, today=MON, from_stage="feedback")
    assert plan.buffer_days == 1
    assert plan.due_dates["feedback"] == dt.date(2027, 3, 18)
    # A single-day holiday (no last day) is skipped too.
    feast = WorkingCalendar.of(weekend={5, 6}, holidays=[(dt.date(2027, 3, 18), None)])
    plan = reverse_plan(dt.date(2027, 3, 19), only(feedback=2), calendar=feast, today=MON, from_stage="feedback")
    assert plan.due_dates["feedback"] == dt.date(2027, 3, 17)
    assert not feast.is_working(dt.date(2027, 3, 18)) and feast.is_working(dt.date(2027, 3, 17))


def test_a_case_further_on_plans_only_the_stages_ahead_of_it():
    plan = reverse_plan(day(40), DEFAULT_DAYS, calendar=SAT_SUN, today=MON, from_stage="in_review")
    assert list(plan.due_dates) == ["in_review", "published", "feedback"]
    assert plan.buffer_days == (5 - 3) + (1 - 1) + (10 - 5)
    with pytest.raises(PlanError, match="nothing left to plan"):
        reverse_plan(day(40), DEFAULT_DAYS, calendar=SAT_SUN, today=MON, from_stage="closed")


def test_a_plan_that_does_not_fit_before_today_says_the_earliest_target():
    with pytest.raises(PlanError) as refused:
        reverse_plan(day(10), DEFAULT_DAYS, calendar=SAT_SUN, today=MON)
    message = str(refused.value)
    assert "The plan does not fit" in message and "43 working days" in message
    earliest = dt.date.fromisoformat(message.rsplit(" ", 1)[1].rstrip("."))
    # The earliest target does fit, and the day before it does not.
    plan = reverse_plan(earliest, DEFAULT_DAYS, calendar=SAT_SUN, today=MON)
    assert plan.chain_start == MON
    with pytest.raises(PlanError):
        reverse_plan(SAT_SUN.back(earliest, 1), DEFAULT_DAYS, calendar=SAT_SUN, today=MON)


@pytest.mark.parametrize(
    ("target", "message"),
    [(MON, "after today"), (day(-3), "after today"), (day(800), "within two years")],
)
def test_a_target_in_the_past_or_too_far_ahead_is_refused(target, message):
    with pytest.raises(PlanError, match=message):
        reverse_plan(target, DEFAULT_DAYS, calendar=SAT_SUN, today=MON)


def test_durations_from_a_community_are_used_when_valid():
    days = planning.stage_days({"drafting": 20, "feedback": "ten", "in_review": -1, "matched": True, "x": 3})
    assert days["drafting"] == 20
    assert days["feedback"] == DEFAULT_DAYS["feedback"]
    assert days["in_review"] == DEFAULT_DAYS["in_review"]
    assert days["matched"] == DEFAULT_DAYS["matched"]
    assert "x" not in days


def test_a_week_without_working_days_is_refused():
    with pytest.raises(ValueError):
        WorkingCalendar.of(weekend=range(7))


def test_a_school_closed_for_years_is_an_error_not_a_hang():
    closed = WorkingCalendar.of(weekend={5, 6}, holidays=[(dt.date(2020, 1, 1), dt.date(2035, 1, 1))])
    with pytest.raises(PlanError, match="no working day"):
        closed.on_or_before(dt.date(2030, 1, 1))


# --- Overdue and the fever chart -----------------------------------------------------------------


def test_overdue_is_today_past_the_due_date_of_the_current_stage():
    dues = {"drafting": "2027-03-10", "in_review": "2027-03-15"}
    assert not is_overdue("drafting", dues, dt.date(2027, 3, 10))
    assert is_overdue("drafting", dues, dt.date(2027, 3, 11))
    assert not is_overdue("in_review", dues, dt.date(2027, 3, 11))
    assert not is_overdue("matched", dues, dt.date(2030, 1, 1))  # a stage without a due date
    assert not is_overdue("drafting", {}, dt.date(2030, 1, 1))
    assert not is_overdue("drafting", {"drafting": "not a date"}, dt.date(2030, 1, 1))
    assert is_overdue("submitted", {"clarifying": "2027-03-02"}, dt.date(2027, 3, 3))


@pytest.mark.parametrize(
    ("consumed", "done", "zone"),
    [
        (0.0, 0.0, GREEN),
        (0.15, 0.0, GREEN),
        (0.2, 0.0, YELLOW),
        (0.31, 0.0, RED),
        (0.5, 0.5, YELLOW),  # green up to 45 %, red above 60 %
        (0.44, 0.5, GREEN),
        (0.61, 0.5, RED),
        (0.75, 1.0, GREEN),
        (0.8, 1.0, YELLOW),
        (0.95, 1.0, RED),
        (3.0, 1.0, RED),
    ],
)
def test_fever_chart_zones(consumed, done, zone):
    assert buffer_zone(consumed, done) == zone


def test_buffer_status_follows_the_case_through_its_plan():
    plan = reverse_plan(day(60), DEFAULT_DAYS, calendar=SAT_SUN, today=MON)
    dues = plan.as_json()
    # On time, at the start: nothing consumed, nothing done.
    status = buffer_status("clarifying", dues, plan.buffer_days, calendar=SAT_SUN, today=MON, chain_start=MON)
    assert (status.late_days, status.done, status.zone) == (0, 0.0, GREEN)
    # Five working days late in clarifying: 5 of 18 days of buffer with nothing done → yellow.
    late = SAT_SUN.forward(plan.due_dates["clarifying"], 5)
    status = buffer_status("clarifying", dues, plan.buffer_days, calendar=SAT_SUN, today=late, chain_start=MON)
    assert status.late_days == 5 and status.consumed == 5 / 18 and status.zone == YELLOW
    assert status.consumed_percent == 28 and status.done_percent == 0
    # The same delay in feedback, with most of the chain done, is still green.
    late = SAT_SUN.forward(plan.due_dates["feedback"], 5)
    status = buffer_status("feedback", dues, plan.buffer_days, calendar=SAT_SUN, today=late, chain_start=MON)
    assert status.done >= 0.8 and status.zone == GREEN
    # The buffer eaten up: red, and the bar stops at 100 %.
    late = SAT_SUN.forward(plan.due_dates["drafting"], 30)
    status = buffer_status("drafting", dues, plan.buffer_days, calendar=SAT_SUN, today=late, chain_start=MON)
    assert status.zone == RED and status.consumed_percent == 167 and status.bar_percent == 100
    # Past the plan, or without one.
    assert buffer_status("closed", dues, plan.buffer_days, calendar=SAT_SUN, today=late).done == 1.0
    assert buffer_status("drafting", {}, 0, calendar=SAT_SUN, today=late) is None


def test_without_a_buffer_any_delay_is_red():
    plan = reverse_plan(day(7), only(feedback=1), calendar=SAT_SUN, today=MON, from_stage="feedback")
    assert plan.buffer_days == 0
    dues = plan.as_json()
    on_time = buffer_status("feedback", dues, 0, calendar=SAT_SUN, today=plan.due_dates["feedback"])
    assert on_time.zone == GREEN
    late = buffer_status("feedback", dues, 0, calendar=SAT_SUN, today=day(9))
    assert late.zone == RED
