"""Input rules for places and departments. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass

from consult.fields import FieldError, FormErrors, InputError, field_error, has_control
from consult.messages import N_
from consult.places.tree import Kind, may_hold

MAX_HOUSEHOLDS = 1_000_000
NAME_MAX = 100

PLACE_MESSAGES = {
    "name": N_("Name: 1 to {max} characters."),
    "kind": N_("Choose the kind of place from the list."),
    "parent": N_("Choose the place it belongs to from the list."),
    "misplaced": N_("A {kind} cannot sit directly under a {parent}."),
    "households": N_("Households: a whole number from 0 to {max}."),
    "taken": N_("{parent} already has a place called {name}."),
}


def place_error(code: str, **params) -> FieldError:
    return field_error(code, PLACE_MESSAGES, **params)


class PlaceInputError(InputError):
    """Bad input for a place or department form: `errors` maps field -> FieldError."""


def clean_name(value, errors: FormErrors, field_name: str = "name") -> str:
    name = " ".join(str(value or "").split())
    if not (1 <= len(name) <= NAME_MAX) or has_control(name, multiline=False):
        errors.add(field_name, place_error("name", max=NAME_MAX))
    return name


def clean_households(value, errors: FormErrors) -> int:
    text = str(value if value is not None else "0").strip().replace(",", "").replace("，", "") or "0"
    if not text.isdigit() or int(text) > MAX_HOUSEHOLDS:
        errors.add("households", place_error("households", max=f"{MAX_HOUSEHOLDS:,}"))
        return 0
    return int(text)


@dataclass(frozen=True)
class NewPlace:
    name: str
    kind: Kind
    households: int


def validate_place(name, kind, households, parent_kind: Kind | str | None) -> NewPlace:
    """A place to create under a parent of ``parent_kind`` (None: a root)."""
    errors = FormErrors()
    clean = clean_name(name, errors)
    count = clean_households(households, errors)
    try:
        kind = Kind(str(kind or ""))
    except ValueError:
        errors.add("kind", place_error("kind"))
        errors.raise_if_any(PlaceInputError)
    if not may_hold(parent_kind, kind):
        errors.add("parent", place_error("misplaced", kind=kind.value, parent=str(parent_kind or "-")))
    errors.raise_if_any(PlaceInputError)
    return NewPlace(clean, kind, count)
