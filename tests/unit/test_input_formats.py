"""Issue 14 defect 8: input in the format the site itself shows (a grouped amount "500,000",
the Chinese roll header "用户名,权重") is read, and the bounds still hold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from consult import fields
from consult.numbers import yuan_text
from consult.topics.forms import check_action_input
from consult.topics.lifecycle import ACTION_INPUTS, MAX_COST_YUAN, Action
from consult.voting.domain import MAX_MONEY, parse_roll_csv
from consult.voting.forms import candidate_fields, settings_values
from consult.voting.lifecycle import VoteRuleError

TODAY = date(2025, 6, 1)
SETTINGS = {"title": "2025 livelihood projects", "year": "2025", "seats": "3", "basis": "enrolled",
            "threshold": "0.5", "secrecy": "secret", "public_weight": "", "rule": "majority"}


@pytest.mark.parametrize("text", ["500,000", "500，000", " 500,000 ", "500000", yuan_text(500000)])
def test_money_reads_the_grouped_amount_the_site_displays(text):
    assert fields.money(text, 0, MAX_MONEY) == (500000, None)


@pytest.mark.parametrize("text", ["5,00,000", "500,00", ",500", "500,", "1,,000", "1.000", "500 000", "1,000.5"])
def test_money_refuses_what_is_not_a_grouping(text):
    assert fields.money(text, 0, MAX_MONEY)[1].code == "not_integer"


def test_money_keeps_the_bounds():
    assert fields.money("-1,000", 0, 10)[1].code == "negative"
    assert fields.money("10,000", 0, 9999)[1].code == "too_large"


def test_a_project_sheet_takes_a_grouped_cost_and_keeps_its_bound():
    sheet = {i.name: "A long enough text" for i in ACTION_INPUTS[Action.form_project]}
    sheet.update(deadline=(TODAY + timedelta(days=9)).isoformat(), funding_route="community")
    for text in ("500,000", "500，000"):
        assert check_action_input(Action.form_project, {**sheet, "estimated_cost": text}, TODAY)[
            "estimated_cost"] == 500000
    with pytest.raises(fields.InputError) as err:
        check_action_input(Action.form_project, {**sheet, "estimated_cost": f"{MAX_COST_YUAN + 1:,}"}, TODAY)
    assert err.value.errors["estimated_cost"].code == "too_large"


def test_a_candidate_cost_and_a_vote_budget_take_grouped_amounts_and_keep_their_bounds():
    assert candidate_fields({"title": "Lift repair", "cost": "500，000"})["cost"] == 500000
    assert settings_values({**SETTINGS, "budget": "1,200,000"})["budget"] == 1200000
    with pytest.raises(VoteRuleError) as err:
        candidate_fields({"title": "Lift repair", "cost": f"{MAX_MONEY + 1:,}"})
    assert set(err.value.field_errors) == {"cost"}
    with pytest.raises(VoteRuleError) as err:
        settings_values({**SETTINGS, "budget": f"{MAX_MONEY + 1:,}"})
    assert set(err.value.field_errors) == {"budget"}


@pytest.mark.parametrize("header", ["用户名,权重", "用户名，权重", " 用户名 , 权重 ", "Username,Weight", "username,weight"])
def test_the_roll_csv_takes_the_header_in_either_language(header):
    assert parse_roll_csv(f"\ufeff{header}\nwang,1\nli,2.5\n", {"wang", "li"}) == [
        ("wang", Decimal("1.00")), ("li", Decimal("2.50"))]


def test_a_chinese_header_later_in_the_file_is_still_a_bad_line():
    with pytest.raises(VoteRuleError) as err:
        parse_roll_csv("wang,1\n用户名,权重\n", {"wang"})
    assert err.value.code == "invalid_roll_csv"
