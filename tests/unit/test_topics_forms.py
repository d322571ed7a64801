"""What each transition takes is checked by lifecycle.ACTION_INPUTS (consult.topics.forms)."""

from datetime import date, timedelta

import pytest

from consult.topics.forms import TopicInputError, check_action_input, validate_parent
from consult.topics.lifecycle import ACTION_INPUTS, Action, InputKind

TODAY = date(2025, 6, 1)


def codes(action, values, **kw):
    with pytest.raises(TopicInputError) as excinfo:
        check_action_input(action, values, TODAY, **kw)
    return {name: err.code for name, err in excinfo.value.errors.items()}


@pytest.mark.parametrize("action", list(Action))
def test_an_empty_form_reports_exactly_the_required_fields_of_the_table(action):
    required = {i.name for i in ACTION_INPUTS[action] if i.required}
    if not required:
        assert set(check_action_input(action, {}, TODAY)) == {i.name for i in ACTION_INPUTS[action]}
        return
    got = codes(action, {})
    assert set(got) == required
    assert set(got.values()) <= {"required", "target_not_found"}


def test_defaults_and_limits_come_from_the_table():
    assert check_action_input(Action.open_discussion, {"end_date": ""}, TODAY) == {
        "end_date": TODAY + timedelta(days=14)}
    assert codes(Action.open_evaluation, {"end_date": (TODAY + timedelta(days=366)).isoformat()}) == {
        "end_date": "too_far"}
    assert codes(Action.refer, {"department": "x", "reference_number": "1"}) == {"department": "too_short"}
    sheet = {i.name: "A long enough text" for i in ACTION_INPUTS[Action.form_project]}
    sheet.update(estimated_cost="-1", deadline=(TODAY + timedelta(days=9)).isoformat(), funding_route="lottery")
    assert codes(Action.form_project, sheet) == {"estimated_cost": "negative", "funding_route": "not_a_choice"}


def test_the_merge_target_is_checked_with_what_the_command_loaded():
    assert codes(Action.merge, {"target_id": "5"}, topic_id=5, target_state="proposed") == {"target_id": "same_topic"}
    assert codes(Action.merge, {"target_id": "6"}, topic_id=5, target_state=None) == {"target_id": "target_not_found"}
    assert codes(Action.merge, {"target_id": "6"}, topic_id=5, target_state="closed") == {
        "target_id": "target_wrong_state"}
    assert check_action_input(Action.merge, {"target_id": "6"}, TODAY, topic_id=5, target_state="discussing") == {
        "target_id": 6}


def test_every_input_kind_is_used_and_a_reply_names_a_comment():
    assert {i.kind for inputs in ACTION_INPUTS.values() for i in inputs} == set(InputKind)
    assert validate_parent("") is None and validate_parent("12") == 12
    for bad in ("0", "-3", "abc", str(2**31)):
        with pytest.raises(TopicInputError):
            validate_parent(bad)
