"""Method of Equal Shares (consult.voting.equal_shares), checked against pabutools.

pabutools (==1.2.3) is a test dependency and is imported unconditionally: this
file fails, not skips, when it is missing.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import method_of_equal_shares

from consult.voting.equal_shares import EqualSharesResult, equal_shares

F = Fraction


# --------------------------------------------------------------------------- helpers


def pabutools_outcome(costs, ballots, budget, add_one=False) -> list[str]:
    """pabutools' MES (Cost_Sat, default lexicographic tie-breaking), each weight
    taken as that many identical ballots in an ApprovalProfile."""
    projects = {cid: Project(cid, cost) for cid, cost in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile(instance=instance)
    for weight, approved in ballots:
        assert Fraction(weight).denominator == 1
        for _ in range(int(weight)):
            profile.append(ApprovalBallot([projects[c] for c in approved]))
    outcome = method_of_equal_shares(
        instance, profile, sat_class=Cost_Sat, voter_budget_increment=1 if add_one else None
    )
    return [p.name for p in outcome]


def reference_mes(costs, ballots, per_unit_budget) -> list[str]:
    """A plain ballot-by-ballot MES with cost utilities (no grouping), for any
    positive weights: ballot i starts with weight_i * per_unit_budget."""
    voters = [[F(w), frozenset(s), F(w) * per_unit_budget] for w, s in ballots]
    remaining = sorted(c for c in costs if costs[c] > 0 and any(c in v[1] for v in voters))
    elected = []
    while True:
        best = None
        for cid in list(remaining):
            supporters = [v for v in voters if cid in v[1]]
            cost = costs[cid]
            if sum(v[2] for v in supporters) < cost:
                remaining.remove(cid)
                continue
            supporters.sort(key=lambda v: v[2] / v[0])
            rest, weight = F(cost), sum(v[0] for v in supporters)
            for v in supporters:
                pay = rest / weight  # per unit of weight, if everybody left could pay it
                if pay <= v[2] / v[0]:
                    break
                rest -= v[2]
                weight -= v[0]
            rho = pay / cost
            if best is None or rho < best[0]:  # remaining is sorted: ties keep the lowest id
                best = (rho, cid, pay)
        if best is None:
            return elected
        _, cid, pay = best
        elected.append(cid)
        remaining.remove(cid)
        for v in voters:
            if cid in v[1]:
                v[2] -= min(v[2], pay * v[0])


def reference_add_one(costs, ballots, budget) -> list[str]:
    """The iterated variant, step by step (+1 per unit of weight per step)."""
    total = sum(F(w) for w, _ in ballots)
    if total == 0:
        return []
    active = [c for c in costs if costs[c] > 0 and any(c in s for _, s in ballots)]
    previous: list[str] = []
    per_unit = F(budget) / total
    while True:
        outcome = reference_mes(costs, ballots, per_unit)
        used = sum(costs[c] for c in outcome)
        if used > budget:
            return previous
        if all(c in outcome or costs[c] + used > budget for c in active):
            return outcome
        previous = outcome
        per_unit += 1


# --------------------------------------------------------------------------- strategies


@st.composite
def instances(draw, max_candidates=30, max_ballots=200, max_weight=5, big_costs=False):
    n = draw(st.integers(1, max_candidates))
    # "c10" < "c9" as strings: ties are broken in str order, by both implementations
    ids = [f"c{i}" for i in range(n)]
    small = st.sampled_from([0, 1, 2, 3, 5, 10, 10, 20, 20, 30, 50, 60, 100])  # many ties
    cost_values = st.one_of(small, st.integers(1, 5000 if big_costs else 300))
    costs = {cid: draw(cost_values) for cid in ids}
    approval = st.frozensets(st.sampled_from(ids), max_size=min(n, 8))
    # draw the sizes first, so that large profiles are as likely as small ones
    n_ballots = draw(st.integers(0, max_ballots))
    ballots = draw(
        st.lists(
            st.tuples(st.integers(1, max_weight).map(Fraction), approval),
            min_size=n_ballots,
            max_size=n_ballots,
        )
    )
    # mostly 10-100 % of the total cost, sometimes anything down to 0
    total = sum(costs.values())
    budget = draw(st.one_of(st.integers(10, 100).map(lambda p: total * p // 100), st.integers(0, total)))
    return costs, ballots, budget


@st.composite
def fractional_instances(draw):
    costs, ballots, budget = draw(instances(max_candidates=12, max_ballots=25))
    weights = st.one_of(
        st.fractions(min_value=F(1, 12), max_value=5, max_denominator=12),
        st.integers(1, 500).map(lambda x: F(x, 100)),
    )
    ballots = [(draw(weights), approved) for _, approved in ballots]
    return costs, ballots, budget


# --------------------------------------------------------------------------- equality with pabutools


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instances())
def test_matches_pabutools(inst):
    costs, ballots, budget = inst
    result = equal_shares(costs, ballots, budget)
    assert result.elected == pabutools_outcome(costs, ballots, budget)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instances())
def test_matches_pabutools_add_one(inst):
    costs, ballots, budget = inst
    result = equal_shares(costs, ballots, budget, "add_one")
    assert result.elected == pabutools_outcome(costs, ballots, budget, add_one=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_candidates=10, max_ballots=6, max_weight=3, big_costs=True))
def test_matches_pabutools_add_one_many_steps(inst):
    """Few voters, large costs: hundreds to thousands of one-yuan steps, most of
    which equal_shares skips; pabutools walks every one."""
    costs, ballots, budget = inst
    result = equal_shares(costs, ballots, budget, "add_one")
    assert result.elected == pabutools_outcome(costs, ballots, budget, add_one=True)
    assert result.runs <= result.iterations + 1


def test_add_one_skips_thousands_of_steps_like_pabutools():
    costs = {"a": 3700, "b": 1500, "c": 8100, "d": 2300, "e": 9400, "f": 5800}
    ballots = [
        (F(3), frozenset({"c"})),
        (F(1), frozenset({"a", "d", "e"})),
        (F(3), frozenset({"a"})),
        (F(2), frozenset({"c"})),
        (F(3), frozenset({"c", "d", "f"})),
    ]
    result = equal_shares(costs, ballots, 20000, "add_one")
    assert result.elected == ["c", "a", "d", "f"]
    assert result.elected == pabutools_outcome(costs, ballots, 20000, add_one=True)
    assert result.elected == reference_add_one(costs, ballots, 20000)
    assert result.iterations == 1856
    assert result.runs < 10


# --------------------------------------------------------------------------- non-integer weights


@settings(max_examples=100, deadline=None)
@given(fractional_instances())
def test_fractional_weights_match_reference(inst):
    costs, ballots, budget = inst
    result = equal_shares(costs, ballots, budget)
    total = sum(w for w, _ in ballots)
    expected = reference_mes(costs, ballots, F(budget) / total) if total else []
    assert result.elected == expected


@settings(max_examples=60, deadline=None)
@given(fractional_instances())
def test_fractional_weights_add_one_match_reference(inst):
    costs, ballots, budget = inst
    result = equal_shares(costs, ballots, budget, "add_one")
    assert result.elected == reference_add_one(costs, ballots, budget)


@settings(max_examples=60, deadline=None)
@given(instances(max_candidates=15, max_ballots=40), st.integers(2, 7))
def test_plain_mes_depends_only_on_weight_proportions(inst, factor):
    costs, ballots, budget = inst
    base = equal_shares(costs, ballots, budget)
    scaled = equal_shares(costs, [(w / factor, s) for w, s in ballots], budget)
    assert scaled.elected == base.elected
    for cid in base.elected:
        assert scaled.details[cid]["rho"] == base.details[cid]["rho"] * factor


def test_decimal_and_fraction_weights_agree():
    costs = {"a": 30, "b": 20, "c": 25}
    as_fraction = [(F(3, 2), {"a", "b"}), (F(1, 4), {"c"}), (F(5, 4), {"b", "c"})]
    as_decimal = [(Decimal("1.50"), {"a", "b"}), (Decimal("0.25"), {"c"}), (Decimal("1.25"), {"b", "c"})]
    as_int_x4 = [(F(6), {"a", "b"}), (F(1), {"c"}), (F(5), {"b", "c"})]
    r1 = equal_shares(costs, as_fraction, 60)
    r2 = equal_shares(costs, as_decimal, 60)
    r3 = equal_shares(costs, as_int_x4, 60)
    assert r1.elected == r2.elected == r3.elected == pabutools_outcome(costs, as_int_x4, 60)
    assert r1.details == r2.details
    assert r1.details["b"]["payers_weight"] == F(11, 4)
    assert r3.details["b"]["payers_weight"] == 11


# --------------------------------------------------------------------------- hand-worked cases


def test_differs_from_greedy_approval():
    """Six voters approve A (60) and B (40); four approve C (40); budget 100.

    Greedy by approvals buys A and B (6 approvals each) and spends everything.
    MES gives every voter 10: the six can pay 60 together, A and B both cost
    them rho = 1/6 (A wins the tie by id) and leave them nothing for B; the four
    pay 10 each for C at rho = 1/4."""
    costs = {"A": 60, "B": 40, "C": 40}
    ballots = [(F(1), frozenset({"A", "B"}))] * 6 + [(F(1), frozenset({"C"}))] * 4
    result = equal_shares(costs, ballots, 100)
    assert isinstance(result, EqualSharesResult)
    assert result.elected == ["A", "C"]
    assert result.elected == pabutools_outcome(costs, ballots, 100)
    a, b, c = (result.details[x] for x in "ABC")
    assert a["rho"] == F(1, 6) and a["round"] == 1 and a["payers"] == 6 and a["payers_weight"] == 6
    assert a["max_payment"] == 10 and a["paid"] == 60
    assert c["rho"] == F(1, 4) and c["round"] == 2 and c["payers"] == 4
    assert b["elected"] is False and b["reason"] == "supporters_cannot_afford" and b["available"] == 0
    assert result.budget_used == 100
    assert result.voter_budget == 10
    assert result.iterations == 1

    # the same electorate as two weighted ballots: same outcome, 1 payer each
    grouped = equal_shares(costs, [(F(6), frozenset({"A", "B"})), (F(4), frozenset({"C"}))], 100)
    assert grouped.elected == ["A", "C"]
    assert grouped.details["A"]["payers"] == 1 and grouped.details["A"]["payers_weight"] == 6
    assert grouped.details["A"]["rho"] == F(1, 6)


def test_poor_supporter_pays_all_and_the_others_share_the_rest():
    """Six voters, budget 60: 10 each.  v1, v4, v5, v6 approve A (32);
    v1, v2, v3 approve B (21); v2 also approves C (5).

    Round 1: A at rho 1/4 (8 each; B's fresh rho is 1/3).  v1 has 2 left.
    Round 2: B: v1 pays its 2, v2 and v3 pay 19/2 each: rho = (19/2)/21 = 19/42.
    C: v2 has 1/2 left < 5."""
    costs = {"A": 32, "B": 21, "C": 5}
    ballots = [
        (F(1), frozenset({"A", "B"})),
        (F(1), frozenset({"B", "C"})),
        (F(1), frozenset({"B"})),
        (F(1), frozenset({"A"})),
        (F(1), frozenset({"A"})),
        (F(1), frozenset({"A"})),
    ]
    result = equal_shares(costs, ballots, 60)
    assert result.elected == ["A", "B"] == pabutools_outcome(costs, ballots, 60)
    assert result.details["A"]["rho"] == F(1, 4)
    b = result.details["B"]
    assert b["rho"] == F(19, 42) and b["max_payment"] == F(19, 2) and b["payers"] == 3 and b["paid"] == 21
    c = result.details["C"]
    assert c["reason"] == "supporters_cannot_afford" and c["available"] == F(1, 2)
    assert result.budget_used == 53


def test_ties_between_fresh_projects_and_partial_payments():
    """A (6) by v1, v2, v3; B (12) by v1, v4, v5.

    Budget 10 (2 each): A at rho 1/3 (2 each) leaves v1 broke; B's supporters
    have 0 + 2 + 2 = 4 < 12.  Budget 30 (6 each): A and B both have rho 1/3 (A
    wins the tie by id); then v1 has 4 and B costs 4 each: rho 1/3 again.
    Budget 25 (5 each): after A v1 has 3 < 4, so it pays 3 and v4, v5 pay 9/2:
    rho = (9/2) / 12 = 3/8."""
    costs = {"A": 6, "B": 12}
    ballots = [
        (F(1), frozenset({"A", "B"})),
        (F(1), frozenset({"A"})),
        (F(1), frozenset({"A"})),
        (F(1), frozenset({"B"})),
        (F(1), frozenset({"B"})),
    ]
    result = equal_shares(costs, ballots, 10)
    assert result.elected == ["A"] == pabutools_outcome(costs, ballots, 10)
    assert result.details["B"]["available"] == 4
    result = equal_shares(costs, ballots, 30)
    assert result.elected == ["A", "B"] == pabutools_outcome(costs, ballots, 30)
    assert result.details["A"]["rho"] == result.details["B"]["rho"] == F(1, 3)
    assert result.details["B"]["payers"] == 3
    result = equal_shares(costs, ballots, 25)
    assert result.elected == ["A", "B"] == pabutools_outcome(costs, ballots, 25)
    assert result.details["B"]["rho"] == F(3, 8) and result.details["B"]["max_payment"] == F(9, 2)


def test_payers_counts_ballots_that_paid_something():
    """A (16) by v1..v4; B (8) by v1, v5, v6; budget 24: 4 each.

    A: rho 1/4 (4 each), before B (fresh rho 1/3): v1 is then broke.  B: v5 and
    v6 pay 4 each (rho 1/2); v1 supports B but pays nothing: 2 payers, not 3."""
    costs = {"A": 16, "B": 8}
    ballots = [(F(1), frozenset({"A", "B"}))] + [(F(1), frozenset({"A"}))] * 3 + [(F(1), frozenset({"B"}))] * 2
    result = equal_shares(costs, ballots, 24)
    assert result.elected == ["A", "B"] == pabutools_outcome(costs, ballots, 24)
    b = result.details["B"]
    assert b["supporters"] == 3 and b["payers"] == 2 and b["payers_weight"] == 2
    assert b["rho"] == F(1, 2) and b["paid"] == 8
    assert result.details["A"]["payers"] == 4
    # v5 and v6 as one ballot of weight 2: 1 payer, of weight 2
    grouped = ballots[:4] + [(F(2), frozenset({"B"}))]
    b = equal_shares(costs, grouped, 24).details["B"]
    assert b["supporters"] == 2 and b["payers"] == 1 and b["payers_weight"] == 2
    # A 12, B 10, budget 30 (5 each): A first (rho 1/4, 3 each), v1 keeps 2 and
    # pays it for B, v5 and v6 pay 4 each: 3 payers
    costs = {"A": 12, "B": 10}
    result = equal_shares(costs, ballots, 30)
    assert result.elected == ["A", "B"] == pabutools_outcome(costs, ballots, 30)
    assert result.details["B"]["payers"] == 3 and result.details["B"]["rho"] == F(2, 5)


def test_ties_go_to_the_lowest_id_in_string_order():
    costs = {"c9": 10, "c10": 10, "b": 10}
    ballots = [(F(1), frozenset({"c9"})), (F(1), frozenset({"c10"})), (F(1), frozenset({"b"}))]
    result = equal_shares(costs, ballots, 20)
    # all three have rho 1 (one supporter each, 20/3 each < 10: none affordable!)
    assert result.elected == []
    result = equal_shares(costs, ballots, 30)
    assert result.elected == ["b", "c10", "c9"] == pabutools_outcome(costs, ballots, 30)
    assert [result.details[c]["round"] for c in ("b", "c10", "c9")] == [1, 2, 3]


def test_empty_ballots_take_their_share_of_the_budget():
    costs = {"A": 60}
    result = equal_shares(costs, [(F(1), frozenset({"A"}))], 100)
    assert result.elected == ["A"]
    ballots = [(F(1), frozenset({"A"})), (F(1), frozenset())]
    result = equal_shares(costs, ballots, 100)
    assert result.elected == [] == pabutools_outcome(costs, ballots, 100)
    assert result.details["A"]["reason"] == "supporters_cannot_afford"
    assert result.details["A"]["available"] == 50
    assert result.voter_budget == 50
    # all ballots empty
    result = equal_shares({"A": 1, "B": 0}, [(F(2), frozenset())], 100)
    assert result.elected == []
    assert result.details["A"]["reason"] == "no_supporters"
    assert result.details["B"]["reason"] == "no_supporters"
    # no ballots at all
    result = equal_shares({"A": 1}, [], 100, "add_one")
    assert result.elected == [] and result.iterations == 0 and result.voter_budget == 0
    assert result.details["A"]["reason"] == "no_supporters"


def test_reasons():
    costs = {"free": 0, "huge": 500, "nobody": 10, "poor": 80, "ok": 20}
    ballots = [
        (F(1), frozenset({"free", "huge", "poor", "ok"})),
        (F(1), frozenset({"poor"})),
        (F(1), frozenset({"ok"})),
    ]
    result = equal_shares(costs, ballots, 100)
    assert result.elected == ["ok"] == pabutools_outcome(costs, ballots, 100)
    reasons = {cid: d.get("reason") for cid, d in result.details.items()}
    assert reasons == {
        "free": "zero_cost",  # cost 0: zero utility, never bought (as pabutools)
        "huge": "cost_exceeds_budget",
        "nobody": "no_supporters",
        "poor": "supporters_cannot_afford",
        "ok": None,
    }
    assert result.details["poor"]["available"] == F(100, 3) * 2 - 10
    assert set(result.details) == set(costs)
    for cid, d in result.details.items():
        assert d["cost"] == costs[cid]
    assert result.details["poor"]["supporters"] == 2
    assert result.details["ok"]["supporter_weight"] == 2


def test_zero_cost_projects_are_never_bought_even_with_add_one():
    costs = {"a": 0, "b": 5}
    ballots = [(F(2), frozenset({"a", "b"})), (F(1), frozenset({"a"}))]
    for completion in (None, "add_one"):
        result = equal_shares(costs, ballots, 10, completion)
        assert result.elected == ["b"] == pabutools_outcome(costs, ballots, 10, completion == "add_one")
        assert result.details["a"]["reason"] == "zero_cost"


# --------------------------------------------------------------------------- add_one


def test_add_one_raises_budgets_until_exhaustive():
    """Two voters, budget 100: 50 each.  Plain MES buys only B (30): A (60) is
    beyond its only supporter.  add_one: at 60 each (10 steps) A becomes
    affordable; A and B tie at rho 1 and A wins by id; 90 <= 100 and nothing
    else exists: exhaustive."""
    costs = {"A": 60, "B": 30}
    ballots = [(F(1), frozenset({"A"})), (F(1), frozenset({"B"}))]
    plain = equal_shares(costs, ballots, 100)
    assert plain.elected == ["B"]
    result = equal_shares(costs, ballots, 100, "add_one")
    assert result.elected == ["A", "B"] == pabutools_outcome(costs, ballots, 100, add_one=True)
    assert result.voter_budget == 60
    assert result.iterations == 11
    assert result.steps == 10
    assert result.budget_used == 90
    assert result.details["A"]["rho"] == 1 and result.details["A"]["round"] == 1


def test_add_one_keeps_the_last_feasible_outcome():
    """Three voters, budget 90: 30 each.  C (25) is bought; A and B (35 each)
    need 35.  At step 5 both are bought too (95 > 90): infeasible, so the
    outcome of step 4 ([C], 34 each) is kept."""
    costs = {"A": 35, "B": 35, "C": 25}
    ballots = [(F(1), frozenset({"A"})), (F(1), frozenset({"B"})), (F(1), frozenset({"C"}))]
    result = equal_shares(costs, ballots, 90, "add_one")
    assert result.elected == ["C"] == pabutools_outcome(costs, ballots, 90, add_one=True)
    assert result.voter_budget == 34
    assert result.iterations == 6
    assert result.steps == 4
    assert result.details["C"]["rho"] == 1
    assert result.details["A"]["reason"] == "supporters_cannot_afford"
    assert result.details["A"]["available"] == 34


def test_add_one_increment_is_per_unit_of_weight():
    """A (60) by weight 3, B (58) by one ballot of weight 2; budget 120: 24 per
    unit.  A is bought (rho 1/3); B's ballot has 48.  Each step gives it 2 more
    (1 per unit of weight): 58 after 5 steps; 118 <= 120 and nothing else
    exists: exhaustive."""
    costs = {"A": 60, "B": 58}
    ballots = [(F(3), frozenset({"A"})), (F(2), frozenset({"B"}))]
    result = equal_shares(costs, ballots, 120, "add_one")
    assert result.elected == ["A", "B"] == pabutools_outcome(costs, ballots, 120, add_one=True)
    assert result.iterations == 6 and result.voter_budget == 29
    # halved weights: 48 per unit, B's ballot (weight 1) gains 1 per step: 10 steps
    halved = [(F(3, 2), frozenset({"A"})), (F(1), frozenset({"B"}))]
    result = equal_shares(costs, halved, 120, "add_one")
    assert result.elected == reference_add_one(costs, halved, 120) == ["A", "B"]
    assert result.iterations == 11 and result.voter_budget == 58


# --------------------------------------------------------------------------- invariants and input checks


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(instances(), st.sampled_from([None, "add_one"]))
def test_invariants(inst, completion):
    costs, ballots, budget = inst
    result = equal_shares(costs, ballots, budget, completion)
    assert result.budget_used == sum(costs[c] for c in result.elected) <= budget
    assert len(set(result.elected)) == len(result.elected)
    assert set(result.details) == set(costs)
    for cid, d in result.details.items():
        assert d["elected"] == (cid in result.elected)
        if d["elected"]:
            assert d["paid"] == costs[cid] > 0
            assert d["rho"] >= 1 / d["supporter_weight"]
            assert d["max_payment"] == d["rho"] * costs[cid]
            assert 1 <= d["payers"] <= d["supporters"]
            assert 0 < d["payers_weight"] <= d["supporter_weight"]
            assert result.elected[d["round"] - 1] == cid
        elif d["reason"] == "supporters_cannot_afford":
            assert 0 < costs[cid] <= budget and d["available"] < costs[cid]
        elif d["reason"] == "cost_exceeds_budget":
            assert costs[cid] > budget and d["supporters"] > 0
        elif d["reason"] == "zero_cost":
            assert costs[cid] == 0 and d["supporters"] > 0
        else:
            assert d["reason"] == "no_supporters" and d["supporters"] == 0
    if ballots:
        total = sum(w for w, _ in ballots)
        assert result.voter_budget == F(budget) / total + result.steps
        assert result.iterations >= 1


@pytest.mark.parametrize(
    "costs, ballots, budget, completion, error",
    [
        ({"a": 1}, [(1.5, frozenset({"a"}))], 10, None, TypeError),
        ({"a": 1}, [(F(0), frozenset({"a"}))], 10, None, ValueError),
        ({"a": 1}, [(F(-1), frozenset({"a"}))], 10, None, ValueError),
        ({"a": 1}, [(F(1), frozenset({"b"}))], 10, None, ValueError),
        ({"a": -1}, [(F(1), frozenset({"a"}))], 10, None, ValueError),
        ({"a": 1.0}, [(F(1), frozenset({"a"}))], 10, None, TypeError),
        ({"a": 1}, [(F(1), frozenset({"a"}))], -1, None, ValueError),
        ({"a": 1}, [(F(1), frozenset({"a"}))], 10, "add_two", ValueError),
    ],
)
def test_bad_input_is_refused(costs, ballots, budget, completion, error):
    with pytest.raises(error):
        equal_shares(costs, ballots, budget, completion)
