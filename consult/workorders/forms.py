"""The input of each work-order action, checked by ``ACTION_INPUTS`` (consult.workorders.
lifecycle), and of a plain service request. Standard library and the leaves only."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

from consult.fields import FormErrors, InputError, choice, field_error, future_date, row_id, text
from consult.workorders.lifecycle import ACTION_INPUTS, Input, OrderAction, Rating

DEADLINE_MAX_DAYS = 365
REASON_MIN = 2
TITLE_LENGTH, DESCRIPTION_LENGTH = (4, 80), (10, 2000)


class OrderInputError(InputError):
    """Bad input for a work-order form: ``errors`` maps field -> FieldError."""


def _one(spec: Input, raw: object, today: date, departments: Collection[int]):
    if spec.kind == "text":
        low = REASON_MIN if spec.required else 0
        return text(raw, (low, spec.max_length), multiline=True, required=spec.required)
    if spec.kind == "date":
        return future_date(raw, today, max_days=DEADLINE_MAX_DAYS)
    if spec.kind == "department":
        number, error = row_id(raw)
        if error is None and number not in departments:
            error = field_error("not_a_choice")
        return number, error
    return choice(raw, {r.value for r in Rating})


def parse_action(action: OrderAction | str, form: Mapping[str, object], today: date,
                 departments: Collection[int] = ()) -> dict[str, object]:
    """The values of ``action``'s inputs, every field's error at once (``OrderInputError``)."""
    errors = FormErrors()
    out: dict[str, object] = {}
    for spec in ACTION_INPUTS[OrderAction(action)]:
        value, error = _one(spec, form.get(spec.name), today, departments)
        errors.add(spec.name, error)
        out[spec.name] = value
    errors.raise_if_any(OrderInputError)
    return out


@dataclass(frozen=True)
class ServiceRequest:
    title: str
    description: str
    category_id: int
    grid_id: int


def parse_request(form: Mapping[str, object], categories: Collection[int], grids: Collection[int]) -> ServiceRequest:
    """A plain service request (接诉即办) entered by staff."""
    errors = FormErrors()
    title, error = text(form.get("title"), TITLE_LENGTH, multiline=False)
    errors.add("title", error)
    description, error = text(form.get("description"), DESCRIPTION_LENGTH, multiline=True)
    errors.add("description", error)
    category, error = choice(_as_int(form.get("category")), categories)
    errors.add("category", error)
    grid, error = choice(_as_int(form.get("grid")), grids)
    errors.add("grid", error)
    errors.raise_if_any(OrderInputError)
    return ServiceRequest(title, description, category, grid)  # type: ignore[arg-type]


def _as_int(raw: object) -> object:
    number, error = row_id(raw)
    return raw if error else number
