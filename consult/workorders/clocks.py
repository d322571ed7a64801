"""The work-order clocks from a place's settings (``consult.places.settings``): the working
calendar, when a 签收 is due, whether the 退回 window is still open, and which clock an
order shows. Pure: every clock is a function of timestamps, the calendar and the settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from consult.places.calendar_days import Day, split
from consult.places.settings import PlaceSettings
from consult.workorders.calendar import WorkCalendar, clock_words
from consult.workorders.lifecycle import WAITING_FOR_ACK, WORKING, OrderState

NO_WEEKEND: frozenset[int] = frozenset()


def calendar_of(settings: PlaceSettings, days: Mapping[date, Day] | None = None) -> WorkCalendar:
    """The working calendar of a place: its working day and weekends (settings) and its
    holiday calendar (``days``, resolved up the tree: ``consult.places.queries.calendar_days``).
    A working day that does not end after it starts (a settings slip) falls back to
    09:00-18:00 rather than stopping every clock."""
    start, end = settings.work_start_hour, settings.work_end_hour
    if not 0 <= start < end <= 24:
        start, end = 9, 18
    closes = time(23, 59, 59) if end == 24 else time(end, 0)
    weekend = frozenset({5, 6}) if settings.weekends_off else NO_WEEKEND
    holidays, workdays = split(days or {})
    return WorkCalendar(start=time(start, 0), end=closes, weekend=weekend, holidays=holidays, workdays=workdays)


def ack_due(settings: PlaceSettings, dispatched_at: datetime, calendar: WorkCalendar | None = None) -> datetime:
    """签收 is due ``ack_hours`` working hours after the dispatch, in ``calendar`` (the
    place's, with its holidays; without one, the settings' working week only)."""
    calendar = calendar or calendar_of(settings)
    return calendar.add_working(dispatched_at, timedelta(hours=settings.ack_hours))


def return_open(settings: PlaceSettings, dispatched_at: datetime | None, now: datetime) -> bool:
    """退回 is possible within ``return_days`` (calendar days) of the dispatch."""
    return dispatched_at is not None and now <= dispatched_at + timedelta(days=settings.return_days)


def due_of(state: str, ack_due_at: datetime | None, deadline: datetime | None) -> datetime | None:
    """The moment that matters now: the 签收 while it waits for one, the deadline while
    someone works on it; None otherwise (at a level, replied, closed)."""
    state = OrderState(state)
    if state in WAITING_FOR_ACK:
        return ack_due_at
    if state in WORKING:
        return deadline
    return None


def clock_of(state: str, ack_due_at: datetime | None, deadline: datetime | None,
             now: datetime) -> tuple[str, int] | None:
    """("left_hours", 3) and the like (worded by ``consult.workorders.clock_text``), or None."""
    due = due_of(state, ack_due_at, deadline)
    return None if due is None else clock_words(now, due)
