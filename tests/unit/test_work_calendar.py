"""The holiday calendar as a place setting (pure): the CSV format with its line-numbered
problems, inheritance down the tree (the nearest place wins), and the work-order clocks
across working hours, a weekend, a holiday and a make-up working day (调休)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from consult.places.calendar_days import (
    CalendarFileRefused, CalendarInputError, Day, DayKind, inherited, parse_calendar_csv, parse_day,
)
from consult.places.settings import DEFAULTS
from consult.workorders.calendar import LOCAL
from consult.workorders.clocks import ack_due, calendar_of

NATIONAL_DAY = {date(2026, 10, d): Day(date(2026, 10, d), DayKind.holiday, "国庆节") for d in range(1, 8)}
MAKE_UP = {date(2026, 10, 10): Day(date(2026, 10, 10), DayKind.workday, "国庆调休")}  # a Saturday


def local(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL)


def test_a_csv_file_gives_its_days_and_skips_the_header():
    days = parse_calendar_csv("date,kind,name\n2026-10-01,holiday,国庆节\n\n2026-10-10,WORKDAY,调休\n".encode())
    assert days == [Day(date(2026, 10, 1), DayKind.holiday, "国庆节"), Day(date(2026, 10, 10), DayKind.workday, "调休")]
    assert parse_calendar_csv(b"2026-05-01,holiday")[0].name == ""


def test_every_bad_row_is_reported_by_its_line_number():
    data = "date,kind,name\n2026-10-01,holiday,ok\n2026-13-01,holiday,x\n2026-10-02,vacation,x\n2026-10-01,holiday,again\nonly\n"
    with pytest.raises(CalendarFileRefused) as refused:
        parse_calendar_csv(data.encode())
    assert [(code, p.get("line")) for code, p in refused.value.problems] == [
        ("date", 3), ("kind", 4), ("twice", 5), ("columns", 6)]
    assert "Line 5" in str(refused.value) and "line 2" in str(refused.value)
    for bad in (b"", b"date,kind,name\n", "\xff\xfe".encode("latin-1")):
        with pytest.raises(CalendarFileRefused):
            parse_calendar_csv(bad)


def test_the_form_reports_every_field_at_once():
    assert parse_day({"day": "2026-10-01", "kind": "holiday", "name": " 国庆节 "}) == Day(
        date(2026, 10, 1), DayKind.holiday, "国庆节")
    with pytest.raises(CalendarInputError) as refused:
        parse_day({"day": "tomorrow", "kind": "party", "name": "x" * 41})
    assert set(refused.value.errors) == {"day", "kind", "name"}


def test_a_nearer_place_replaces_a_day_of_a_place_above():
    district = [Day(date(2026, 10, 1), DayKind.holiday, "国庆节"), Day(date(2026, 10, 2), DayKind.holiday, "国庆节")]
    community = [Day(date(2026, 10, 2), DayKind.workday, "社区值班")]
    held = inherited([district, [], community])
    assert held[date(2026, 10, 1)].kind is DayKind.holiday and held[date(2026, 10, 2)].kind is DayKind.workday
    assert inherited([]) == {}


def test_the_acknowledge_clock_counts_working_hours_only():
    cal = calendar_of(DEFAULTS, {})
    assert ack_due(DEFAULTS, local(2026, 9, 29, 10), cal) == local(2026, 9, 29, 12)  # within the working day
    assert ack_due(DEFAULTS, local(2026, 9, 29, 17), cal) == local(2026, 9, 30, 10)  # over the evening
    assert ack_due(DEFAULTS, local(2026, 9, 26, 11), cal) == local(2026, 9, 28, 11)  # Saturday: from Monday 9:00


def test_the_acknowledge_clock_skips_a_holiday_and_counts_a_make_up_working_day():
    days = {**NATIONAL_DAY, **MAKE_UP}
    cal = calendar_of(DEFAULTS, days)
    # Wednesday 30 September, 17:00: one hour that day, then the holiday week and the weekend of the 3rd/4th
    assert ack_due(DEFAULTS, local(2026, 9, 30, 17), cal) == local(2026, 10, 8, 10)
    # Friday 9 October, 17:00: the next working time is the make-up Saturday
    assert ack_due(DEFAULTS, local(2026, 10, 9, 17), cal) == local(2026, 10, 10, 10)
    # without the calendar the same dispatch was due on the holiday
    assert ack_due(DEFAULTS, local(2026, 9, 30, 17)) == local(2026, 10, 1, 10)
    assert cal.working_between(local(2026, 9, 30, 17), local(2026, 10, 8, 10)) == timedelta(hours=2)


def test_a_holiday_on_a_weekend_and_weekends_worked():
    worked = replace(DEFAULTS, weekends_off=False)
    cal = calendar_of(worked, NATIONAL_DAY)
    assert not cal.is_working_day(date(2026, 10, 3)) and cal.is_working_day(date(2026, 10, 10))
    assert ack_due(worked, local(2026, 10, 6, 17), cal) == local(2026, 10, 8, 11)  # the 7th is a holiday too
