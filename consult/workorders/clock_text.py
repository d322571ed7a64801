"""A work-order clock as people say it: "剩余 3 小时", "已超时 2 天" ("3 hours left", "2 days
overdue", "1 day overdue"). The clock itself is pure (``consult.workorders.calendar.
clock_words``: the largest whole unit, rounded down); this is its one wording, in the
viewer's language with proper plurals, read by every page that shows an order."""

from __future__ import annotations

from collections.abc import Callable

from consult.web.i18n import ngettext

WORDING: dict[str, Callable[[int], str]] = {
    "left_minutes": lambda n: ngettext("{num} minute left", "{num} minutes left", n),
    "left_hours": lambda n: ngettext("{num} hour left", "{num} hours left", n),
    "left_days": lambda n: ngettext("{num} day left", "{num} days left", n),
    "over_minutes": lambda n: ngettext("{num} minute overdue", "{num} minutes overdue", n),
    "over_hours": lambda n: ngettext("{num} hour overdue", "{num} hours overdue", n),
    "over_days": lambda n: ngettext("{num} day overdue", "{num} days overdue", n),
}


def clock_text(clock: tuple[str, int] | None) -> str:
    """The words of a clock (``clock_of``'s pair), or "" when no clock runs."""
    if clock is None:
        return ""
    key, n = clock
    return WORDING[key](n)


def is_overdue(clock: tuple[str, int] | None) -> bool:
    return bool(clock and clock[0].startswith("over"))
