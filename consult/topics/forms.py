"""What a topic's forms take, checked as pure rules on top of ``consult.fields``.

Every check reports all invalid fields at once, as one ``TopicInputError``. What a
transition takes is not written here a second time: ``check_action_input`` reads
``lifecycle.ACTION_INPUTS`` field by field.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import consult.fields as fields
from consult.fields import FieldError, FormErrors, InputError, field_error
from consult.messages import N_
from consult.places.settings import PlaceSettings
from consult.topics.evaluation import RATING_COMMENT_MAX, Rating
from consult.topics.lifecycle import (
    ACTION_INPUTS,
    EVALUATION_DEFAULT_DAYS,
    EVALUATION_MAX_DAYS,
    MERGE_TARGET_STATES,
    REASON_LENGTH,
    SCREENING_ACTIONS,
    TITLE_LENGTH,
    Action,
    ActionInput,
    FundingRoute,
    InputKind,
    TopicState,
    TransitionRefused,
    _as_action,
)


class Stance(StrEnum):
    support = "support"
    oppose = "oppose"
    neutral = "neutral"


DESCRIPTION_LENGTH = (10, 5000)
PROGRESS_NOTE_LENGTH = (1, 2000)
COMMENT_LENGTH = (1, 2000)

# The merge target's own messages (the field messages of every form are fields.INPUT_MESSAGES).
MERGE_MESSAGES: dict[str, str] = {
    "same_topic": N_("A topic cannot be merged into itself."),
    "target_not_found": N_("There is no topic number {target_id}."),
    "target_wrong_state": N_(
        "Topic {target_id} is {state}; only a proposed topic or one under discussion can take in another."
    ),
}


class TopicInputError(InputError):
    """Every invalid field of one topic form, as ``{field: FieldError}``; a ``state``
    parameter of a field message is shown by its label."""

    ALERT_ID = "topic-alert"
    PARAM_LABELS = TransitionRefused.PARAM_LABELS


def _one(name: str, parsed: tuple[Any, FieldError | None]) -> Any:
    """One field's value, or its error raised alone."""
    value, error = parsed
    errors = FormErrors()
    errors.add(name, error)
    errors.raise_if_any(TopicInputError)
    return value


# --------------------------------------------------------------------------- proposal


@dataclass(frozen=True)
class ProposalInput:
    title: str
    description: str
    category: str
    grid_id: int


def validate_proposal(
    title: object,
    description: object,
    category: object,
    grid_id: object,
    allowed_categories: Collection[str],
    allowed_grid_ids: Collection[int],
) -> ProposalInput:
    """A new topic: title 4–80, description 10–5000 characters, a listed category and
    grid. ``grid_id`` may be the form's string."""
    errors = FormErrors()
    clean_title, err = fields.text(title, TITLE_LENGTH, multiline=False)
    errors.add("title", err)
    clean_description, err = fields.text(description, DESCRIPTION_LENGTH, multiline=True)
    errors.add("description", err)
    clean_category, err = fields.choice(category, set(allowed_categories))
    errors.add("category", err)
    clean_grid, err = fields.row_id(grid_id)
    if err is None and clean_grid not in set(allowed_grid_ids):
        err = field_error("not_a_choice")
    errors.add("grid_id", err)
    errors.raise_if_any(TopicInputError)
    return ProposalInput(clean_title, clean_description, clean_category, clean_grid)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- transitions


def _merge_target(value: object, topic_id: int | None, target_state: object) -> tuple[int | None, FieldError | None]:
    target, err = fields.row_id(value)
    if err is not None and err.code == "not_a_choice":
        err = field_error("target_not_found", MERGE_MESSAGES, target_id=value)
    if err is None and topic_id is not None and target == topic_id:
        err = field_error("same_topic", MERGE_MESSAGES)
    if err is None and target_state is None:
        err = field_error("target_not_found", MERGE_MESSAGES, target_id=target)
    if err is None and TopicState(target_state) not in MERGE_TARGET_STATES:  # type: ignore[arg-type]
        err = field_error("target_wrong_state", MERGE_MESSAGES, target_id=target, state=TopicState(target_state))  # type: ignore[arg-type]
    return target, err


def _parse(spec: ActionInput, value: object, today: date, topic_id: int | None, target_state: object,
           settings: PlaceSettings | None = None):
    kind = spec.kind
    if kind in (InputKind.line, InputKind.text):
        return fields.text(value, spec.length, multiline=kind is InputKind.text)
    if kind is InputKind.future_date:
        return fields.future_date(value, today, default_days=spec.days_at(settings), max_days=spec.max_days)
    if kind is InputKind.yuan:
        return fields.money(value, *spec.length)
    if kind is InputKind.choice:
        return fields.choice(value, set(spec.choices))
    return _merge_target(value, topic_id, target_state)


def check_action_input(
    action: Action | str,
    values: Mapping[str, object],
    today: date,
    *,
    topic_id: int | None = None,
    target_state: TopicState | str | None = None,
    settings: PlaceSettings | None = None,
) -> dict[str, Any]:
    """The fields ``ACTION_INPUTS`` names for ``action``, checked; every error at once.
    A merge's target is loaded by the command, which passes its state as
    ``target_state`` (None when there is no such topic). ``settings``: the topic's
    place's (an empty date takes its default days; None: the built-in defaults)."""
    errors = FormErrors()
    result: dict[str, Any] = {}
    for spec in ACTION_INPUTS[_as_action(action)]:
        result[spec.name], err = _parse(spec, values.get(spec.name), today, topic_id, target_state, settings)
        errors.add(spec.name, err)
    errors.raise_if_any(TopicInputError)
    return result


