"""Working time (工作时间) for the work-order clocks: working hours on working days, weekends
off, holidays off and make-up working days (调休) on, in the community's time zone.
Standard library only: every clock is a pure function of timestamps, this calendar and
the settings, so tests inject a clock and a calendar.

"Acknowledge within 2 working hours" is ``calendar.add_working(dispatched_at, 2 h)``: an
order dispatched at 17:30 on a Friday with a 09:00-18:00 day is due at 10:30 on Monday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


LOCAL = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    start: time = time(9, 0)
    end: time = time(18, 0)
    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # weekend days worked (调休)
    zone: ZoneInfo = LOCAL

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.start, self.zone), datetime.combine(day, self.end, self.zone))

    def add_working(self, moment: datetime, span: timedelta) -> datetime:
        """The moment ``span`` of working time after ``moment`` (an aware datetime)."""
        if span < timedelta(0):
            raise ValueError("span must not be negative")
        local = moment.astimezone(self.zone)
        left = span
        day = local.date()
        for _ in range(3660):  # ten years of days: a bound, never reached by a real clock
            if self.is_working_day(day):
                opens, closes = self._bounds(day)
                begin = max(local, opens)
                if begin < closes:
                    room = closes - begin
                    if left <= room:
                        return (begin + left).astimezone(moment.tzinfo)
                    left -= room
            day += DAY
            local = datetime.combine(day, time(0, 0), self.zone)
        raise ValueError("span too long for the calendar")

    def working_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
        if b <= a:
            return timedelta(0)
        total = timedelta(0)
        a_local, b_local = a.astimezone(self.zone), b.astimezone(self.zone)
        day = a_local.date()
        while day <= b_local.date():
            if self.is_working_day(day):
                opens, closes = self._bounds(day)
                lo, hi = max(opens, a_local), min(closes, b_local)
                if hi > lo:
                    total += hi - lo
            day += DAY
        return total


# ------------------------------------------------------------------ the clock as people say it

def clock_words(now: datetime, due: datetime) -> tuple[str, int]:
    """("left_hours", 3) for 剩余 3 小时, ("over_days", 2) for 已超时 2 天: the largest whole
    unit, rounded down (a person reads "3 hours left" at 3 h 40 min), at least 1. Its
    words: ``consult.workorders.clock_text``."""
    gap = due - now
    key = "left" if gap >= timedelta(0) else "over"
    gap = abs(gap)
    if gap >= DAY:
        return f"{key}_days", gap // DAY
    if gap >= timedelta(hours=1):
        return f"{key}_hours", gap // timedelta(hours=1)
    return f"{key}_minutes", max(1, gap // timedelta(minutes=1))
