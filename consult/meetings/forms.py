"""A meeting's forms, checked: scheduling (or editing), recording, the show of hands and
cancelling. Pure: every field's error at once (``MeetingInputError``), nothing written."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from consult.fields import FieldError, FormErrors, InputError, a_date, bounded_integer, choice, field_error, is_blank, row_id, text
from consult.meetings.lifecycle import MAX_AGENDA, MeetingKind
from consult.messages import N_

LOCAL = timezone(timedelta(hours=8))  # the community's time (Asia/Shanghai)
TITLE_LENGTH = (4, 80)
LOCATION_LENGTH = (2, 100)
MINUTES_LENGTH = (10, 20000)
REASON_LENGTH = (4, 500)
MAX_PEOPLE = 100_000
PAST_DAYS = 60  # a meeting held offline may be entered afterwards, within two months
FUTURE_DAYS = 365

MESSAGES = {
    "invalid_time": N_("Enter a time as HH:MM."),
    "too_early": N_("Must be at most {days} days ago."),
    "too_late": N_("Must be at most {days} days from now."),
    "agenda_empty": N_("Choose at least one topic for the agenda."),
    "agenda_long": N_("An agenda has at most {max} topics."),
    "not_listed": N_("Choose from the listed topics."),
    "not_an_account": N_("Choose people from the list."),
}


class MeetingInputError(InputError):
    """Bad input for a meeting form: ``errors`` maps field -> FieldError."""


def _error(code: str, **params) -> FieldError:
    return field_error(code, MESSAGES, **params)


@dataclass(frozen=True)
class MeetingInput:
    kind: MeetingKind
    title: str
    location: str
    starts_at: datetime  # UTC
    topic_ids: tuple[int, ...]


@dataclass(frozen=True)
class RecordInput:
    minutes: str
    head_count: int
    attendee_ids: tuple[int, ...]


def _time(value: object) -> tuple[time | None, FieldError | None]:
    if is_blank(value):
        return None, field_error("required")
    try:
        return time.fromisoformat(str(value).strip()[:5]), None
    except ValueError:
        return None, _error("invalid_time")


def _ids(values: Iterable[object], allowed: Collection[int]) -> tuple[tuple[int, ...], bool]:
    """The chosen ids in order, once each, and whether every one is in ``allowed``."""
    out: list[int] = []
    ok = True
    for value in values:
        number, error = row_id(value)
        if error is not None or number not in allowed:
            ok = False
        elif number not in out:
            out.append(number)
    return tuple(out), ok


def validate_meeting(values: Mapping[str, object], topic_ids: Iterable[object], *, agenda_choices: Collection[int],
                     now: datetime) -> MeetingInput:
    """``values``: kind, title, location, on_date, at_time (local time); ``topic_ids`` as posted."""
    errors = FormErrors()
    kind, err = choice(values.get("kind"), {k.value for k in MeetingKind})
    errors.add("kind", err)
    title, err = text(values.get("title"), TITLE_LENGTH, multiline=False)
    errors.add("title", err)
    location, err = text(values.get("location"), LOCATION_LENGTH, multiline=False)
    errors.add("location", err)
    day, err = a_date(values.get("on_date"))
    errors.add("on_date", err)
    at, err = _time(values.get("at_time"))
    errors.add("at_time", err)
    starts_at = None
    if day is not None and at is not None:
        starts_at = datetime.combine(day, at, LOCAL).astimezone(timezone.utc)
        if starts_at < now - timedelta(days=PAST_DAYS):
            errors.add("on_date", _error("too_early", days=PAST_DAYS))
        elif starts_at > now + timedelta(days=FUTURE_DAYS):
            errors.add("on_date", _error("too_late", days=FUTURE_DAYS))
    chosen, ok = _ids(topic_ids, agenda_choices)
    if not ok:
        errors.add("topics", _error("not_listed"))
    elif not chosen:
        errors.add("topics", _error("agenda_empty"))
    elif len(chosen) > MAX_AGENDA:
        errors.add("topics", _error("agenda_long", max=MAX_AGENDA))
    errors.raise_if_any(MeetingInputError)
    assert starts_at is not None
    return MeetingInput(MeetingKind(kind), title, location, starts_at, chosen)


def validate_record(minutes: object, head_count: object, attendee_ids: Iterable[object],
                    accounts: Collection[int]) -> RecordInput:
    """The minutes, the head count of people present who are not online, the accounts present."""
    errors = FormErrors()
    text_, err = text(minutes, MINUTES_LENGTH, multiline=True)
    errors.add("minutes", err)
    count, err = (0, None) if is_blank(head_count) else bounded_integer(head_count, 0, MAX_PEOPLE)
    errors.add("head_count", err)
    chosen, ok = _ids(attendee_ids, accounts)
    if not ok:
        errors.add("attendees", _error("not_an_account"))
    errors.raise_if_any(MeetingInputError)
    return RecordInput(text_, int(count or 0), chosen)


HANDS_FIELDS = ("hands_for", "hands_against", "hands_abstain")


def validate_hands(values: Mapping[str, object]) -> tuple[int, int, int] | None:
    """The show-of-hands count (for, against, abstaining), or None when none was taken (all
    three empty); a count given in part counts the empty ones as 0."""
    if all(is_blank(values.get(name)) for name in HANDS_FIELDS):
        return None
    errors = FormErrors()
    counts = []
    for name in HANDS_FIELDS:
        number, err = (0, None) if is_blank(values.get(name)) else bounded_integer(values.get(name), 0, MAX_PEOPLE)
        errors.add(name, err)
        counts.append(number or 0)
    errors.raise_if_any(MeetingInputError)
    return counts[0], counts[1], counts[2]


def validate_reason(value: object) -> str:
    reason, err = text(value, REASON_LENGTH, multiline=True)
    if err is not None:
        raise MeetingInputError({"reason": err})
    return reason
