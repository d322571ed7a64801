"""Input rules of the administrator's pages: moving a place, departments, categories and
the install's name. Standard library only (the rules for a new place: consult.places.domain)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from consult.fields import FormErrors, field_error, has_control
from consult.messages import N_
from consult.places.domain import NAME_MAX, PlaceInputError, clean_name, place_error
from consult.places.tree import Kind, may_hold

ADMIN_MESSAGES = {
    "move_into_itself": N_("A place cannot move under itself or under a place below it."),
    "not_root": N_("A {kind} cannot stand at the top of the tree."),
    "category_zh": N_("Chinese name: 1 to {max} characters."),
    "category_en": N_("English name: 1 to {max} characters."),
    "position": N_("Order: a whole number from 0 to {max}."),
    "install_name": N_("Name: 1 to {max} characters."),
    "department_taken": N_("{place} already has a department called {name}."),
    "parent_inactive": N_("The place above it is inactive: reactivate that one first."),
}

CATEGORY_ZH_MAX, CATEGORY_EN_MAX, SLUG_MAX = 40, 60, 40
POSITION_MAX = 9999
INSTALL_NAME_MAX = 100


def admin_error(code: str, **params):
    return field_error(code, ADMIN_MESSAGES, **params)


def check_move(kind: Kind | str, path: str, parent_kind: Kind | str | None, parent_path: str | None) -> None:
    """Whether the place of ``kind`` at ``path`` may move under the parent given (None: to the
    top). Never under itself or below itself; only where ``may_hold`` allows its kind."""
    errors = FormErrors()
    if parent_path is not None and parent_path.startswith(path):
        errors.add("parent", admin_error("move_into_itself"))
    elif parent_kind is None and not may_hold(None, kind):
        errors.add("parent", admin_error("not_root", kind=str(kind)))
    elif parent_kind is not None and not may_hold(parent_kind, kind):
        errors.add("parent", place_error("misplaced", kind=str(kind), parent=str(parent_kind)))
    errors.raise_if_any(PlaceInputError)


def clean_position(value, errors: FormErrors) -> int:
    text = str(value if value is not None else "").strip() or "0"
    if not text.isdigit() or int(text) > POSITION_MAX:
        errors.add("position", admin_error("position", max=POSITION_MAX))
        return 0
    return int(text)


def _text(value, errors: FormErrors, name: str, code: str, maximum: int) -> str:
    text = " ".join(str(value or "").split())
    if not (1 <= len(text) <= maximum) or has_control(text, multiline=False):
        errors.add(name, admin_error(code, max=maximum))
    return text


@dataclass(frozen=True)
class CategoryInput:
    name_zh: str
    name_en: str
    position: int
    active: bool


def validate_category(name_zh, name_en, position, active=True) -> CategoryInput:
    errors = FormErrors()
    zh = _text(name_zh, errors, "name_zh", "category_zh", CATEGORY_ZH_MAX)
    en = _text(name_en, errors, "name_en", "category_en", CATEGORY_EN_MAX)
    order = clean_position(position, errors)
    errors.raise_if_any(PlaceInputError)
    return CategoryInput(zh, en, order, bool(active))


def slug_for(name_en: str, taken: set[str]) -> str:
    """A slug for a new category from its English name (``Public toilets`` -> ``public-toilets``),
    made unique against ``taken`` with a number; ``category`` when nothing is left of the name."""
    ascii_text = unicodedata.normalize("NFKD", name_en).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[: SLUG_MAX - 4].strip("-") or "category"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def validate_install_name(value) -> str:
    errors = FormErrors()
    name = _text(value, errors, "name", "install_name", INSTALL_NAME_MAX)
    errors.raise_if_any(PlaceInputError)
    return name


def validate_department_name(value) -> str:
    errors = FormErrors()
    name = clean_name(value, errors)
    errors.raise_if_any(PlaceInputError)
    return name


__all__ = ["NAME_MAX", "check_move", "validate_category", "slug_for", "validate_install_name",
           "validate_department_name", "admin_error", "clean_position"]
