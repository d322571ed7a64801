"""The work-order clocks from a place's settings (pure): the calendar the settings make,
the 签收 due time across the evening and the weekend, the return window, which clock an
order shows, and the action forms drawn from ACTION_INPUTS."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from consult.places.settings import DEFAULTS, BY_KEY
from consult.workorders.calendar import LOCAL
from consult.workorders.clocks import ack_due, calendar_of, clock_of, return_open
from consult.workorders.forms import OrderInputError, parse_action, parse_request


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL)


def test_the_defaults_are_the_seeds_clocks():
    assert (DEFAULTS.ack_hours, DEFAULTS.response_hours, DEFAULTS.return_days) == (2, 24, 7)
    assert (DEFAULTS.work_start_hour, DEFAULTS.work_end_hour, DEFAULTS.weekends_off) == (9, 18, True)
    assert all(BY_KEY[k].hint for k in ("ack_hours", "response_hours", "return_days", "weekends_off"))


def test_acknowledge_is_due_two_working_hours_later_over_the_evening_and_the_weekend():
    friday_evening = local(2026, 12, 4, 17, 30)  # a Friday
    assert ack_due(DEFAULTS, friday_evening) == local(2026, 12, 7, 10, 30)  # Monday
    assert ack_due(DEFAULTS, local(2026, 12, 3, 10)) == local(2026, 12, 3, 12)
    weekends_worked = replace(DEFAULTS, weekends_off=False)
    assert ack_due(weekends_worked, friday_evening) == local(2026, 12, 5, 10, 30)  # Saturday
    longer_day = replace(DEFAULTS, work_end_hour=20, ack_hours=4)
    assert ack_due(longer_day, friday_evening) == local(2026, 12, 7, 10, 30)  # 2.5 h Friday, 1.5 h Monday


def test_a_working_day_that_ends_before_it_starts_falls_back_to_nine_to_six():
    cal = calendar_of(replace(DEFAULTS, work_start_hour=18, work_end_hour=9))
    assert (cal.start, cal.end) == (time(9), time(18))
    assert calendar_of(replace(DEFAULTS, work_start_hour=0, work_end_hour=24)).end == time(23, 59, 59)


def test_the_return_window_counts_days_from_the_dispatch():
    sent = local(2026, 12, 1, 10)
    assert return_open(DEFAULTS, sent, sent + timedelta(days=7))
    assert not return_open(DEFAULTS, sent, sent + timedelta(days=7, seconds=1))
    assert not return_open(DEFAULTS, None, sent)
    assert return_open(replace(DEFAULTS, return_days=30), sent, sent + timedelta(days=20))


def test_the_clock_an_order_shows_depends_on_its_state():
    now = local(2026, 12, 3, 10)
    ack, deadline = now + timedelta(hours=3, minutes=40), now - timedelta(days=2, hours=1)
    assert clock_of("dispatched", ack, deadline, now) == ("left_hours", 3)
    assert clock_of("acknowledged", ack, deadline, now) == ("over_days", 2)
    assert clock_of("handling", ack, deadline, now) == ("over_days", 2)
    assert clock_of("replied", ack, deadline, now) is None
    assert clock_of("closed", ack, deadline, now) is None


def test_action_forms_follow_action_inputs():
    today = date(2026, 12, 3)
    assert parse_action("escalate", {"reason": " Needs the street. "}, today) == {"reason": "Needs the street."}
    got = parse_action("dispatch", {"department": "3", "deadline": "2026-12-10"}, today, {3})
    assert got == {"department": 3, "deadline": date(2026, 12, 10), "note": ""}
    with pytest.raises(OrderInputError) as err:
        parse_action("dispatch", {"department": "4", "deadline": "2026-12-03", "note": "x" * 501}, today, {3})
    assert {k: e.code for k, e in err.value.errors.items()} == {
        "department": "not_a_choice", "deadline": "not_in_future", "note": "too_long"}
    assert parse_action("acknowledge", {"anything": "ignored"}, today) == {}
    assert parse_action("rate", {"rating": "unsatisfied"}, today)["rating"] == "unsatisfied"
    with pytest.raises(OrderInputError):
        parse_action("rate", {"rating": "great"}, today)


def test_a_service_request_reports_every_field():
    with pytest.raises(OrderInputError) as err:
        parse_request({"title": "ab", "description": "", "category": "9", "grid": "x"}, {1}, {2})
    assert set(err.value.errors) == {"title", "description", "category", "grid"}
    ok = parse_request({"title": "Streetlight", "description": "Dark at gate 3 since Monday.", "category": "1",
                        "grid": "2"}, {1}, {2})
    assert (ok.category_id, ok.grid_id) == (1, 2)
