"""The staff forms of a vote (consult/voting/forms.py) and the lifecycle questions pages ask."""

from __future__ import annotations

from datetime import datetime, timezone
from fractions import Fraction

import pytest

from consult.voting.forms import candidate_fields, fraction_text, is_ticked, roll_weight, settings_values
from consult.voting.lifecycle import VoteRuleError, casting_open, is_fixed
from consult.voting.presentation import ReceiptBoard, ResultCard

GOOD = {"title": "2025 livelihood projects", "year": "2025", "seats": "3", "budget": "", "basis": "enrolled",
        "threshold": "0.5", "secrecy": "secret", "public_weight": "", "rule": "majority"}


def test_settings_values_are_the_vote_rows_columns():
    values = settings_values({**GOOD, "tie_break_support": "on"})
    assert values["threshold"] == "1/2" and values["public_weight"] == "0" and values["budget"] is None
    assert values["tie_break_support"] is True and values["equal_number"] is False
    assert values["equal_number_reason"] == ""


def test_equal_number_needs_a_reason_beside_every_other_bad_field():
    with pytest.raises(VoteRuleError) as err:
        settings_values({**GOOD, "seats": "0", "equal_number": "1", "equal_number_reason": "no"})
    assert set(err.value.field_errors) == {"seats", "equal_number_reason"}
    assert err.value.status_code == 400


def test_a_candidates_description_may_hold_line_breaks_and_tabs_but_no_other_control_character():
    ok = candidate_fields({"title": "Lift subsidy", "description": "line one\r\nline\ttwo", "cost": "10"})
    assert ok == {"title": "Lift subsidy", "description": "line one\r\nline\ttwo", "cost": 10, "support": 0}
    with pytest.raises(VoteRuleError) as err:
        candidate_fields({"title": "Lift\tsubsidy", "description": "bell \x07", "cost": "x"})
    assert set(err.value.field_errors) == {"title", "description", "cost"}


def test_small_helpers():
    assert [is_ticked(v) for v in ("1", "on", "true", "", None, "yes")] == [True] * 3 + [False] * 3
    assert fraction_text(Fraction(0)) == "0" and fraction_text(Fraction(2, 4)) == "1/2"
    assert str(roll_weight("")) == "1.00" and str(roll_weight("2.5")) == "2.50"
    with pytest.raises(VoteRuleError) as err:
        roll_weight("0")
    assert set(err.value.field_errors) == {"weight"}


def test_lifecycle_questions():
    assert [casting_open(s) for s in ("draft", "open", "closed", "published")] == [False, True, False, False]
    assert not is_fixed(1) and is_fixed(2)


def test_a_published_votes_views_are_keyed_on_the_vote_and_its_publication_only():
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    a = ResultCard(7, when, False, "ab" * 32, {"id": 7}, [], None)
    b = ResultCard(7, when, False, "ab" * 32, {"id": 7, "other": "rows"}, [{"id": 1}], None)
    assert a == b and hash(a) == hash(b)
    assert a != ResultCard(7, when, True, "ab" * 32, {}, [], None)  # a runoff round appeared: the card says so
    assert a != ResultCard(7, datetime(2026, 1, 3, tzinfo=timezone.utc), False, "ab" * 32, {}, [], None)
    assert ReceiptBoard(7, when, []) == ReceiptBoard(7, when, [{"receipt": "x"}])


def test_every_number_of_the_vote_forms_has_an_upper_bound_the_columns_hold():
    base = {"title": "2026 票决", "year": "2026", "seats": "2", "budget": "", "basis": "enrolled",
            "threshold": "1/2", "secrecy": "secret", "public_weight": "0", "rule": "majority"}
    for name, bad in (("seats", "1001"), ("seats", "99999999999"), ("year", "9" * 5000), ("budget", str(2**64)),
                      ("budget", str(10**12 + 1)), ("threshold", "0." + "1" * 39), ("threshold", "1/" + "9" * 5000),
                      ("threshold", "0.123456789012345678"), ("public_weight", "0.0000000000000000001")):
        with pytest.raises(VoteRuleError) as exc:
            settings_values({**base, name: bad})
        assert set(exc.value.field_errors) == {name}, (name, bad)
    assert settings_values({**base, "seats": "1000", "budget": str(10**12)})["seats"] == 1000
    stored = settings_values({**base, "threshold": "0.12345678"})["threshold"]
    assert stored == "6172839/50000000" and len(stored) <= 20
    for name, bad in (("cost", str(10**12 + 1)), ("support", str(2**31)), ("cost", "1" * 5000), ("support", "-1")):
        with pytest.raises(VoteRuleError) as exc:
            candidate_fields({"title": "候选项目 一", name: bad})
        assert set(exc.value.field_errors) == {name}
    assert candidate_fields({"title": "候选项目 一", "cost": str(10**12), "support": str(2**31 - 1)})["support"] == 2**31 - 1
