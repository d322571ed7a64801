"""A place's holiday calendar (节假日 and 调休), a place setting inherited like the others
(``consult.places.settings``). Standard library only.

Each place lists its own days (``CalendarDay``: a date, a kind, a name); what holds at a
place is the days of the place and of every place above it, the nearest place winning
for a date both list (a community may work on a district's holiday). ``holiday`` takes a
working day off; ``workday`` makes a weekend day a working day (调休). The work-order
clocks read the result (``consult.workorders.clocks.calendar_of``).

The CSV format (``consult places holidays PLACE FILE.csv`` and the upload on the place's
settings page): ``date,kind,name`` per line, an optional header line, UTF-8. A bad row is
reported by its line number and nothing is imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from consult.fields import FormErrors, InputError, a_date, choice, has_control, text
from consult.messages import N_


class DayKind(StrEnum):
    holiday = "holiday"  # 节假日: no working time
    workday = "workday"  # 调休: a weekend day worked


KIND_LABELS = {DayKind.holiday: N_("Holiday"), DayKind.workday: N_("Working day (make-up)")}
NAME_MAX = 40
MAX_ROWS = 1000

CSV_MESSAGES = {
    "encoding": N_("The file is not UTF-8 text."),
    "columns": N_("Line {line}: a row has three columns: date,kind,name."),
    "date": N_("Line {line}: the date must be written YYYY-MM-DD."),
    "kind": N_("Line {line}: the kind must be holiday or workday."),
    "name": N_("Line {line}: the name has at most {max} characters, without control characters."),
    "twice": N_("Line {line}: the date {day} is already listed on line {first}."),
    "empty": N_("The file lists no days."),
    "too_many": N_("The file holds more than {max} rows."),
}


@dataclass(frozen=True)
class Day:
    day: date
    kind: DayKind
    name: str = ""


class CalendarInputError(InputError):
    """Bad input on the calendar form: ``errors`` maps field -> FieldError."""


class CalendarFileRefused(Exception):
    """The file has problems (each ``(code, params)``); nothing was imported."""

    def __init__(self, problems: list[tuple[str, dict]]) -> None:
        super().__init__("; ".join(CSV_MESSAGES[c].format(**p) for c, p in problems))
        self.problems = problems


def parse_day(form: Mapping[str, object]) -> Day:
    """One day from the settings page's form, every field's error at once."""
    errors = FormErrors()
    day, error = a_date(form.get("day"))
    errors.add("day", error)
    kind, error = choice(form.get("kind"), {k.value for k in DayKind})
    errors.add("kind", error)
    name, error = text(form.get("name"), (0, NAME_MAX), multiline=False, required=False)
    errors.add("name", error)
    errors.raise_if_any(CalendarInputError)
    return Day(day, DayKind(kind), name or "")  # type: ignore[arg-type]


def _row(line: int, cells: list[str]) -> Day | tuple[str, dict]:
    if len(cells) not in (2, 3):
        return "columns", {"line": line}
    raw_day, raw_kind, name = cells[0].strip(), cells[1].strip().lower(), (cells[2] if len(cells) == 3 else "").strip()
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        return "date", {"line": line}
    if raw_kind not in {k.value for k in DayKind}:
        return "kind", {"line": line}
    if len(name) > NAME_MAX or has_control(name, multiline=False):
        return "name", {"line": line, "max": NAME_MAX}
    return Day(day, DayKind(raw_kind), name)


def parse_calendar_csv(data: bytes) -> list[Day]:
    """Every day of the file, or ``CalendarFileRefused`` with every problem by line."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarFileRefused([("encoding", {})]) from None
    days: list[Day] = []
    problems: list[tuple[str, dict]] = []
    first_line: dict[date, int] = {}
    reader = csv.reader(io.StringIO(content.replace("\x00", "\ufffd"), newline=""))
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if not days and not problems and cells[0].strip().lower() == "date":
                continue  # the header line
            parsed = _row(line, cells)
            if isinstance(parsed, Day) and parsed.day in first_line:
                parsed = ("twice", {"line": line, "day": parsed.day.isoformat(), "first": first_line[parsed.day]})
            if isinstance(parsed, Day):
                first_line[parsed.day] = line
                days.append(parsed)
            else:
                problems.append(parsed)
            if len(days) + len(problems) > MAX_ROWS:
                raise CalendarFileRefused([("too_many", {"max": MAX_ROWS})])
    except csv.Error:
        problems.append(("columns", {"line": reader.line_num}))
    if problems:
        raise CalendarFileRefused(problems)
    if not days:
        raise CalendarFileRefused([("empty", {})])
    return days


def inherited(chain: Iterable[Iterable[Day]]) -> dict[date, Day]:
    """The days that hold at a place from its chain's own days, the root first and the
    place last: a nearer place's day replaces a farther one's for the same date."""
    out: dict[date, Day] = {}
    for own in chain:
        for d in own:
            out[d.day] = d
    return out


def split(days: Mapping[date, Day]) -> tuple[frozenset[date], frozenset[date]]:
    """(holidays, make-up working days) of resolved days."""
    return (frozenset(d for d, v in days.items() if v.kind is DayKind.holiday),
            frozenset(d for d, v in days.items() if v.kind is DayKind.workday))


__all__ = ["CSV_MESSAGES", "CalendarFileRefused", "CalendarInputError", "Day", "DayKind", "KIND_LABELS",
           "inherited", "parse_calendar_csv", "parse_day", "split"]
