"""The counting contract (consult/voting/counting.py): hand-worked cases for every branch,
every invalid-input error, and a property test against a plain implementation written here."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
import re
import types
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from consult.voting import counting
from consult.voting.counting import (
    Ballot,
    Candidate,
    CountingInputError,
    Election,
    Tally,
    count,
    count_from_tallies,
    parse_election,
    recount_json,
    result_to_dict,
)

# --------------------------------------------------------------------------- helpers


def election(candidates, ballots, *, seats=1, budget=None, basis="enrolled", threshold="1/2",
             public_weight="0", roll_weight=None, rule="majority", **extra) -> dict:
    """An input-format dict. `candidates`: (id, cost, support) or id; `ballots`: (weight, choices)."""
    cands = []
    for c in candidates:
        cid, cost, support = (c, 0, 0) if isinstance(c, str) else c
        cands.append({"id": cid, "title": f"Project {cid}", "cost": cost, "support": support})
    bals = [
        {"receipt": f"r{i + 1}", "weight": w, "choices": dict(ch)} for i, (w, ch) in enumerate(ballots)
    ]
    if roll_weight is None:
        roll_weight = str(sum(Decimal(b["weight"]) for b in bals))
    data = {
        "rule": rule, "seats": seats, "budget": budget, "basis": basis, "threshold": threshold,
        "public_weight": public_weight, "roll_weight": roll_weight, "candidates": cands, "ballots": bals,
    }
    data.update(extra)
    return data


def run(data: dict) -> dict:
    return result_to_dict(count(parse_election(data)))


def statuses(out: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in out["candidates"]}


def row(out: dict, cid: str) -> dict:
    return next(c for c in out["candidates"] if c["id"] == cid)


def approvals(*ids):
    return {cid: "approve" for cid in ids}


# --------------------------------------------------------------------------- hand-worked cases


def test_threshold_exactly_at_half_does_not_pass():
    # Roll 10: a has 5 approvals = 1/2 x 10 (not strictly more), b has 5.01.
    data = election(
        ["a", "b"],
        [("5", approvals("a")), ("0.01", approvals("b")), ("4.99", {"b": "approve", "a": "oppose"})],
        seats=2,
        roll_weight="10",
    )
    out = run(data)
    assert out["threshold_weight"] == "5"
    assert row(out, "a")["approve"] == "5" and row(out, "a")["passed"] is False
    assert row(out, "a")["status"] == "failed"
    assert row(out, "b")["approve"] == "5" and row(out, "b")["passed"] is False
    data["ballots"][2]["weight"] = "5"
    data["roll_weight"] = "10.01"  # threshold 5.005; b now has 5.01
    out = run(data)
    assert out["threshold_weight"] == "5.005"
    assert row(out, "b")["approve"] == "5.01" and row(out, "b")["passed"] is True
    assert out["elected"] == ["b"] and out["vacant_seats"] == 1


def test_weights_with_decimals_are_summed_exactly():
    # 0.1 + 0.2 is exactly 0.3 here (never 0.30000000000000004).
    data = election(
        ["a"],
        [("0.1", approvals("a")), ("0.2", approvals("a")), ("1.25", {"a": "oppose"}), ("2.50", {})],
        roll_weight="4.05",
    )
    out = run(data)
    a = row(out, "a")
    assert (a["approve"], a["oppose"], a["abstain"]) == ("0.3", "1.25", "2.5")
    assert (a["approve_count"], a["oppose_count"], a["abstain_count"]) == (2, 1, 1)
    assert out["turnout"] == {"ballots": 4, "weight": "4.05"}
    assert out["basis_weight"] == "4.05"
    assert out["threshold_weight"] == "2.025"


def test_unmarked_candidate_counts_as_abstain():
    data = election(["a", "b"], [("1", {"a": "approve"}), ("2", {"b": "abstain"}), ("3", {})], seats=2)
    out = run(data)
    b = row(out, "b")
    assert (b["approve"], b["oppose"], b["abstain"]) == ("0", "0", "6")
    assert b["abstain_count"] == 3
    a = row(out, "a")
    assert (a["approve"], a["abstain"], a["abstain_count"]) == ("1", "5", 2)


def test_present_basis_uses_weight_cast_not_roll():
    ballots = [("2", approvals("a")), ("1", {"a": "oppose"})]
    enrolled = run(election(["a"], ballots, roll_weight="10"))
    present = run(election(["a"], ballots, roll_weight="10", basis="present"))
    assert (enrolled["basis_weight"], enrolled["threshold_weight"]) == ("10", "5")
    assert statuses(enrolled) == {"a": "failed"}
    assert (present["basis_weight"], present["threshold_weight"]) == ("3", "1.5")
    assert statuses(present) == {"a": "elected"}
    assert present["turnout"] == {"ballots": 2, "weight": "3"}


def test_present_basis_with_no_ballots_elects_nobody():
    out = run(election(["a", "b"], [], seats=2, basis="present", roll_weight="7", threshold="0"))
    assert out["basis_weight"] == "0" and out["turnout"] == {"ballots": 0, "weight": "0"}
    assert statuses(out) == {"a": "failed", "b": "failed"}
    assert out["vacant_seats"] == 2 and out["elected"] == []


def test_budget_skips_candidate_whose_cost_exceeds_what_is_left():
    # Ranked a (60) > b (50) > c (30); budget 100: a elected (40 left), b over budget, c elected.
    data = election(
        [("a", 60, 0), ("b", 50, 0), ("c", 30, 0)],
        [("3", approvals("a", "b", "c")), ("2", approvals("a", "b")), ("1", approvals("a"))],
        seats=3,
        budget=100,
        threshold="1/3",
    )
    out = run(data)
    assert statuses(out) == {"a": "elected", "b": "over_budget", "c": "elected"}
    assert out["elected"] == ["a", "c"]
    assert out["budget_used"] == 90
    assert out["vacant_seats"] == 1 and out["runoff_seats"] == 0 and out["tied"] == []
    assert row(out, "b")["passed"] is True


def test_cost_equal_to_the_budget_left_fits():
    data = election(
        [("a", 60, 0), ("b", 40, 0), ("c", 0, 0)],
        [("3", approvals("a")), ("2", approvals("b")), ("1", approvals("c"))],
        seats=3,
        budget=100,
        threshold="0",
    )
    out = run(data)
    assert out["elected"] == ["a", "b", "c"] and out["budget_used"] == 100


def test_no_budget_means_no_limit():
    data = election([("a", 10**9, 0)], [("1", approvals("a"))], budget=None)
    out = run(data)
    assert out["elected"] == ["a"] and out["budget_used"] == 10**9


def test_tie_at_last_seat_leaves_seats_for_a_runoff():
    # a = 5 > b = c = 4 > d = 3, two seats: a elected, b and c tie for the last seat.
    data = election(
        ["a", "c", "b", "d"],
        [("5", approvals("a")), ("4", approvals("c", "b")), ("3", approvals("d"))],
        seats=2,
        threshold="1/5",
    )
    out = run(data)
    assert statuses(out) == {"a": "elected", "b": "tied", "c": "tied", "d": "not_elected"}
    assert out["elected"] == ["a"]
    assert out["tied"] == ["b", "c"]  # by candidate id
    assert out["runoff_seats"] == 1 and out["vacant_seats"] == 0


def test_equal_group_within_seats_is_elected_in_id_order():
    data = election(
        ["z", "b", "a"],
        [("2", approvals("z", "b", "a")), ("1", approvals("z"))],
        seats=3,
    )
    out = run(data)
    assert out["elected"] == ["z", "a", "b"]
    assert out["tied"] == [] and out["vacant_seats"] == 0


def test_group_that_fits_seats_but_not_budget_is_a_tie():
    # b and c tie; each fits the 70 left, both do not: tie with 2 runoff seats.
    data = election(
        [("a", 30, 0), ("b", 40, 0), ("c", 40, 0)],
        [("2", approvals("a", "b", "c")), ("1", approvals("a"))],
        seats=3,
        budget=100,
    )
    out = run(data)
    assert statuses(out) == {"a": "elected", "b": "tied", "c": "tied"}
    assert out["runoff_seats"] == 2 and out["vacant_seats"] == 0 and out["budget_used"] == 30


def test_over_budget_members_leave_a_group_before_the_tie_check():
    # b, c, d tie on approvals; d costs more than the 70 left, so b and c (total 60) are elected.
    data = election(
        [("a", 30, 0), ("b", 30, 0), ("c", 30, 0), ("d", 80, 0)],
        [("3", approvals("a")), ("2", approvals("b", "c", "d"))],
        seats=3,
        budget=100,
        threshold="1/4",
    )
    out = run(data)
    assert statuses(out) == {"a": "elected", "b": "elected", "c": "elected", "d": "over_budget"}
    assert out["elected"] == ["a", "b", "c"] and out["budget_used"] == 90


def test_vacant_seats_when_fewer_candidates_pass():
    data = election(["a", "b", "c"], [("3", approvals("a")), ("1", approvals("b"))], seats=3)
    out = run(data)
    assert statuses(out) == {"a": "elected", "b": "failed", "c": "failed"}
    assert out["vacant_seats"] == 2 and out["runoff_seats"] == 0


def test_stop_when_seats_are_filled_remaining_passers_not_elected():
    # After a takes the only seat, b passes but gets no seat; c would be over budget but is
    # not_elected because counting stopped.
    data = election(
        [("a", 10, 0), ("b", 10, 0), ("c", 500, 0)],
        [("3", approvals("a")), ("2", approvals("b")), ("2", approvals("c"))],
        seats=1,
        budget=100,
        threshold="1/5",
    )
    out = run(data)
    assert statuses(out) == {"a": "elected", "b": "not_elected", "c": "not_elected"}
    assert [row(out, x)["passed"] for x in "abc"] == [True, True, True]
    assert out["vacant_seats"] == 0


def test_threshold_zero_passes_any_approval():
    data = election(["a", "b"], [("0.01", approvals("a")), ("1", {"b": "oppose"})], seats=2, threshold="0")
    out = run(data)
    assert statuses(out) == {"a": "elected", "b": "failed"}
    assert out["threshold_weight"] == "0"


def test_non_terminating_threshold_weight_prints_as_a_fraction():
    data = election(["a"], [("4", approvals("a"))], roll_weight="10", threshold="1/3")
    out = run(data)
    assert out["threshold_weight"] == "10/3"
    assert statuses(out) == {"a": "elected"}
    data["ballots"][0]["weight"] = "3.33"  # 3.33 < 10/3
    assert statuses(run(data)) == {"a": "failed"}
    data["ballots"][0]["weight"] = "3.34"
    assert statuses(run(data)) == {"a": "elected"}


def test_decimal_threshold_is_read_exactly():
    data = election(["a"], [("6", approvals("a"))], roll_weight="10", threshold="0.6")
    out = run(data)
    assert out["threshold_weight"] == "6" and statuses(out) == {"a": "failed"}


def test_public_weight_changes_the_ranking_but_not_the_pass_test():
    # B = 10, t x B = 2.5, w = 1/2, support sum 12. Scores: a = 1/2*6/10 + 1/2*0/12 = 3/10;
    # b = 1/2*3/10 + 1/2*10/12 = 17/30. c has support 2 but only 1 approval: it fails the pass
    # test whatever its support.
    data = election(
        [("a", 0, 0), ("b", 0, 10), ("c", 0, 2)],
        [("6", approvals("a")), ("3", approvals("b")), ("1", approvals("c"))],
        seats=1,
        public_weight="1/2",
        threshold="1/4",
    )
    out = run(data)
    assert statuses(out) == {"a": "not_elected", "b": "elected", "c": "failed"}
    result = count(parse_election(data))
    scores = {c.id: c.score for c in result.candidates}
    assert scores == {"a": Fraction(3, 10), "b": Fraction(17, 30), "c": None}
    data["public_weight"] = "0"
    assert statuses(run(data)) == {"a": "elected", "b": "not_elected", "c": "failed"}


def test_public_weight_with_zero_support_ranks_by_approval_share():
    data = election(["a", "b"], [("1", approvals("a")), ("2", approvals("b"))], seats=1, public_weight="0.5",
                    threshold="0")
    out = run(data)
    assert out["elected"] == ["b"] and statuses(out)["a"] == "not_elected"
    scores = {c.id: c.score for c in count(parse_election(data)).candidates}
    assert scores == {"a": Fraction(1, 6), "b": Fraction(1, 3)}


def test_public_weight_equal_scores_tie():
    # Equal approvals and equal support: equal scores form one group.
    data = election([("a", 0, 3), ("b", 0, 3)], [("1", approvals("a")), ("1", approvals("b"))], seats=1,
                    public_weight="1/4", threshold="1/4")
    out = run(data)
    assert out["tied"] == ["a", "b"] and out["runoff_seats"] == 1


def test_support_tie_break_only_when_enabled():
    data = election(
        [("a", 0, 3), ("b", 0, 7), ("c", 0, 7)],
        [("1", approvals("a")), ("1", approvals("b")), ("1", approvals("c"))],
        seats=1,
        threshold="0",
    )
    off = run(data)
    assert off["tied"] == ["a", "b", "c"] and off["runoff_seats"] == 1
    data["tie_break_support"] = True
    on = run(data)
    # Support splits the group: b and c (7) still tie, a (3) comes after them.
    assert on["tied"] == ["b", "c"] and statuses(on)["a"] == "not_elected"
    data["seats"] = 2
    on2 = run(data)
    assert on2["elected"] == ["b", "c"] and statuses(on2)["a"] == "not_elected"
    data["seats"] = 3
    assert run(data)["elected"] == ["b", "c", "a"]


def test_support_tie_break_is_ignored_with_public_weight():
    # w = 1/2, B = 4, support sum 4 (over all candidates, c included): a = 1/2*2/4 + 1/2*0/4 = 1/4;
    # b = 1/2*1/4 + 1/2*1/4 = 1/4. Equal scores tie although b has more support: support is
    # already in the score, so the tie-break does not apply.
    data = election([("a", 0, 0), ("b", 0, 1), ("c", 0, 3)],
                    [("2", approvals("a")), ("1", approvals("b")), ("1", {})],
                    seats=1, threshold="0", public_weight="1/2", tie_break_support=True)
    out = run(data)
    assert out["tied"] == ["a", "b"] and statuses(out)["c"] == "failed"


def test_support_tie_break_never_outranks_approvals():
    data = election([("a", 0, 0), ("b", 0, 100)], [("2", approvals("a")), ("1", approvals("b"))],
                    seats=1, threshold="0", tie_break_support=True)
    assert run(data)["elected"] == ["a"]


def test_output_has_exactly_the_contract_keys_in_input_order():
    out = run(election(["b", "a"], [("1", approvals("a"))], seats=1))
    assert set(out) == {"basis_weight", "threshold_weight", "turnout", "candidates", "elected", "tied",
                        "runoff_seats", "vacant_seats", "budget_used"}
    assert [c["id"] for c in out["candidates"]] == ["b", "a"]
    assert set(out["candidates"][0]) == {"id", "approve", "oppose", "abstain", "approve_count", "oppose_count",
                                         "abstain_count", "passed", "status"}


def test_recount_json_round_trip_and_exact_json_numbers():
    data = election(["a"], [("1.1", approvals("a")), ("2.2", {"a": "oppose"})], roll_weight="3.3")
    text = json.dumps(data).replace('"1.1"', "1.1")  # a JSON number is read as an exact decimal
    out = json.loads(recount_json(text))
    assert out["candidates"][0]["approve"] == "1.1"
    assert out["threshold_weight"] == "1.65"
    assert out == run(data)


@pytest.mark.parametrize("text, needle", [
    ("{not json", "invalid JSON"),
    ('{"seats": NaN}', "NaN"),
    ("[]", "must be a JSON object"),
])
def test_recount_json_rejects_bad_json(text, needle):
    with pytest.raises(CountingInputError, match=needle):
        recount_json(text)


# --------------------------------------------------------------------------- tallies


def test_count_from_tallies_matches_count():
    data = election(["a", "b"], [("1.5", {"a": "approve", "b": "oppose"}), ("2", approvals("b"))], seats=2)
    e = parse_election(data)
    tallies = {
        "a": Tally.with_abstain_rest(Decimal("1.5"), 1, Decimal(0), 0, 2, Decimal("3.5")),
        "b": Tally(approve=Decimal(2), oppose=Decimal("1.5"), approve_count=1, oppose_count=1),
    }
    bare = dataclasses.replace(e, ballots=())
    assert result_to_dict(count_from_tallies(bare, tallies, 2, Decimal("3.5"))) == result_to_dict(count(e))


def test_count_from_tallies_missing_candidate_abstains_everywhere():
    e = parse_election(election(["a", "b"], [], seats=2, roll_weight="5"))
    result = count_from_tallies(e, {"a": Tally(approve=Decimal(3), approve_count=2)}, 2, Decimal(3))
    b = next(c for c in result.candidates if c.id == "b")
    assert (b.approve, b.abstain, b.abstain_count) == (0, Decimal(3), 2)
    assert result.elected == ("a",)


@pytest.mark.parametrize("tallies, ballots, weight, needle", [
    ({"a": Tally(approve=Decimal(3), approve_count=1)}, 2, Decimal(3), "does not equal the turnout"),
    ({"a": Tally(approve=Decimal(2), approve_count=2)}, 2, Decimal(3), "does not equal the turnout"),
    ({"x": Tally()}, 0, Decimal(0), "unknown candidate id 'x'"),
    ({"a": Tally(approve=Decimal(-1), abstain=Decimal(1))}, 0, Decimal(0), "none negative"),
    ({}, -1, Decimal(0), "turnout ballots"),
    ({}, 0, Decimal(-1), "turnout weight"),
    ({}, 3, Decimal(6), "less than the weight cast"),
])
def test_count_from_tallies_refuses_inconsistent_tallies(tallies, ballots, weight, needle):
    e = parse_election(election(["a"], [], roll_weight="5"))
    with pytest.raises(CountingInputError, match=re.escape(needle)):
        count_from_tallies(e, tallies, ballots, weight)


def test_count_handles_100000_ballots():
    rng = random.Random(4)
    cands = [Candidate(f"c{i:02d}", f"P{i}", rng.randint(0, 50), rng.randint(0, 9)) for i in range(30)]
    weights = [Decimal(w) for w in ("1", "1.5", "2", "0.75", "3.25")]
    ballots = []
    for n in range(100_000):
        choices = {}
        for c in cands:
            r = rng.random()
            if r < 0.1 and list(choices.values()).count("approve") < 5:
                choices[c.id] = "approve"
            elif r < 0.5:
                choices[c.id] = "oppose"
            elif r < 0.7:
                choices[c.id] = "abstain"
        ballots.append(Ballot(f"r{n}", rng.choice(weights), choices))
    e = Election("majority", 5, 300, "present", Fraction(1, 10), Fraction(0), Decimal(400_000),
                 tuple(cands), tuple(ballots))
    # Correctness at scale only: speed is measured in bench/recount_bench.py (bench/RESULTS.md), not here.
    result = count(e)
    assert result.turnout_ballots == 100_000
    assert result.turnout_weight == sum((b.weight for b in ballots), Decimal(0))
    first = result.candidates[0]
    assert first.approve_count + first.oppose_count + first.abstain_count == 100_000


# --------------------------------------------------------------------------- equal shares


def _fake_equal_shares(monkeypatch, elected):
    calls = []

    def equal_shares(costs, ballots, budget, completion):
        calls.append((costs, ballots, budget, completion))
        return types.SimpleNamespace(elected=list(elected), details={"a": {"paid": "1"}})

    monkeypatch.setattr("consult.voting.counting.equal_shares", equal_shares)
    return calls


def test_equal_shares_delegates_and_reports_elected_or_not(monkeypatch):
    calls = _fake_equal_shares(monkeypatch, ["b", "a"])
    data = election([("a", 10, 0), ("b", 20, 0), ("c", 5, 0)],
                    [("2", {"a": "approve", "b": "approve", "c": "oppose"}), ("0.5", approvals("c"))],
                    seats=2, budget=40, rule="equal_shares")
    result = count(parse_election(data))
    out = result_to_dict(result)
    assert statuses(out) == {"a": "elected", "b": "elected", "c": "not_elected"}
    assert out["elected"] == ["b", "a"] and out["budget_used"] == 30
    assert out["tied"] == [] and out["vacant_seats"] == 0 and out["runoff_seats"] == 0
    assert result.details == {"a": {"paid": "1"}}
    costs, ballots, budget, completion = calls[0]
    assert costs == {"a": 10, "b": 20, "c": 5} and budget == 40 and completion is None
    assert ballots == [(Fraction(2), frozenset({"a", "b"})), (Fraction(1, 2), frozenset({"c"}))]
    assert row(out, "c")["approve"] == "0.5"


def test_equal_shares_unavailable(monkeypatch):
    monkeypatch.delitem(counting.RULE_COUNTS, "equal_shares")  # a rule no counter is registered for
    data = election([("a", 1, 0)], [], budget=5, rule="equal_shares", roll_weight="1")
    with pytest.raises(CountingInputError, match="rule equal_shares is not available"):
        count(parse_election(data))


def test_equal_shares_needs_ballots_not_tallies(monkeypatch):
    e = parse_election(election([("a", 1, 0)], [], budget=5, rule="equal_shares", roll_weight="1"))
    with pytest.raises(CountingInputError, match="needs the ballots"):
        count_from_tallies(e, {}, 0, Decimal(0))


# --------------------------------------------------------------------------- invalid input


def base() -> dict:
    return election(["a", "b", "c"], [("1", approvals("a")), ("2", {"b": "oppose"})], seats=1, budget=100,
                    roll_weight="5")


def drop(path):
    def mutate(d):
        *parents, last = path
        target = d
        for p in parents:
            target = target[p]
        del target[last]
    return mutate


def put(path, value):
    def mutate(d):
        *parents, last = path
        target = d
        for p in parents:
            target = target[p]
        target[last] = value
    return mutate


INVALID = [
    # ballots, named by index and receipt
    (put(["ballots", 1, "choices", "zz"], "approve"), "ballots[1] (receipt 'r2'): unknown candidate id 'zz'"),
    (put(["ballots", 1, "choices"], approvals("a", "b")), "ballots[1] (receipt 'r2'): 2 approvals, but at most 1"),
    (put(["ballots", 0, "weight"], "-1"), "ballots[0] (receipt 'r1'): weight must be positive, got -1"),
    (put(["ballots", 0, "weight"], "0"), "ballots[0] (receipt 'r1'): weight must be positive, got 0"),
    (put(["ballots", 0, "weight"], "0.00"), "weight must be positive"),
    (put(["ballots", 0, "weight"], "1.005"), "ballots[0] (receipt 'r1'): weight has more than 2 decimals"),
    (put(["ballots", 0, "weight"], "abc"), "ballots[0] (receipt 'r1'): weight: must be a decimal string"),
    (put(["ballots", 0, "weight"], "1e2"), "weight: must be a decimal string"),
    (put(["ballots", 0, "weight"], 1.5), "not a JSON float"),
    (put(["ballots", 0, "weight"], None), "weight: must be a decimal string"),
    (put(["ballots", 0, "weight"], ["1"]), "weight: must be a decimal string"),
    (put(["ballots", 1, "choices", "a"], "yes"), "ballots[1] (receipt 'r2'): choice for 'a' must be approve, oppose or abstain, got 'yes'"),
    (put(["ballots", 1, "choices", "a"], ["approve"]), "choice for 'a' must be approve, oppose or abstain"),
    (put(["ballots", 1, "choices"], ["a"]), "ballots[1] (receipt 'r2'): choices must be an object"),
    (put(["ballots", 1, "receipt"], 7), "ballots[1] (receipt 7): receipt must be a string"),
    (put(["ballots", 1, "receipt"], "r1"), "ballots[1] (receipt 'r1'): duplicate receipt"),
    (drop(["ballots", 1, "weight"]), "ballots[1] (receipt 'r2'): missing field weight"),
    (drop(["ballots", 1, "choices"]), "ballots[1] (receipt 'r2'): missing field choices"),
    (drop(["ballots", 1, "receipt"]), "ballots[1] (receipt None): missing field receipt"),
    (put(["ballots", 1], "r2"), "ballots[1]: must be an object"),
    (put(["ballots"], {}), "ballots: must be a list"),
    # threshold and public weight
    (put(["threshold"], "1/0"), "threshold: the denominator is zero"),
    (put(["threshold"], "1"), "threshold: must be a fraction with 0 <= t < 1"),
    (put(["threshold"], "3/2"), "threshold: must be a fraction with 0 <= t < 1"),
    (put(["threshold"], "-1/2"), "threshold: must be a fraction with 0 <= t < 1"),
    (put(["threshold"], "half"), "threshold: must be a fraction"),
    (put(["threshold"], "1/2/3"), "threshold: must be a fraction"),
    (put(["threshold"], None), "threshold: must be a fraction"),
    (put(["public_weight"], "0.6"), "public_weight: must be between 0 and 1/2"),
    (put(["public_weight"], "-1/10"), "public_weight: must be between 0 and 1/2"),
    (put(["public_weight"], "x"), "public_weight: must be a fraction"),
    # candidates
    (put(["candidates", 2, "id"], "a"), "candidates[2].id: duplicate candidate id 'a'"),
    (put(["candidates", 1, "id"], ""), "candidates[1].id: must be a non-empty string"),
    (put(["candidates", 1, "id"], 2), "candidates[1].id: must be a string"),
    (put(["candidates", 1, "title"], None), "candidates[1].title: must be a string"),
    (put(["candidates", 1, "cost"], -1), "candidates[1].cost: must be an integer of at least 0"),
    (put(["candidates", 1, "cost"], "10"), "candidates[1].cost: must be an integer"),
    (put(["candidates", 1, "cost"], 1.5), "candidates[1].cost: must be an integer"),
    (put(["candidates", 1, "support"], -2), "candidates[1].support: must be an integer of at least 0"),
    (put(["candidates", 1, "support"], True), "candidates[1].support: must be an integer"),
    (drop(["candidates", 1, "cost"]), "candidates[1].cost: missing field"),
    (put(["candidates", 1], "b"), "candidates[1]: must be an object"),
    (put(["candidates"], "abc"), "candidates: must be a list"),
    # top-level fields
    (put(["seats"], 0), "seats: must be an integer of at least 1"),
    (put(["seats"], -3), "seats: must be an integer of at least 1"),
    (put(["seats"], "2"), "seats: must be an integer"),
    (put(["seats"], True), "seats: must be an integer"),
    (put(["budget"], -1), "budget: must be null or an integer of at least 0"),
    (put(["budget"], "100"), "budget: must be an integer or null"),
    (put(["rule"], "borda"), "rule: must be one of majority, equal_shares"),
    (put(["rule"], 1), "rule: must be a string"),
    (put(["basis"], "all"), "basis: must be one of enrolled, present"),
    (put(["roll_weight"], "2.99"), "roll_weight: 2.99 is less than the weight cast, 3"),
    (put(["roll_weight"], "-1"), "roll_weight: must be a decimal number of at least 0"),
    (put(["roll_weight"], "5.001"), "roll_weight: has more than 2 decimals"),
    (put(["roll_weight"], "lots"), "roll_weight: must be a decimal string"),
    (put(["tie_break_support"], "yes"), "tie_break_support: must be true or false"),
    *[(drop([name]), f"{name}: missing field") for name in
      ("rule", "seats", "budget", "basis", "threshold", "public_weight", "roll_weight", "candidates", "ballots")],
]


@pytest.mark.parametrize("mutate, message", INVALID)
def test_invalid_input_is_refused_with_a_clear_message(mutate, message):
    data = base()
    run(data)  # the unmutated input is valid
    mutate(data)
    with pytest.raises(CountingInputError, match=re.escape(message)):
        parse_election(data)


def test_counting_input_error_is_a_value_error():
    assert issubclass(CountingInputError, ValueError)
    with pytest.raises(ValueError):
        parse_election("not a dict")


def test_equal_shares_requires_a_budget():
    data = base()
    data["rule"], data["budget"] = "equal_shares", None
    with pytest.raises(CountingInputError, match="rule equal_shares needs a budget"):
        parse_election(data)


def test_election_validates_when_built_directly():
    cands = (Candidate("a", "A", 1, 0),)
    with pytest.raises(CountingInputError, match=re.escape("ballots[0] (receipt 'x'): 2 approvals, but at most 1")):
        Election("majority", 1, None, "enrolled", Fraction(1, 2), Fraction(0), Decimal(5),
                 cands + (Candidate("b", "B", 1, 0),), (Ballot("x", Decimal(1), approvals("a", "b")),))
    with pytest.raises(CountingInputError, match="weight must be a decimal number"):
        Election("majority", 1, None, "enrolled", Fraction(1, 2), Fraction(0), Decimal(5), cands,
                 (Ballot("x", 1.0, {}),))
    with pytest.raises(CountingInputError, match="threshold"):
        Election("majority", 1, None, "enrolled", 0.5, Fraction(0), Decimal(5), cands, ())


# --------------------------------------------------------------------------- the property test


def plain_count(data: dict) -> dict:
    """A second, deliberately plain implementation of the contract, straight from its text."""
    t = Fraction(data["threshold"])
    w = Fraction(data["public_weight"])
    seats, budget = data["seats"], data["budget"]
    cands = data["candidates"]
    ballots = data["ballots"]
    cast = sum((Fraction(b["weight"]) for b in ballots), Fraction(0))
    basis = Fraction(data["roll_weight"]) if data["basis"] == "enrolled" else cast
    sums, counts = {}, {}
    for c in cands:
        sums[c["id"]] = {"approve": Fraction(0), "oppose": Fraction(0), "abstain": Fraction(0)}
        counts[c["id"]] = {"approve": 0, "oppose": 0, "abstain": 0}
        for b in ballots:
            choice = b["choices"].get(c["id"], "abstain")
            sums[c["id"]][choice] += Fraction(b["weight"])
            counts[c["id"]][choice] += 1
    passing = [c for c in cands if sums[c["id"]]["approve"] > t * basis]
    total_support = sum(c["support"] for c in cands)

    def score(c):
        a = sums[c["id"]]["approve"]
        if w == 0:
            return a
        first = (1 - w) * a / basis if basis != 0 else 0
        second = w * Fraction(c["support"], total_support) if total_support != 0 else 0
        return first + second

    def rank(c):
        if data.get("tie_break_support") and w == 0:
            return (score(c), c["support"])
        return (score(c),)

    status = {c["id"]: "failed" for c in cands}
    for c in passing:
        status[c["id"]] = "not_elected"
    left, money = seats, budget
    elected, tied = [], []
    for key in sorted({rank(c) for c in passing}, reverse=True):
        if left == 0:
            break
        group = sorted(c["id"] for c in passing if rank(c) == key)
        cost = {c["id"]: c["cost"] for c in cands}
        keep = []
        for cid in group:
            if money is not None and cost[cid] > money:
                status[cid] = "over_budget"
            else:
                keep.append(cid)
        total = sum(cost[cid] for cid in keep)
        if len(keep) <= left and (money is None or total <= money):
            for cid in keep:
                status[cid] = "elected"
                elected.append(cid)
            left -= len(keep)
            if money is not None:
                money -= total
        else:
            for cid in keep:
                status[cid] = "tied"
            tied = keep
            break

    def text(x):
        x = Fraction(x)
        for places in range(60):
            if (x * 10**places).denominator == 1:
                n = int(x * 10**places)
                if places == 0:
                    return str(n)
                whole, part = divmod(n, 10**places)
                return f"{whole}.{part:0{places}d}".rstrip("0").rstrip(".")
        return f"{x.numerator}/{x.denominator}"

    return {
        "basis_weight": text(basis),
        "threshold_weight": text(t * basis),
        "turnout": {"ballots": len(ballots), "weight": text(cast)},
        "candidates": [
            {
                "id": c["id"],
                "approve": text(sums[c["id"]]["approve"]),
                "oppose": text(sums[c["id"]]["oppose"]),
                "abstain": text(sums[c["id"]]["abstain"]),
                "approve_count": counts[c["id"]]["approve"],
                "oppose_count": counts[c["id"]]["oppose"],
                "abstain_count": counts[c["id"]]["abstain"],
                "passed": c in passing,
                "status": status[c["id"]],
            }
            for c in cands
        ],
        "elected": elected,
        "tied": tied,
        "runoff_seats": left if tied else 0,
        "vacant_seats": 0 if tied else left,
        "budget_used": sum(c["cost"] for c in cands if c["id"] in elected),
    }


MARKS = ["approve", "approve", "approve", "oppose", "abstain", None]
WEIGHTS = st.sampled_from(["1", "1", "2", "0.5", "1.25", "0.01", "3.33", "1.50"]) | st.integers(1, 99_999).map(
    lambda c: f"{c // 100}.{c % 100:02d}"
)


COSTS = st.sampled_from([0, 10, 20, 30, 40, 60]) | st.integers(0, 60)  # round costs make exact fits likely


@st.composite
def elections(draw):
    n = draw(st.integers(0, 8))
    ids = draw(st.permutations(["a", "b", "c", "d", "e", "f", "g", "h"]))[:n]
    seats = draw(st.integers(1, 3))
    cands = [
        {"id": cid, "title": f"Project {cid}", "cost": draw(COSTS), "support": draw(st.integers(0, 5))}
        for cid in ids
    ]
    ballots = []
    same_weight = draw(st.booleans())  # equal weights make equal approval sums common
    # Twin pairs (0, 1), (2, 3)...: each ballot is followed by its mirror image with the pair's
    # marks swapped, so twins get exactly equal sums and ties at the last seat are common.
    twins = [(j - 1, j) for j in range(1, n, 2) if draw(st.booleans())]
    for i in range(draw(st.integers(0, 20 if twins else 40))):
        marks = draw(st.lists(st.sampled_from(MARKS), min_size=n, max_size=n))
        approved = 0
        for j, mark in enumerate(marks):
            if mark == "approve":
                approved += 1
                if approved > seats:
                    marks[j] = "abstain"
        weight = "1" if same_weight else draw(WEIGHTS)
        mirrored = list(marks)
        for x, y in twins:
            mirrored[x], mirrored[y] = marks[y], marks[x]
        for version in [marks, mirrored] if twins else [marks]:
            choices = {cid: mark for cid, mark in zip(ids, version) if mark is not None}
            ballots.append({"receipt": f"r{len(ballots)}", "weight": weight, "choices": choices})
    cast = sum(Decimal(b["weight"]) for b in ballots)
    extra = Decimal(draw(st.sampled_from([0, 0, 100]) | st.integers(0, 2_000))) / 100
    return {
        "rule": "majority",
        "seats": seats,
        "budget": draw(st.none() | st.integers(0, 15).map(lambda n: n * 10) | st.integers(0, 150)),
        "basis": draw(st.sampled_from(["enrolled", "present"])),
        "threshold": draw(st.sampled_from(["0", "1/10", "1/5", "0.25", "1/3", "3/7", "1/2", "2/3"])),
        "public_weight": draw(st.sampled_from(["0", "0", "1/4", "1/2", "0.1", "1/3"])),
        "roll_weight": str(cast + extra),
        "tie_break_support": draw(st.booleans()),
        "candidates": cands,
        "ballots": ballots,
    }


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_count_agrees_with_a_plain_implementation(data):
    assert run(copy.deepcopy(data)) == plain_count(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.randoms(use_true_random=False))
def test_ballot_order_and_recount_json_do_not_change_the_result(data, rnd):
    expected = run(data)
    shuffled = copy.deepcopy(data)
    rnd.shuffle(shuffled["ballots"])
    assert json.loads(recount_json(json.dumps(shuffled))) == expected
    number = re.compile(r"^(0|[1-9]\d*)(\.\d*[1-9])?$|^\d+/\d+$")
    for value in [expected["basis_weight"], expected["threshold_weight"], expected["turnout"]["weight"]]:
        assert number.match(value), value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_count_from_tallies_agrees_with_count(data):
    e = parse_election(data)
    tallies = {}
    for c in e.candidates:
        a = [b.weight for b in e.ballots if b.choices.get(c.id) == "approve"]
        o = [b.weight for b in e.ballots if b.choices.get(c.id) == "oppose"]
        tallies[c.id] = Tally.with_abstain_rest(sum(a, Decimal(0)), len(a), sum(o, Decimal(0)), len(o),
                                                len(e.ballots), sum((b.weight for b in e.ballots), Decimal(0)))
    bare = dataclasses.replace(e, ballots=())
    weight = sum((b.weight for b in e.ballots), Decimal(0))
    assert result_to_dict(count_from_tallies(bare, tallies, len(e.ballots), weight)) == run(data)


@pytest.mark.parametrize("condition", [
    lambda out: out["tied"],
    lambda out: "over_budget" in statuses(out).values(),
    lambda out: "not_elected" in statuses(out).values(),
    lambda out: out["vacant_seats"] > 0 and any(c["passed"] for c in out["candidates"]),
    lambda out: len(out["elected"]) >= 2,
])
def test_the_generator_reaches_every_branch(condition):
    # Generation only, no shrinking: this just proves the property tests can reach the branch.
    find(elections(), lambda d: bool(condition(plain_count(d))),
         settings=settings(max_examples=5_000, phases=[Phase.generate], database=None, derandomize=True))


# --------------------------------------------------------------------------- equal shares: output and completion


def test_equal_shares_output_explains_each_candidate_with_exact_numbers():
    # budget 100 over weight 2: 50 each. q (60, both approve) costs 30 each: rho 1/2, bought first;
    # p (40, x only) then has 20 < 40 left; z (10) nobody approves; w costs 0; big (500) exceeds the budget.
    data = election([("p", 40, 0), ("q", 60, 0), ("z", 10, 0), ("w", 0, 0), ("big", 500, 0)],
                    [("1", approvals("p", "q", "w")), ("1", {"q": "approve", "big": "approve", "p": "oppose"})],
                    seats=3, budget=100, rule="equal_shares")
    out = run(data)
    assert out["elected"] == ["q"] and out["budget_used"] == 60
    es = out["equal_shares"]
    assert es["completion"] is None and es["voter_budget"] == "50"
    assert [c["id"] for c in es["candidates"]] == ["p", "q", "z", "w", "big"]  # input order
    by_id = {c["id"]: c for c in es["candidates"]}
    assert by_id["q"] == {"id": "q", "elected": True, "supporters": 2, "supporter_weight": "2", "round": 1,
                          "rho": "0.5", "max_payment": "30", "payers": 2, "payers_weight": "2"}
    assert by_id["p"] == {"id": "p", "elected": False, "supporters": 1, "supporter_weight": "1",
                          "reason": "supporters_cannot_afford", "available": "20"}
    assert by_id["z"]["reason"] == "no_supporters" and by_id["w"]["reason"] == "zero_cost"
    assert by_id["big"]["reason"] == "cost_exceeds_budget"
    # every number is an exact string ("0.5", "1/3") or an int, never a JSON float
    text = recount_json(json.dumps(data))

    def no_float(value):
        raise AssertionError(f"a JSON float in the output: {value}")

    assert json.loads(text, parse_float=no_float) == out


def test_equal_shares_rho_is_a_fraction_when_not_an_exact_decimal():
    data = election([("a", 100, 0)], [("1", approvals("a")), ("1", approvals("a")), ("1", approvals("a"))],
                    budget=300, rule="equal_shares")
    es = run(data)["equal_shares"]
    assert es["candidates"][0]["rho"] == "1/3" and es["candidates"][0]["max_payment"] == "100/3"


def test_completion_add_one_is_read_passed_on_and_reported(monkeypatch):
    calls = _fake_equal_shares(monkeypatch, ["a"])
    data = election([("a", 10, 0)], [("1", approvals("a"))], budget=10, rule="equal_shares", completion="add_one")
    out = result_to_dict(count(parse_election(data)))
    assert calls[0][3] == "add_one"
    assert out["equal_shares"]["completion"] == "add_one"
    assert out["equal_shares"]["candidates"] == [{"id": "a", "elected": True}]  # the fake gives no details for a


def test_completion_add_one_changes_the_outcome():
    # weights 1, 2, 1; budget 300: plain MES buys a only; raising the shares to 84 per unit also buys b
    cands = [("a", 200, 0), ("b", 100, 0), ("c", 400, 0), ("e", 150, 0)]
    ballots = [("1", approvals("a", "b", "c")), ("2", approvals("a", "e")), ("1", approvals("b"))]
    plain = run(election(cands, ballots, seats=3, budget=300, rule="equal_shares"))
    added = run(election(cands, ballots, seats=3, budget=300, rule="equal_shares", completion="add_one"))
    assert plain["elected"] == ["a"] and added["elected"] == ["a", "b"]
    assert added["equal_shares"]["voter_budget"] == "84" and added["budget_used"] == 300
    b = next(c for c in added["equal_shares"]["candidates"] if c["id"] == "b")
    assert b["round"] == 2 and b["rho"] == "62/75" and b["payers"] == 2


def test_completion_null_is_the_same_as_absent():
    data = election([("a", 10, 0)], [("1", approvals("a"))], budget=10, rule="equal_shares")
    assert run({**data, "completion": None}) == run(data)


@pytest.mark.parametrize("completion, rule, needle", [
    ("add_two", "equal_shares", 'completion: must be null or "add_one"'),
    (1, "equal_shares", 'completion: must be null or "add_one"'),
    ("add_one", "majority", "completion: only rule equal_shares has a completion"),
])
def test_bad_completion_is_refused(completion, rule, needle):
    data = election([("a", 10, 0)], [("1", approvals("a"))], budget=10, rule=rule, completion=completion)
    with pytest.raises(CountingInputError, match=needle):
        parse_election(data)