@dataclass(frozen=True)
class ScreeningInput:
    """What a screening decision carries; fields not used by the action are None."""

    action: Action
    end_date: date | None = None
    reason: str | None = None
    department: str | None = None
    reference_number: str | None = None
    target_id: int | None = None


def validate_screening(
    action: Action | str,
    *,
    today: date,
    topic_id: int | None = None,
    target_state: TopicState | str | None = None,
    settings: PlaceSettings | None = None,
    **values: object,
) -> ScreeningInput:
    """The input of one screening action (also ``reject`` from ``discussing``), by
    ``ACTION_INPUTS``: open_discussion an ``end_date`` after today and within a year
    (empty: today + the place's discussion length, by default 14 days); reject a public ``reason`` (4–1000); refer a
    ``department`` (2–100) and ``reference_number`` (1–50); merge the ``target_id``
    of another topic, proposed or under discussion."""
    action = _as_action(action)
    if action not in SCREENING_ACTIONS:
        raise ValueError(f"{action} is not a screening action")
    data = check_action_input(action, values, today, topic_id=topic_id, target_state=target_state, settings=settings)
    return ScreeningInput(action=action, **data)


def validate_evaluation_window(end_date: object, today: date, settings: PlaceSettings | None = None) -> date:
    """The end of the evaluation window: after today, within a year; empty = the place's
    evaluation window (by default 14 days)."""
    return check_action_input(Action.open_evaluation, {"end_date": end_date}, today, settings=settings)["end_date"]


@dataclass(frozen=True)
class ProjectSheet:
    """问题清单 + 责任清单, with the committee's consensus summary."""

    title: str
    scope: str
    estimated_cost: int  # whole yuan
    responsible_unit: str
    responsible_person: str
    deadline: date
    funding_route: FundingRoute
    consensus_summary: str


def validate_project_sheet(
    title: object,
    scope: object,
    estimated_cost: object,
    responsible_unit: object,
    responsible_person: object,
    deadline: object,
    funding_route: object,
    consensus_summary: object,
    today: date,
) -> ProjectSheet:
    """The project sheet that closes a discussion, by ``ACTION_INPUTS[form_project]``:
    cost a whole number of yuan 0–10^10 (digits, may be grouped: "500,000"), deadline after today."""
    return project_sheet(dict(locals()), today)


def project_sheet(values: Mapping[str, object], today: date) -> ProjectSheet:
    """``ACTION_INPUTS[form_project]`` from a form, checked, as a ``ProjectSheet``."""
    data = check_action_input(Action.form_project, values, today)
    return ProjectSheet(**{**data, "funding_route": FundingRoute(data["funding_route"])})


# --------------------------------------------------------------------------- activities


@dataclass(frozen=True)
class ProgressInput:
    percent: int
    note: str
    date: date


def validate_progress(percent: object, note: object, date: object, today: date) -> ProgressInput:
    """A progress update: percent a whole number 0–100, a note (1–2000 characters),
    a date not after ``today`` (empty = today)."""
    errors = FormErrors()
    clean_percent, err = fields.integer(percent)
    if err is None and clean_percent is not None and not 0 <= clean_percent <= 100:
        err = field_error("out_of_range", min=0, max=100)
    errors.add("percent", err)
    clean_note, err = fields.text(note, PROGRESS_NOTE_LENGTH, multiline=True)
    errors.add("note", err)
    if fields.is_blank(date):
        day, err = today, None
    else:
        day, err = fields.a_date(date)
        if err is None and day is not None and day > today:
            err = field_error("in_future", today=today.isoformat())
    errors.add("date", err)
    errors.raise_if_any(TopicInputError)
    return ProgressInput(clean_percent, clean_note, day)  # type: ignore[arg-type]


def validate_comment(body: object) -> str:
    """A comment or reply: 1–2000 characters, newlines and tabs allowed."""
    return _one("body", fields.text(body, COMMENT_LENGTH, multiline=True))


# A supervision note (监督意见) has the same limits as a comment.
validate_supervision_note = validate_comment


def validate_reason(reason: object, field_name: str = "reason") -> str:
    """A public reason (hiding a comment): 4–1000 characters, like a rejection's."""
    return _one(field_name, fields.text(reason, REASON_LENGTH, multiline=True))


def validate_parent(parent_id: object) -> int | None:
    """The comment a reply answers, or None (a comment); a number no comment can have
    is refused as "not a choice" on the comment's body."""
    if parent_id in (None, ""):
        return None
    number, err = fields.row_id(parent_id)
    return _one("body", (number, field_error("not_a_choice") if err else None))


def validate_stance(value: object) -> Stance:
    return Stance(_one("stance", fields.choice(value, {s.value for s in Stance})))


@dataclass(frozen=True)
class RatingInput:
    value: Rating
    comment: str  # "" when none was given


def validate_rating(value: object, comment: object = None) -> RatingInput:
    """A rating: one of ``Rating``; an optional comment of at most 500 characters."""
    errors = FormErrors()
    choice, err = fields.choice(value, {r.value for r in Rating})
    errors.add("value", err)
    text, err = fields.text(comment, (0, RATING_COMMENT_MAX), multiline=True, required=False)
    errors.add("comment", err)
    errors.raise_if_any(TopicInputError)
    return RatingInput(Rating(choice), text)


__all__ = [
    "EVALUATION_DEFAULT_DAYS", "EVALUATION_MAX_DAYS", "ProjectSheet", "ProposalInput", "RatingInput",
    "ScreeningInput", "Stance", "TopicInputError", "check_action_input", "validate_comment",
    "validate_evaluation_window", "validate_parent", "validate_progress", "validate_project_sheet",
    "project_sheet", "validate_proposal", "validate_rating", "validate_reason", "validate_screening", "validate_stance",
    "validate_supervision_note",
]
