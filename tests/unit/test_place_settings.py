"""The settings a place holds or inherits (consult.places.settings): resolving up the tree,
the form's parsing (every error at once), and the rules that read them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from consult.places.settings import (
    DEFAULTS,
    KEYS,
    MAX_DAYS,
    SETTINGS,
    SettingsInputError,
    form_value,
    grid_values,
    parse_settings,
    resolve,
    settings_at,
)
from consult.places.tree import Kind, PlaceNode, Tree
from consult.roles import Role
from consult.topics.lifecycle import DISCUSSION_MAX_DAYS, EVALUATION_MAX_DAYS, Activity, TopicState, TransitionRefused, can, check


def node(pid, parent, kind, path, **settings):
    return PlaceNode(id=pid, parent=parent, kind=Kind(kind), name=f"p{pid}", path=path, settings=settings)


def tree(**own) -> Tree:
    """district 1 → street 2 → communities 3, 4 → grids 5, 6 (under 3), 7 (under 4); ``own``
    maps a place id (``p3``) to its own settings."""
    rows = [(1, None, "district", "/1/"), (2, 1, "street", "/1/2/"), (3, 2, "community", "/1/2/3/"),
            (4, 2, "community", "/1/2/4/"), (5, 3, "grid", "/1/2/3/5/"), (6, 3, "grid", "/1/2/3/6/"),
            (7, 4, "grid", "/1/2/4/7/")]
    return Tree.of(node(i, p, k, path, **own.get(f"p{i}", {})) for i, p, k, path in rows)


def test_the_built_in_defaults_are_todays_rules():
    assert (DEFAULTS.satisfaction_percent, DEFAULTS.min_ratings, DEFAULTS.evaluation_days, DEFAULTS.discussion_days,
            DEFAULTS.screening_days, DEFAULTS.other_grids_rate) == (80, 5, 14, 14, 2, True)
    assert DEFAULTS.threshold == Fraction(4, 5) and isinstance(DEFAULTS.threshold, Fraction)
    assert DEFAULTS.screening_hours == 48
    assert MAX_DAYS == DISCUSSION_MAX_DAYS == EVALUATION_MAX_DAYS


def test_every_setting_has_its_column():
    from consult.places.queries import SETTING_COLUMNS
    from consult.places.tables import Place

    columns = {c._meta.name for c in Place._meta.columns}
    assert set(KEYS) <= columns and SETTING_COLUMNS == KEYS
    assert all(s.label and s.hint for s in SETTINGS)


def test_nothing_set_resolves_to_the_defaults_with_no_source():
    got = resolve(tree(), 5)
    assert got == {s.key: (s.default, None) for s in SETTINGS}
    assert resolve(tree(), None) == got and resolve(tree(), 999) == got  # no place, an unknown one


def test_a_value_set_above_is_inherited_with_its_source():
    t = tree(p2={"satisfaction_percent": 90}, p1={"screening_days": 3, "satisfaction_percent": 70})
    got = resolve(t, 5)
    assert got["satisfaction_percent"] == (90, 2)  # the nearest place that sets it: the street
    assert got["screening_days"] == (3, 1)
    assert got["min_ratings"] == (5, None)
    assert resolve(t, 1)["satisfaction_percent"] == (70, 1)


def test_the_nearest_place_wins_and_a_cleared_value_inherits_again():
    t = tree(p2={"satisfaction_percent": 90}, p3={"satisfaction_percent": 75}, p5={"min_ratings": 2})
    assert resolve(t, 5)["satisfaction_percent"] == (75, 3)
    assert resolve(t, 5)["min_ratings"] == (2, 5)
    assert resolve(t, 6)["min_ratings"] == (5, None)  # the sibling grid does not see grid 5's
    assert resolve(t, 7)["satisfaction_percent"] == (90, 2)  # the other community: the street's
    cleared = tree(p2={"satisfaction_percent": 90}, p3={"satisfaction_percent": None})
    assert resolve(cleared, 5)["satisfaction_percent"] == (90, 2)


def test_stored_values_are_coerced_and_false_is_a_value():
    t = tree(p2={"other_grids_rate": 0}, p3={"other_grids_rate": None})  # SQLite gives booleans as 0/1
    assert resolve(t, 5)["other_grids_rate"] == (False, 2)
    s = settings_at(tree(p3={"satisfaction_percent": 67}), 5)
    assert s.threshold == Fraction(67, 100) and s.other_grids_rate is True


def test_grid_values_resolve_every_grid():
    t = tree(p3={"screening_days": 1}, p1={"screening_days": 3})
    assert grid_values(t, "screening_days") == {5: 1, 6: 1, 7: 3}


def test_parse_blank_is_inherit_and_values_are_typed():
    assert parse_settings({}) == {k: None for k in KEYS}
    got = parse_settings({"satisfaction_percent": " 75 ", "min_ratings": "3", "other_grids_rate": "no",
                          "screening_days": "", "evaluation_days": "30"})
    assert got == {**{k: None for k in KEYS}, "satisfaction_percent": 75, "min_ratings": 3, "evaluation_days": 30, "discussion_days": None,
                   "screening_days": None, "other_grids_rate": False}
    assert parse_settings({"other_grids_rate": "yes"})["other_grids_rate"] is True


def test_parse_reports_every_bad_field_at_once():
    with pytest.raises(SettingsInputError) as err:
        parse_settings({"satisfaction_percent": "101", "min_ratings": "0", "evaluation_days": "x",
                        "discussion_days": "366", "screening_days": "-1", "other_grids_rate": "maybe"})
    codes = {k: e.code for k, e in err.value.errors.items()}
    assert codes == {"satisfaction_percent": "too_large", "min_ratings": "out_of_range", "evaluation_days": "not_integer",
                     "discussion_days": "too_large", "screening_days": "negative", "other_grids_rate": "flag"}
    assert err.value.status_code == 400


def test_form_value_shows_the_own_value_or_nothing():
    by_key = {s.key: s for s in SETTINGS}
    assert form_value(by_key["min_ratings"], None) == ""
    assert form_value(by_key["min_ratings"], 7) == "7"
    assert form_value(by_key["other_grids_rate"], 0) == "no"
    assert form_value(by_key["other_grids_rate"], True) == "yes"


def test_who_may_rate_follows_the_other_grids_setting():
    closed = settings_at(tree(p3={"other_grids_rate": False}), 5)
    rep = {Role.representative}
    assert can(Activity.rate, TopicState.evaluating, rep, in_topic_grid=False)  # the default: any grid
    assert can(Activity.rate, TopicState.evaluating, rep, in_topic_grid=False, settings=DEFAULTS)
    assert not can(Activity.rate, TopicState.evaluating, rep, in_topic_grid=False, settings=closed)
    assert can(Activity.rate, TopicState.evaluating, rep, in_topic_grid=True, settings=closed)
    with pytest.raises(TransitionRefused) as err:
        check(Activity.rate, TopicState.evaluating, rep, in_topic_grid=False, settings=closed)
    assert err.value.code == "not_in_grid"
    # residents are unaffected either way: only their own grid
    for settings in (DEFAULTS, closed):
        assert not can(Activity.rate, TopicState.evaluating, {Role.resident}, settings=settings)
        assert can(Activity.rate, TopicState.evaluating, {Role.resident}, in_topic_grid=True, settings=settings)


def test_the_forms_take_the_places_default_days():
    from consult.topics.forms import validate_evaluation_window, validate_screening
    from consult.topics.lifecycle import Action

    today = datetime(2026, 5, 1).date()
    place = settings_at(tree(p3={"discussion_days": 7, "evaluation_days": 21}), 5)
    assert validate_screening(Action.open_discussion, today=today, end_date="", settings=place).end_date == \
        today + timedelta(days=7)
    assert validate_screening(Action.open_discussion, today=today, end_date="").end_date == today + timedelta(days=14)
    assert validate_evaluation_window("", today, place) == today + timedelta(days=21)


def test_the_unanswered_condition_has_a_branch_per_distinct_clock():
    from consult.topics.queries import unanswered_sql

    now = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    sql, args = unanswered_sql(now, {5: 2, 6: 2, 7: 2})
    assert sql == "t.state = 'proposed' AND t.created_at < {}" and args == [now - timedelta(hours=48)]
    assert unanswered_sql(now, {})[1] == [now - timedelta(hours=48)]
    sql, args = unanswered_sql(now, {5: 2, 6: 2, 7: 1, 8: 3})
    assert sql == ("t.state = 'proposed' AND ((t.grid NOT IN (7, 8) AND t.created_at < {}) OR "
                   "(t.grid IN (7) AND t.created_at < {}) OR (t.grid IN (8) AND t.created_at < {}))")
    assert args == [now - timedelta(hours=48), now - timedelta(hours=24), now - timedelta(hours=72)]
