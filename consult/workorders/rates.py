"""The scoreboard's figures, as pure rules (issue 15 point 5). Standard library and the leaves.

Per group of orders (a department, a place and everything below it), from the orders'
public fields (those at ``/api/v1/work-orders``), orders judged unreasonable left out:

* 响应率 = acknowledged by the acknowledge deadline ÷ dispatched to a department;
* 解决率 = replied by the deadline ÷ due (a deadline that has passed, or a reply given);
* 满意率 = (满意 + 基本满意) ÷ rated (the latest rating of each order);
* median time to acknowledge (dispatch → 签收) and to resolve (opened → reply), in hours
  (taken in SQL over exact microsecond durations, handed here as the middle one or two);
* overdue: still open (not replied) with the deadline passed; returned: times sent back.

An order's department is the one it was last dispatched to; its period is the time it
was opened (Asia/Shanghai). Shares are exact (Fraction) and shown by ``consult.numbers``;
"—" when nothing is counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from consult.messages import N_
from consult.numbers import percent_text

DASH = "—"
EARLIEST, LATEST = date(1970, 1, 1), date(9000, 12, 31)  # beyond these a bound bounds nothing
PERIODS = {"all": N_("all time"), "month": N_("this month"), "quarter": N_("this quarter"), "year": N_("this year")}

# Each figure: what it is and its formula in plain words, beside it on the page.
FORMULAS = {
    "response": (N_("Response rate (响应率)"), N_("acknowledged in time ÷ dispatched")),
    "resolution": (N_("Resolution rate (解决率)"), N_("replied by the deadline ÷ due (deadline passed or replied)")),
    "satisfaction": (N_("Satisfaction rate (满意率)"), N_("(satisfied + basically satisfied) ÷ rated")),
    "ack_median": (N_("Median time to acknowledge"), N_("middle value of dispatch → acknowledgement, in hours")),
    "resolve_median": (N_("Median time to resolve"), N_("middle value of opened → reply, in hours")),
    "overdue": (N_("Overdue"), N_("open orders past their deadline")),
    "returned": (N_("Returned"), N_("times sent back by the department")),
}


@dataclass
class Counts:
    """The sums a group's figures are made of (each from one SQL aggregate, added up).
    Medians do not add up: each group's comes from SQL on its own (``Middle``)."""

    orders: int = 0
    dispatched: int = 0
    acknowledged_in_time: int = 0
    due: int = 0
    resolved_in_time: int = 0
    rated: int = 0
    satisfied: int = 0
    overdue: int = 0
    returned: int = 0

    def add(self, other: "Counts") -> None:
        for name in ("orders", "dispatched", "acknowledged_in_time", "due", "resolved_in_time", "rated",
                     "satisfied", "overdue", "returned"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Middle:
    """The middle value (odd count) or two middle values (even count) of a group's
    durations, as their sum in microseconds and how many they are (1 or 2)."""

    microseconds: int = 0
    values: int = 0  # 0: the group has no such duration


def share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def share_text(value: Fraction | None) -> str:
    """"33.3 %" style text without the sign (the template adds it), or "—"."""
    return DASH if value is None else percent_text(value)


def median_hours(middle: Middle) -> Fraction | None:
    """The median in hours, exact: the mean of the middle values."""
    if not middle.values:
        return None
    return Fraction(middle.microseconds, middle.values) / 3_600_000_000


def hours_text(value: Fraction | None) -> str:
    """Hours to one decimal, rounded half up, or "—"."""
    if value is None:
        return DASH
    tenths = (value * 10 + Fraction(1, 2)).__floor__()
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


@dataclass(frozen=True)
class Figures:
    """One row of the scoreboard: the counts and the figures made of them (text as shown)."""

    orders: int
    dispatched: int
    acknowledged_in_time: int
    due: int
    resolved_in_time: int
    rated: int
    satisfied: int
    overdue: int
    returned: int
    response_rate: str  # percent without the sign, or "—"
    resolution_rate: str
    satisfaction_rate: str
    median_hours_to_acknowledge: str
    median_hours_to_resolve: str


def figures(c: Counts, ack: Middle = Middle(), resolve: Middle = Middle()) -> Figures:
    return Figures(
        orders=c.orders, dispatched=c.dispatched, acknowledged_in_time=c.acknowledged_in_time, due=c.due,
        resolved_in_time=c.resolved_in_time, rated=c.rated, satisfied=c.satisfied, overdue=c.overdue,
        returned=c.returned,
        response_rate=share_text(share(c.acknowledged_in_time, c.dispatched)),
        resolution_rate=share_text(share(c.resolved_in_time, c.due)),
        satisfaction_rate=share_text(share(c.satisfied, c.rated)),
        median_hours_to_acknowledge=hours_text(median_hours(ack)),
        median_hours_to_resolve=hours_text(median_hours(resolve)),
    )


def period_bounds(period: str, start: date | None, end: date | None, today: date) -> tuple[date | None, date | None]:
    """The first day and the day after the last (local dates): the current month, quarter
    or year, else ``start``..``end`` inclusive (either open), else all time."""
    if period == "month":
        first = today.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    if period == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return first, (first + timedelta(days=95)).replace(day=1)
    if period == "year":
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    start = None if start is None or start <= EARLIEST else start
    end = None if end is None or end >= LATEST else end
    return start, (end + timedelta(days=1)) if end else None


def local_start(day: date | None, tz) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0, 0), tz)
