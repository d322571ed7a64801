"""The settings a place holds or inherits (issue 13 point 4). Standard library only.

Each place stores its own value of each setting in a column of ``place`` of the same
name as ``Setting.key``; NULL means "as the place above", and a root's NULL means the
built-in default. ``resolve`` walks from the place up to the root and says, for each
setting, the value that holds there and the place it comes from (None: the default).

What the domain reads (``PlaceSettings``, for a topic: the settings of its grid):

* ``satisfaction_percent`` / ``min_ratings``: the evaluation decision
  (``consult.topics.evaluation.decide_evaluation``), exact: the threshold is
  ``Fraction(percent, 100)``;
* ``evaluation_days``: the window the staff's form offers when an evaluation opens,
  and the length of the one extension when too few ratings came in;
* ``discussion_days``: the discussion length the committee's form offers;
* ``screening_days``: the response clock (接诉即办): a topic still proposed after this
  long is flagged "unanswered";
* ``other_grids_rate``: whether representatives of other grids may rate a project
  (residents rate only their own grid's, whatever this says);
* the work-order clocks (``consult.workorders``): ``ack_hours`` (签收, working hours),
  ``response_hours``, ``return_days`` (退回 window), the working day
  (``work_start_hour``, ``work_end_hour``) and ``weekends_off``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from consult.fields import FieldError, FormErrors, InputError, bounded_integer, field_error, is_blank
from consult.messages import N_
from consult.places.tree import Kind, Tree


class SettingKind(StrEnum):
    number = "number"  # a whole number from ``low`` to ``high``
    flag = "flag"  # yes or no


@dataclass(frozen=True)
class Setting:
    key: str  # also the column of ``place``
    label: str
    kind: SettingKind
    default: int | bool
    low: int = 0
    high: int = 0
    unit: str = ""
    hint: str = ""

    def coerce(self, stored: object) -> int | bool:
        """A stored value as the domain reads it (SQLite gives a boolean back as 0 or 1)."""
        return bool(stored) if self.kind is SettingKind.flag else int(stored)  # type: ignore[call-overload]


MAX_DAYS = 365  # the longest window a form accepts (consult.topics.lifecycle *_MAX_DAYS)

SETTINGS: tuple[Setting, ...] = (
    Setting("satisfaction_percent", N_("Satisfaction threshold"), SettingKind.number, 80, 1, 100, N_("%"),
            N_("A project is completed when at least this share of its ratings are satisfied or basically "
               "satisfied.")),
    Setting("min_ratings", N_("Minimum ratings"), SettingKind.number, 5, 1, 1000, N_("ratings"),
            N_("With fewer ratings when the window ends, the window is extended once.")),
    Setting("evaluation_days", N_("Evaluation window"), SettingKind.number, 14, 1, MAX_DAYS, N_("days"),
            N_("What the form offers when an evaluation opens; also the length of the one extension.")),
    Setting("discussion_days", N_("Discussion length"), SettingKind.number, 14, 1, MAX_DAYS, N_("days"),
            N_("What the form offers when a discussion opens.")),
    Setting("screening_days", N_("Screening response clock"), SettingKind.number, 2, 1, 30, N_("days"),
            N_("A proposed topic not screened within this time is flagged.")),
    Setting("other_grids_rate", N_("Representatives of other grids may rate"), SettingKind.flag, True,
            hint=N_("Residents rate only the projects of their own grid, whatever this says.")),
    # the work-order clocks (consult.workorders): 接诉即办
    Setting("ack_hours", N_("Work order acknowledge clock"), SettingKind.number, 2, 1, 72, N_("working hours"),
            N_("A department that does not acknowledge a work order within this time loses it to the level above.")),
    Setting("response_hours", N_("Work order first response"), SettingKind.number, 24, 1, 720, N_("hours"),
            N_("The first response to a resident is due within this time of a work order's creation.")),
    Setting("return_days", N_("Work order return window"), SettingKind.number, 7, 1, 60, N_("days"),
            N_("A department may send a wrongly assigned work order back within this time of its dispatch.")),
    Setting("work_start_hour", N_("Working day starts"), SettingKind.number, 9, 0, 23, N_("o'clock"),
            N_("The work-order clocks count working hours only.")),
    Setting("work_end_hour", N_("Working day ends"), SettingKind.number, 18, 1, 24, N_("o'clock"),
            N_("Must be later than the start of the working day.")),
    Setting("weekends_off", N_("Weekends are off"), SettingKind.flag, True,
            hint=N_("When yes, Saturdays and Sundays do not count as working time.")),
)
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
KEYS: tuple[str, ...] = tuple(BY_KEY)

# The form's choices for a yes/no setting; "" is "as the place above".
FLAG_CHOICES = {"yes": True, "no": False}
INHERIT = ""

SETTINGS_MESSAGES = {
    "flag": N_("Choose yes, no, or leave it to the place above."),
}


class SettingsInputError(InputError):
    """Bad input on a settings form: ``errors`` maps setting key -> FieldError."""


@dataclass(frozen=True)
class PlaceSettings:
    """The settings that hold at one place, resolved."""

    satisfaction_percent: int
    min_ratings: int
    evaluation_days: int
    discussion_days: int
    screening_days: int
    other_grids_rate: bool
    ack_hours: int = 2
    response_hours: int = 24
    return_days: int = 7
    work_start_hour: int = 9
    work_end_hour: int = 18
    weekends_off: bool = True

    @property
    def threshold(self) -> Fraction:
        return Fraction(self.satisfaction_percent, 100)

    @property
    def screening_hours(self) -> int:
        return self.screening_days * 24


DEFAULTS = PlaceSettings(**{s.key: s.default for s in SETTINGS})  # type: ignore[arg-type]

Resolved = dict[str, tuple[int | bool, int | None]]


def resolve(tree: Tree, place_id: int | None) -> Resolved:
    """``{key: (value, source)}`` at ``place_id``: ``source`` is the id of the nearest place
    at or above it that sets the value, None for the built-in default (also for a place
    the tree does not have, or None)."""
    chain = list(reversed(tree.ancestors(place_id))) if place_id is not None else []
    out: Resolved = {}
    for setting in SETTINGS:
        out[setting.key] = (setting.default, None)
        for node in chain:
            stored = node.settings.get(setting.key)
            if stored is not None:
                out[setting.key] = (setting.coerce(stored), node.id)
                break
    return out


def settings_at(tree: Tree, place_id: int | None) -> PlaceSettings:
    return PlaceSettings(**{key: value for key, (value, _source) in resolve(tree, place_id).items()})  # type: ignore[arg-type]


def grid_values(tree: Tree, key: str) -> dict[int, int | bool]:
    """Every grid's resolved value of ``key``, by grid id (what SQL that filters per grid
    is built from: one query, whatever the number of places)."""
    setting = BY_KEY[key]
    out: dict[int, int | bool] = {}
    for node in tree.ordered():
        if node.kind is not Kind.grid:
            continue
        value: int | bool = setting.default
        for above in reversed(tree.ancestors(node.id)):
            stored = above.settings.get(key)
            if stored is not None:
                value = setting.coerce(stored)
                break
        out[node.id] = value
    return out


def _parse_one(setting: Setting, raw: object) -> tuple[int | bool | None, FieldError | None]:
    """One field: blank (or "as the place above") is None, else the value."""
    if is_blank(raw):
        return None, None
    if setting.kind is SettingKind.flag:
        text = str(raw).strip()
        if text not in FLAG_CHOICES:
            return None, field_error("flag", SETTINGS_MESSAGES)
        return FLAG_CHOICES[text], None
    return bounded_integer(raw.strip() if isinstance(raw, str) else raw, setting.low, setting.high)


def parse_settings(form: Mapping[str, object]) -> dict[str, int | bool | None]:
    """A place's own values from its settings form (a field per key; blank = inherited),
    every field's error at once (``SettingsInputError``)."""
    errors = FormErrors()
    out: dict[str, int | bool | None] = {}
    for setting in SETTINGS:
        value, error = _parse_one(setting, form.get(setting.key))
        errors.add(setting.key, error)
        out[setting.key] = value
    errors.raise_if_any(SettingsInputError)
    return out


def form_value(setting: Setting, own: object) -> str:
    """What a settings form shows for a place's own stored value ("" when inherited)."""
    if own is None:
        return INHERIT
    if setting.kind is SettingKind.flag:
        return "yes" if bool(own) else "no"
    return str(int(own))  # type: ignore[call-overload]
