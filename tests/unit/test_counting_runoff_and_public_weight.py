"""Two corners of the counting contract (consult/voting/counting.py) that no other case reaches:

- step 4: a tied group at the last seat with an over-budget member: the over-budget
  project is dropped from the group BEFORE the tie is declared, so it never enters
  the runoff (`tied`) and keeps the status over_budget;
- step 3: with public weight w > 0 the approval share is A(c) / B where B is the
  BASIS weight: with basis "present" that is the weight cast, not the roll weight.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from consult.voting.counting import Ballot, Candidate, Election, count, parse_election, result_to_dict


def _election(candidates, ballots, **over) -> Election:
    values = dict(rule="majority", seats=1, budget=None, basis="enrolled", threshold=Fraction(1, 2),
                  public_weight=Fraction(0), roll_weight=sum((b.weight for b in ballots), Decimal(0)),
                  candidates=tuple(candidates), ballots=tuple(ballots))
    values.update(over)
    return Election(**values)


def _approving(*ids: str) -> list[Ballot]:
    """One ballot of weight 1 per id, approving that candidate only (seats may be 1)."""
    return [Ballot(f"r{i}", Decimal(1), {cid: "approve"}) for i, cid in enumerate(ids)]


# --------------------------------------------------------------------------- tie with an over-budget member


def test_an_over_budget_member_of_the_tied_group_does_not_enter_the_runoff():
    # a, b, c have one approval each (threshold 0: all pass); c alone costs more than the whole budget.
    cands = [Candidate("a", "A", 50, 0), Candidate("b", "B", 50, 0), Candidate("c", "C", 500, 0)]
    result = count(_election(cands, _approving("a", "b", "c"), seats=1, budget=120, threshold=Fraction(0)))
    status = {c.id: str(c.status) for c in result.candidates}
    assert status == {"a": "tied", "b": "tied", "c": "over_budget"}
    assert result.tied == ("a", "b")
    assert result.runoff_seats == 1 and result.vacant_seats == 0 and result.elected == ()
    assert result.budget_left == 120


def test_the_tie_after_an_elected_group_leaves_the_over_budget_member_out_too():
    # x is elected first (4 approvals); then a, b, c (2 each) tie for the last seat with 120 - 30 = 90 left:
    # c (cost 100) is over that budget; a and b (40 each) fit the budget together but not the one seat.
    cands = [Candidate("x", "X", 30, 0), Candidate("a", "A", 40, 0), Candidate("b", "B", 40, 0),
             Candidate("c", "C", 100, 0)]
    pairs = [("x", "a"), ("x", "b"), ("x", "c"), ("x",), ("a",), ("b",), ("c",)]
    ballots = [Ballot(f"r{i}", Decimal(1), {cid: "approve" for cid in ids}) for i, ids in enumerate(pairs)]
    result = count(_election(cands, ballots, seats=2, budget=120, threshold=Fraction(0)))
    out = result_to_dict(result)
    assert out["elected"] == ["x"]
    assert out["tied"] == ["a", "b"]
    assert {c["id"]: c["status"] for c in out["candidates"]} == {
        "x": "elected", "a": "tied", "b": "tied", "c": "over_budget"}
    assert out["runoff_seats"] == 1 and out["vacant_seats"] == 0
    assert result.budget_left == 90


# --------------------------------------------------------------------------- public weight with basis "present"


def _public_weight_case(basis: str) -> dict:
    """Roll weight 10 but weight cast 4 (so the two bases differ); w = 1/2; support a 1, b 2 (of 3).
    a has more approvals (3 against 1), b more support: which wins depends on what the share is
    divided by."""
    return {
        "rule": "majority", "seats": 1, "budget": None, "basis": basis, "threshold": "1/5",
        "public_weight": "1/2", "roll_weight": "10",
        "candidates": [
            {"id": "a", "title": "A", "cost": 0, "support": 1},
            {"id": "b", "title": "B", "cost": 0, "support": 2},
        ],
        "ballots": [
            {"receipt": "r1", "weight": "1", "choices": {"a": "approve"}},
            {"receipt": "r2", "weight": "1", "choices": {"a": "approve"}},
            {"receipt": "r3", "weight": "1", "choices": {"a": "approve", "b": "oppose"}},
            {"receipt": "r4", "weight": "1", "choices": {"b": "approve"}},
        ],
    }


def test_public_weight_share_divides_by_the_weight_cast_when_the_basis_is_present():
    # B = 4 (weight cast); threshold 1/5 * 4 = 4/5: both pass.
    # a: 1/2 * 3/4 + 1/2 * 1/3 = 13/24;  b: 1/2 * 1/4 + 1/2 * 2/3 = 11/24  -> a is elected.
    # (Dividing by the roll weight 10 instead gives a 19/60 and b 23/60, and elects b.)
    result = count(parse_election(_public_weight_case("present")))
    assert result.basis_weight == 4
    assert {c.id: c.score for c in result.candidates} == {"a": Fraction(13, 24), "b": Fraction(11, 24)}
    assert result_to_dict(result)["elected"] == ["a"]


def test_public_weight_share_divides_by_the_roll_weight_when_the_basis_is_enrolled():
    # B = 10; threshold 1/5 * 10 = 2: b (A = 1) fails. a: 1/2 * 3/10 + 1/2 * 1/3 = 19/60.
    result = count(parse_election(_public_weight_case("enrolled")))
    assert result.basis_weight == 10
    assert {c.id: c.score for c in result.candidates} == {"a": Fraction(19, 60), "b": None}
    assert result_to_dict(result)["elected"] == ["a"]
