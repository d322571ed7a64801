"""Parsing one form field, the same way for every feature. Standard library only.

Each parser takes the raw value (a string from a form, or an already typed value from
code) and returns ``(value, error)``: ``error`` is a ``FieldError`` or None. A form
gathers its fields' errors in a ``FormErrors`` so that it reports all of them at once
and raises one ``InputError`` (status 400) carrying ``{field: FieldError}``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, NamedTuple

from consult.messages import N_, Refusal

# Row ids are 32-bit integers on PostgreSQL (serial); a larger number names no row, and the
# database drivers refuse to send it (asyncpg: int32 overflow, sqlite3: past int64).
MAX_ID = 2**31 - 1


class FieldError(NamedTuple):
    """One field's error: ``(code, English message template, params)``."""

    code: str
    message: str
    params: dict[str, Any]


INPUT_MESSAGES: dict[str, str] = {
    "required": N_("This field is required."),
    "too_short": N_("Must be at least {min} characters."),
    "too_long": N_("Must be at most {max} characters."),
    "control_characters": N_("Must not contain control characters."),
    "not_a_choice": N_("Choose one of the listed options."),
    "not_integer": N_("Must be a whole number."),
    "negative": N_("Must not be negative."),
    "too_large": N_("Must be at most {max}."),
    "out_of_range": N_("Must be between {min} and {max}."),
    "invalid_date": N_("Enter a date as YYYY-MM-DD."),
    "not_in_future": N_("Must be a date after {today}."),
    "in_future": N_("Must not be a date after {today}."),
    "too_far": N_("Must be at most {max_days} days after {today}."),
}


def field_error(code: str, messages: Mapping[str, str] = INPUT_MESSAGES, **params: Any) -> FieldError:
    return FieldError(code, messages[code], params)


class InputError(Refusal, ValueError):
    """Every invalid field of one form, as ``{field: FieldError}``. Pages re-render their
    form with the messages beside the fields; anywhere else it is a 400 refusal."""

    status_code: ClassVar[int] = 400

    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        self.errors: dict[str, FieldError] = dict(errors)
        super().__init__(
            "; ".join(f"{name}: {err.message.format(**err.params)}" for name, err in self.errors.items())
        )


class FormErrors:
    """Gathers field errors so that a form reports all of them at once. The first error
    of a field is kept; ``raise_if_any(InputErrorSubclass)`` raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, FieldError] = {}

    def add(self, name: str, error: FieldError | None) -> None:
        if error is not None and name not in self.errors:
            self.errors[name] = error

    def raise_if_any(self, error_type: type[InputError] = InputError) -> None:
        if self.errors:
            raise error_type(self.errors)


def is_id(value: int) -> bool:
    return 0 <= value <= MAX_ID


def has_control(text: str, *, multiline: bool) -> bool:
    """Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F; a textarea may
    hold newlines and tabs."""
    allowed = "\n\t" if multiline else ""
    return any((ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) and ch not in allowed for ch in text)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(
    value: object, length: tuple[int, int], *, multiline: bool, required: bool = True
) -> tuple[str, FieldError | None]:
    """Strip and check one text field. Browsers send CRLF from a textarea: count it as
    one newline."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", field_error("required")
    cleaned = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    low, high = length
    if not cleaned:
        return "", (field_error("required") if required and low > 0 else None)
    if has_control(cleaned, multiline=multiline):
        return cleaned, field_error("control_characters")
    if len(cleaned) < low:
        return cleaned, field_error("too_short", min=low, max=high)
    if len(cleaned) > high:
        return cleaned, field_error("too_long", min=low, max=high)
    return cleaned, None


_DIGITS = frozenset("0123456789")


def integer(value: object) -> tuple[int | None, FieldError | None]:
    """A whole number from an int or a string of ASCII digits (optional leading '-')."""
    if isinstance(value, bool):
        return None, field_error("not_integer")
    if isinstance(value, int):
        return value, None
    if value is None:
        return None, field_error("required")
    if not isinstance(value, str):
        return None, field_error("not_integer")
    cleaned = value.strip()
    if not cleaned:
        return None, field_error("required")
    negative = cleaned.startswith("-")
    digits = cleaned[1:] if negative else cleaned
    if not digits or not set(digits) <= _DIGITS:
        return None, field_error("not_integer")
    digits = digits.lstrip("0") or "0"
    # Beyond every limit here; stand in a bound so int() stays cheap on long input.
    number = int(digits) if len(digits) <= 30 else 10**31
    return (-number if negative else number), None


def bounded_integer(value: object, low: int, high: int) -> tuple[int | None, FieldError | None]:
    """A whole number from ``low`` to ``high``: "negative" below 0, "too_large" above."""
    number, error = integer(value)
    if error is not None or number is None:
        return None, error
    if number < 0 <= low:
        return number, field_error("negative")
    if number > high:
        return number, field_error("too_large", max=high)
    if number < low:
        return number, field_error("out_of_range", min=low, max=high)
    return number, None


# Thousands separators as the site displays money ("500,000", yuan_text) and as a Chinese
# input method types them ("500，000"): groups of three digits after the first 1–3.
_GROUPED = re.compile(r"^-?\d{1,3}([,，]\d{3})+$")


def money(value: object, low: int, high: int) -> tuple[int | None, FieldError | None]:
    """A whole number of yuan from ``low`` to ``high``, as ``bounded_integer``, that may be
    grouped by thousands with "," or "，" (the format the site displays): "500,000"."""
    if isinstance(value, str) and _GROUPED.match(value.strip()):
        value = value.strip().replace(",", "").replace("，", "")
    return bounded_integer(value, low, high)


def a_date(value: object) -> tuple[date | None, FieldError | None]:
    """A date from a ``date`` (a ``datetime`` is cut to its date) or ISO text."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if is_blank(value):
        return None, field_error("required")
    if not isinstance(value, str):
        return None, field_error("invalid_date")
    try:
        return date.fromisoformat(value.strip()), None
    except ValueError:
        return None, field_error("invalid_date")


def future_date(
    value: object, today: date, *, default_days: int | None = None, max_days: int | None = None
) -> tuple[date | None, FieldError | None]:
    """A date strictly after ``today``; empty input takes today + ``default_days``."""
    if is_blank(value) and default_days is not None:
        return today + timedelta(days=default_days), None
    day, error = a_date(value)
    if error is not None or day is None:
        return None, error
    if day <= today:
        return day, field_error("not_in_future", today=today.isoformat())
    if max_days is not None and day > today + timedelta(days=max_days):
        return day, field_error("too_far", today=today.isoformat(), max_days=max_days)
    return day, None


def choice(value: object, allowed: Collection[Any]) -> tuple[Any, FieldError | None]:
    if is_blank(value):
        return None, field_error("required")
    cleaned = value.strip() if isinstance(value, str) else value
    if cleaned in allowed:
        return cleaned, None
    return None, field_error("not_a_choice")


def row_id(value: object) -> tuple[int | None, FieldError | None]:
    """The id of a row chosen from a list: a number that no row can have is "not a choice"."""
    number, error = integer(value)
    if error is not None:
        return None, error if error.code == "required" else field_error("not_a_choice")
    if number is None or number <= 0 or number > MAX_ID:
        return None, field_error("not_a_choice")
    return number, None
