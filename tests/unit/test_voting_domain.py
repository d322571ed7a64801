"""The vote's pure rules (consult/voting/domain.py)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from consult.voting.domain import (
    new_nonce,
    normalise_receipt,
    parse_roll_csv,
    parse_weight,
    receipt_code,
    check_weight_classes,
    small_weight_classes,
    validate_ballot,
    validate_vote_settings,
    warnings,
)
from consult.voting.lifecycle import (
    ACTION_ROLES,
    MESSAGES,
    MIN_WEIGHT_CLASS,
    TRANSITIONS,
    Action,
    Basis,
    Choice,
    Rule,
    Secrecy,
    VoteRuleError,
    VoteState,
    allowed_actions,
    next_state,
)

# --------------------------------------------------------------------------- lifecycle


def test_lifecycle_runs_draft_open_closed_published():
    state = VoteState.draft
    for action in ("edit", "open", "cast", "close", "publish"):
        roles = {"representative"} if action == "cast" else {"staff"}
        state = next_state(state, action, roles)
    assert state == VoteState.published


@pytest.mark.parametrize("state, expected", [
    ("draft", [Action.edit, Action.open, Action.delete]),  # deleting a draft: issue 14
    ("open", [Action.close, Action.desk]),  # the paper ballot desk: issue 16
    ("closed", [Action.publish]),
    ("published", []),
])
def test_allowed_actions_for_staff_and_admin(state, expected):
    assert allowed_actions(state, {"staff"}) == expected
    assert allowed_actions(state, {"admin"}) == expected


def test_allowed_actions_for_other_roles():
    assert allowed_actions("open", {"representative"}) == [Action.cast]
    assert allowed_actions("draft", {"representative", "resident"}) == []
    assert allowed_actions("open", set()) == []
    assert allowed_actions("open", {"staff", "representative"}) == [Action.cast, Action.close, Action.desk]


@pytest.mark.parametrize("state, action", [
    ("draft", "close"), ("draft", "publish"), ("draft", "cast"),
    ("open", "edit"), ("open", "open"), ("open", "publish"),
    ("closed", "edit"), ("closed", "cast"), ("closed", "open"),
    ("published", "edit"), ("published", "close"), ("published", "publish"),
    ("draft", "desk"), ("closed", "desk"), ("published", "desk"),  # paper ballots only while open
])
def test_action_in_wrong_state_is_refused(state, action):
    with pytest.raises(VoteRuleError) as err:
        next_state(state, action, {"admin", "staff", "representative"})
    assert err.value.code == "action_not_allowed"
    assert err.value.params == {"action": action, "state": state}
    assert str(err.value) == f"You cannot {action} this vote while it is {state}."


@pytest.mark.parametrize("state, action, roles", [
    ("draft", "open", {"representative"}),
    ("draft", "edit", {"resident"}),
    ("open", "close", set()),
    ("closed", "publish", {"committee"}),
    ("open", "cast", {"staff", "admin"}),
])
def test_action_by_wrong_role_is_refused(state, action, roles):
    with pytest.raises(VoteRuleError) as err:
        next_state(state, action, roles)
    assert err.value.code == "role_not_allowed"


def test_lifecycle_table_is_consistent():
    for (state, action), target in TRANSITIONS.items():
        assert isinstance(state, VoteState) and isinstance(target, VoteState)
        assert action in ACTION_ROLES
    # only a draft can be edited: the roll, candidates and rules freeze when the vote opens
    assert [s for (s, a) in TRANSITIONS if a == Action.edit] == [VoteState.draft]
    assert ACTION_ROLES[Action.open] == ACTION_ROLES[Action.close] == ACTION_ROLES[Action.publish] == {
        "staff", "admin"}


def test_enums_have_the_spec_values():
    assert [s.value for s in VoteState] == ["draft", "open", "closed", "published"]
    assert {b.value for b in Basis} == {"enrolled", "present"}
    assert {s.value for s in Secrecy} == {"secret", "recorded"}
    assert {c.value for c in Choice} == {"approve", "oppose", "abstain"}
    assert {r.value for r in Rule} == {"majority", "equal_shares"}


def test_vote_rule_error_carries_the_message_template():
    err = VoteRuleError("too_many_approvals", approvals=3, seats=2)
    assert err.message == MESSAGES["too_many_approvals"] == "You approved {approvals} candidates, but at most {seats} are allowed."
    assert err.params == {"approvals": 3, "seats": 2}
    assert str(err) == "You approved 3 candidates, but at most 2 are allowed."
    assert isinstance(err, ValueError)


# --------------------------------------------------------------------------- settings

GOOD = dict(title="2025 livelihood projects", year="2025", seats="3", budget="500000", basis="enrolled",
            threshold="1/2", secrecy="secret", public_weight="")


def test_valid_settings_are_cleaned():
    s = validate_vote_settings(**{**GOOD, "title": "  2025 livelihood projects  "})
    assert s.title == "2025 livelihood projects"
    assert (s.year, s.seats, s.budget) == (2025, 3, 500000)
    assert s.basis is Basis.enrolled and s.secrecy is Secrecy.secret and s.rule is Rule.majority
    assert s.threshold == Fraction(1, 2) and s.public_weight == 0


@pytest.mark.parametrize("field, value, expected", [
    ("threshold", "0.5", Fraction(1, 2)),
    ("threshold", "2/3", Fraction(2, 3)),
    ("threshold", " 1/3 ", Fraction(1, 3)),
    ("threshold", Fraction(3, 5), Fraction(3, 5)),
    ("public_weight", "0.5", Fraction(1, 2)),
    ("public_weight", "1/4", Fraction(1, 4)),
    ("public_weight", "0", Fraction(0)),
    ("budget", "", None),
    ("budget", None, None),
    ("budget", 0, 0),
    ("year", 2000, 2000),
    ("year", "2100", 2100),
    ("seats", 1, 1),
    ("title", "abcd", "abcd"),
    ("title", "x" * 120, "x" * 120),
])
def test_settings_accept_edge_values(field, value, expected):
    assert getattr(validate_vote_settings(**{**GOOD, field: value}), field) == expected


@pytest.mark.parametrize("field, value", [
    ("title", "abc"), ("title", "   abc   "), ("title", "x" * 121), ("title", ""),
    ("year", "1999"), ("year", "2101"), ("year", "twenty"), ("year", 2025.0),
    ("seats", "0"), ("seats", "-1"), ("seats", "1.5"), ("seats", True),
    ("budget", "-5"), ("budget", "12.50"), ("budget", "lots"),
    ("basis", "everyone"), ("basis", None),
    ("threshold", "0"), ("threshold", "1"), ("threshold", "1/1"), ("threshold", "3/2"), ("threshold", "1/0"),
    ("threshold", "half"), ("threshold", ""), ("threshold", "-1/2"), ("threshold", 0.5),
    ("secrecy", "open"),
    ("public_weight", "0.51"), ("public_weight", "2/3"), ("public_weight", "-0.1"), ("public_weight", "x"),
])
def test_settings_refuse_bad_values_per_field(field, value):
    with pytest.raises(VoteRuleError) as err:
        validate_vote_settings(**{**GOOD, field: value})
    assert err.value.code == "invalid_settings"
    assert set(err.value.field_errors) == {field}
    template, params = err.value.field_errors[field]
    assert template and isinstance(params, dict)


def test_settings_report_every_bad_field_at_once():
    with pytest.raises(VoteRuleError) as err:
        validate_vote_settings(title="", year="1", seats="0", budget="-1", basis="x", threshold="2",
                               secrecy="x", public_weight="1", rule="borda")
    assert set(err.value.field_errors) == {"title", "year", "seats", "budget", "basis", "threshold", "secrecy",
                                           "public_weight", "rule"}


def test_equal_shares_needs_a_budget():
    with pytest.raises(VoteRuleError) as err:
        validate_vote_settings(**{**GOOD, "budget": "", "rule": "equal_shares"})
    assert set(err.value.field_errors) == {"budget"}
    assert validate_vote_settings(**{**GOOD, "rule": "equal_shares"}).rule is Rule.equal_shares


# --------------------------------------------------------------------------- weights and the roll


@pytest.mark.parametrize("text, expected", [
    ("1", Decimal("1.00")), ("2.5", Decimal("2.50")), ("0.01", Decimal("0.01")), ("9999.99", Decimal("9999.99")),
    (" 3.25 ", Decimal("3.25")), ("1.500", Decimal("1.50")), (Decimal("4"), Decimal("4.00")), (7, Decimal("7.00")),
])
def test_parse_weight_accepts(text, expected):
    value = parse_weight(text)
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize("text", ["0", "0.00", "-1", "10000", "9999.991", "1.005", "abc", "", "1e2", "NaN", "1,5",
                                  None, True, 1.5])
def test_parse_weight_refuses(text):
    with pytest.raises(VoteRuleError) as err:
        parse_weight(text)
    assert err.value.code == "invalid_weight"


KNOWN = {"wang", "li", "zhang", "chen"}


def test_roll_csv_with_header_blank_lines_and_spaces():
    text = "\ufeffusername,weight\n\nwang,1\n  li , 2.5 \n\n zhang,0.75\n"
    assert parse_roll_csv(text, KNOWN) == [("wang", Decimal("1.00")), ("li", Decimal("2.50")),
                                           ("zhang", Decimal("0.75"))]


def test_roll_csv_without_header():
    assert parse_roll_csv("wang,1\r\nli,2\r\n", KNOWN) == [("wang", Decimal(1)), ("li", Decimal(2))]


def test_roll_csv_lists_every_bad_line_and_imports_nothing():
    text = "\n".join([
        "username,weight",   # 1
        "wang,1",            # 2 fine
        "nobody,1",          # 3 unknown user
        "li,abc",            # 4 bad weight
        "",                  # 5 blank
        "wang,2",            # 6 duplicate
        "zhang",             # 7 one column
        "chen,1,extra",      # 8 three columns
        "ghost,0",           # 9 unknown user and bad weight
        "li,1.005",          # 10 duplicate of line 4 and bad weight
    ])
    with pytest.raises(VoteRuleError) as err:
        parse_roll_csv(text, KNOWN)
    e = err.value
    assert e.code == "invalid_roll_csv"
    assert e.params["count"] == 7
    found = [(line, template) for line, template, _ in e.lines]
    assert found == [
        (3, MESSAGES["csv_unknown_user"]),
        (4, MESSAGES["csv_bad_weight"]),
        (6, MESSAGES["csv_duplicate_user"]),
        (7, MESSAGES["csv_columns"]),
        (8, MESSAGES["csv_columns"]),
        (9, MESSAGES["csv_unknown_user"]),
        (9, MESSAGES["csv_bad_weight"]),
        (10, MESSAGES["csv_duplicate_user"]),
        (10, MESSAGES["csv_bad_weight"]),
    ]
    line6 = e.lines[2][2]
    assert line6 == {"line": 6, "username": "wang", "first_line": 2}
    assert e.lines[3][2] == {"line": 7, "found": 1}
    assert MESSAGES["csv_duplicate_user"].format(**line6) == "Line 6: wang is already on line 2."


def test_roll_csv_header_is_only_the_first_row():
    with pytest.raises(VoteRuleError) as err:
        parse_roll_csv("wang,1\nusername,weight\n", KNOWN)
    assert [line for line, _, _ in err.value.lines] == [2, 2]  # unknown user "username", bad weight


def test_roll_csv_quoted_fields():
    assert parse_roll_csv('"wang","1.5"\n', KNOWN) == [("wang", Decimal("1.5"))]


@pytest.mark.parametrize("text", ["", "\n\n", "username,weight\n"])
def test_roll_csv_empty(text):
    with pytest.raises(VoteRuleError) as err:
        parse_roll_csv(text, KNOWN)
    assert err.value.code == "empty_roll_csv"


# --------------------------------------------------------------------------- warnings


def test_no_warnings_for_a_good_setup():
    assert warnings(2, 3, False, "secret", [Decimal(1)] * 3 + [Decimal(2)] * 3) == []


def test_warning_fewer_than_k_plus_one_candidates():
    assert warnings(3, 3, False, "recorded", [Decimal(1)]) == [
        ("too_few_candidates", {"candidates": 3, "seats": 3, "needed": 4})]
    assert warnings(3, 3, True, "recorded", [Decimal(1)]) == []  # equal number (等额), reason recorded
    assert warnings(3, 4, False, "recorded", [Decimal(1)]) == []


def test_warning_fewer_candidates_than_seats_even_with_equal_number():
    expected = [("fewer_candidates_than_seats", {"candidates": 2, "seats": 3})]
    assert warnings(3, 2, True, "recorded", [Decimal(1)]) == expected
    assert warnings(3, 2, False, "recorded", [Decimal(1)]) == expected


def test_warning_small_weight_class_only_in_secret_mode():
    roll = [Decimal("1"), Decimal("1.00"), Decimal("1.0"), Decimal("2.5"), Decimal("3"), Decimal("3")]
    assert warnings(1, 2, False, "secret", roll) == [("small_weight_class", {"weights": "2.5, 3", "min": 3})]
    assert warnings(1, 2, False, "recorded", roll) == []


def test_warning_empty_roll():
    assert warnings(1, 2, False, "secret", []) == [("empty_roll", {})]


def test_every_warning_message_formats():
    for code, params in (warnings(3, 2, True, "secret", [Decimal(1)]) + warnings(3, 3, False, "secret", [])):
        assert MESSAGES[code].format(**params)


def test_weight_classes_of_the_roll():
    assert MIN_WEIGHT_CLASS == 3
    assert small_weight_classes([]) == []
    assert small_weight_classes([Decimal(1)] * 3) == []
    assert small_weight_classes([Decimal(1)] * 3 + [Decimal(2)] * 2) == [Decimal(2)]
    assert small_weight_classes([Decimal("1.5")] * 2 + [Decimal("1.50")]) == []  # same value
    assert small_weight_classes([Decimal(1)] * 4 + [Decimal(5)]) == [Decimal(5)]


def test_a_secret_roll_of_1_1_1_5_is_refused_and_names_the_weight_and_the_way_out():
    roll = [Decimal(1)] * 3 + [Decimal(5)]
    with pytest.raises(VoteRuleError) as refused:
        check_weight_classes("secret", roll)
    assert refused.value.code == "small_weight_class" and refused.value.status_code == 409
    text = MESSAGES["small_weight_class"].format(**refused.value.params)
    assert "5" in text and "at least 3" in text and "bands" in text and "recorded" in text
    check_weight_classes("recorded", roll)  # recorded mode publishes the names anyway
    check_weight_classes("secret", [Decimal(1)] * 3 + [Decimal(5)] * 3)


# --------------------------------------------------------------------------- ballots and receipts


def test_validate_ballot_fills_unmarked_with_abstain():
    assert validate_ballot({"b": "approve", "c": "", "d": None}, ["a", "b", "c", "d"], 1) == {
        "a": "abstain", "b": "approve", "c": "abstain", "d": "abstain"}
    assert validate_ballot({"a": Choice.oppose}, ["a"], 1) == {"a": "oppose"}


def test_validate_ballot_allows_exactly_k_approvals():
    ballot = validate_ballot({"a": "approve", "b": "approve", "c": "oppose"}, ["a", "b", "c"], 2)
    assert list(ballot.values()).count("approve") == 2


def test_validate_ballot_refuses_more_than_k_approvals():
    with pytest.raises(VoteRuleError) as err:
        validate_ballot({"a": "approve", "b": "approve", "c": "approve"}, ["a", "b", "c"], 2)
    assert err.value.code == "too_many_approvals"
    assert str(err.value) == "You approved 3 candidates, but at most 2 are allowed."


def test_validate_ballot_refuses_unknown_candidates_and_values():
    with pytest.raises(VoteRuleError) as err:
        validate_ballot({"zz": "approve"}, ["a"], 1)
    assert err.value.code == "unknown_candidate" and err.value.params == {"candidate": "zz"}
    for bad in ("yes", "APPROVE", ["approve"], 1):
        with pytest.raises(VoteRuleError) as err:
            validate_ballot({"a": bad}, ["a"], 1)
        assert err.value.code == "invalid_choice"


def test_receipt_code_is_sha256_of_canonical_json_and_nonce():
    content = {"vote": 7, "choices": {"b": "oppose", "a": "approve"}}
    nonce = bytes(range(16))
    canonical = b'{"choices":{"a":"approve","b":"oppose"},"vote":7}'
    digest = hashlib.sha256(canonical + b"\n" + nonce).hexdigest()
    code = receipt_code(content, nonce)
    assert code == "-".join(digest[i:i + 4] for i in range(0, 20, 4))
    assert len(code) == 24 and code.count("-") == 4


def test_receipt_code_depends_on_content_and_nonce_not_key_order():
    nonce = b"n" * 16
    a = receipt_code({"a": "approve", "b": "oppose"}, nonce)
    assert a == receipt_code(json.loads('{"b": "oppose", "a": "approve"}'), nonce)
    assert a != receipt_code({"a": "approve", "b": "abstain"}, nonce)
    assert a != receipt_code({"a": "approve", "b": "oppose"}, b"m" * 16)


def test_new_nonce_is_random_16_bytes():
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50 and all(len(n) == 16 for n in nonces)


def test_normalise_receipt():
    code = receipt_code({"a": "approve"}, b"x" * 16)
    assert normalise_receipt(code) == code
    assert normalise_receipt(" " + code.upper().replace("-", " ") + " ") == code
    assert normalise_receipt(code.replace("-", "")) == code
    assert normalise_receipt("abc") is None
    assert normalise_receipt("zzzz-zzzz-zzzz-zzzz-zzzz") is None
    assert normalise_receipt("") is None


def test_completion_add_one_only_with_equal_shares():
    from consult.voting.lifecycle import Completion

    assert validate_vote_settings(**GOOD).completion is None
    assert validate_vote_settings(**{**GOOD, "rule": "equal_shares", "completion": ""}).completion is None
    s = validate_vote_settings(**{**GOOD, "rule": "equal_shares", "completion": "add_one"})
    assert s.completion is Completion.add_one
    for rule, completion in (("majority", "add_one"), ("equal_shares", "add_two"), ("equal_shares", 1)):
        with pytest.raises(VoteRuleError) as err:
            validate_vote_settings(**{**GOOD, "rule": rule, "completion": completion})
        assert set(err.value.field_errors) == {"completion"}
