"""The work-order rules without a database: the lifecycle table and the working-time
clocks, with an injected clock across working hours, a weekend and a holiday."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from consult.workorders.calendar import WorkCalendar, clock_words
from consult.workorders.lifecycle import (
    ACTION_INPUTS, ACTION_ROLES, DEPARTMENT, HOLDER_MOVES, TRANSITIONS, OrderAction as A, OrderRefused,
    OrderState as S, after_rating, allowed_actions, next_state,
)

Z = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=Z)


# 2026-10-01 (Thursday) to 10-07 is the National Day holiday; Saturday 10-10 is worked (调休).
CAL = WorkCalendar(holidays=frozenset(date(2026, 10, d) for d in range(1, 8)), workdays=frozenset({date(2026, 10, 10)}))


def test_two_working_hours_within_a_day():
    assert CAL.add_working(at(2026, 11, 3, 10, 0), timedelta(hours=2)) == at(2026, 11, 3, 12, 0)


def test_before_opening_the_clock_starts_at_opening():
    assert CAL.add_working(at(2026, 11, 3, 7, 15), timedelta(hours=2)) == at(2026, 11, 3, 11, 0)


def test_friday_evening_runs_into_monday():
    # Friday 2026-11-06 17:30: half an hour on Friday, 1.5 h on Monday.
    assert CAL.add_working(at(2026, 11, 6, 17, 30), timedelta(hours=2)) == at(2026, 11, 9, 10, 30)


def test_a_holiday_is_skipped_and_a_make_up_saturday_counts():
    # Wednesday 2026-09-30 17:00 → 1 h left that day; the holiday week is skipped; Thursday 10-08.
    assert CAL.add_working(at(2026, 9, 30, 17, 0), timedelta(hours=3)) == at(2026, 10, 8, 11, 0)
    # Friday 10-09 17:00 → Saturday 10-10 is a working day.
    assert CAL.add_working(at(2026, 10, 9, 17, 0), timedelta(hours=2)) == at(2026, 10, 10, 10, 0)
    assert CAL.is_working_day(date(2026, 10, 10)) and not CAL.is_working_day(date(2026, 10, 11))


def test_working_time_between_two_moments():
    assert CAL.working_between(at(2026, 11, 6, 17, 0), at(2026, 11, 9, 10, 0)) == timedelta(hours=2)
    assert CAL.working_between(at(2026, 11, 9, 10, 0), at(2026, 11, 6, 17, 0)) == timedelta(0)
    # add_working and working_between agree.
    start = at(2026, 9, 29, 16, 20)
    end = CAL.add_working(start, timedelta(hours=13, minutes=5))
    assert CAL.working_between(start, end) == timedelta(hours=13, minutes=5)


def test_other_hours_and_a_negative_span():
    short = WorkCalendar(start=time(8, 30), end=time(12, 0))
    assert short.add_working(at(2026, 11, 3, 11, 0), timedelta(hours=2)) == at(2026, 11, 4, 9, 30)
    with pytest.raises(ValueError):
        CAL.add_working(at(2026, 11, 3), timedelta(hours=-1))


@pytest.mark.parametrize("gap, words", [
    (timedelta(hours=3, minutes=40), ("left_hours", 3)),
    (timedelta(minutes=20), ("left_minutes", 20)),
    (timedelta(seconds=10), ("left_minutes", 1)),
    (timedelta(days=2, hours=5), ("left_days", 2)),
    (-timedelta(days=2, hours=1), ("over_days", 2)),
    (-timedelta(hours=5), ("over_hours", 5)),
])
def test_the_clock_reads_as_people_say_it(gap, words):
    now = at(2026, 11, 3, 10, 0)
    assert clock_words(now, now + gap) == words


def test_every_move_has_its_roles_inputs_and_holder():
    actions = {a for (_, a) in TRANSITIONS}
    assert actions == set(A) == set(ACTION_ROLES) == set(ACTION_INPUTS) == set(HOLDER_MOVES)


def test_who_may_move_an_order():
    assert allowed_actions(S.at_level, ["committee"]) == [A.dispatch, A.escalate]
    assert allowed_actions(S.at_level, ["staff"]) == [A.dispatch, A.escalate, A.handle]
    assert allowed_actions(S.dispatched, [DEPARTMENT]) == [A.acknowledge, A.send_back]
    assert allowed_actions(S.dispatched, ["staff"]) == []
    assert next_state(S.dispatched, A.auto_escalate, ["system"]) == S.at_level
    with pytest.raises(OrderRefused) as refused:
        next_state(S.dispatched, A.auto_escalate, ["admin"])  # a person never takes the automatic step
    assert refused.value.code == "role_not_allowed" and refused.value.status_code == 403
    with pytest.raises(OrderRefused) as refused:
        next_state(S.closed, A.reply, [DEPARTMENT])
    assert refused.value.code == "wrong_state"


def test_a_rating_closes_or_starts_the_second_handling():
    assert after_rating("satisfied", True) == (S.closed, False)
    assert after_rating("basically_satisfied", False) == (S.closed, False)
    assert after_rating("unsatisfied", True) == (S.dispatched, True)
    assert after_rating("unsatisfied", False) == (S.handling, True)


def test_a_median_is_the_exact_mean_of_the_middle_values_in_hours():
    from fractions import Fraction

    from consult.workorders.rates import Counts, Middle, figures, hours_text, median_hours

    assert median_hours(Middle()) is None and hours_text(None) == "—"
    assert median_hours(Middle(5_400_000_000, 1)) == Fraction(3, 2)  # one middle value: 90 minutes
    # two middle values, 1 h and 1 h 0 min 0.000001 s: their mean, not rounded away
    assert median_hours(Middle(7_200_000_001, 2)) == Fraction(7_200_000_001, 7_200_000_000)
    assert hours_text(Fraction(1_799, 36_000)) == "0" and hours_text(Fraction(1_800, 36_000)) == "0.1"  # half up
    shown = figures(Counts(dispatched=1), ack=Middle(9_000_000_000, 1))
    assert (shown.median_hours_to_acknowledge, shown.median_hours_to_resolve) == ("2.5", "—")
