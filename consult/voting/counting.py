"""Counting the annual vote: one pure, exact function of the election's data.

Standard library only (no database, web or template imports); no float ever decides
a result. The same code serves the results page, the JSON API and `consult recount`.

The counting contract (rule "majority"), with t = threshold, B = basis weight,
K = seats, R = budget (infinite when None):

1. A(c) = sum of the weights of the ballots that approve c; likewise oppose and
   abstain. A candidate left unmarked on a ballot counts as abstain.
2. c passes when A(c) > t * B (strictly).
3. Passing candidates are grouped by equal score and ordered by score, descending.
   Score = A(c), or with public weight w > 0:
   (1 - w) * A(c) / B + w * support(c) / sum(support)
   (sum over all candidates; a zero sum makes that term 0; B = 0 makes the first
   term 0). With `tie_break_support` and w == 0 a group of equal A(c) is ordered by
   support, descending, and split into sub-groups of equal support.
4. Walk the groups in order with s = K seats left. In a group, drop each candidate
   whose cost exceeds R (status over_budget). If the remaining members number <= s
   and their total cost <= R, elect them all, reducing s and R. Otherwise they are a
   tie: mark them tied, stop, and leave s seats for a runoff. Stop also when s
   reaches 0: the remaining passing candidates are not_elected.
5. With no tie, the s seats left at the end are vacant.

Basis: "enrolled" -> B = roll weight; "present" -> B = total weight of ballots cast.

Decisions this module documents:
- Seat order: groups in score order; inside a group, elected members are seated by
  candidate id in ascending code-point order (Python `str` ordering). `tied` is in
  the same order. The output's `candidates` keep the input order.
- Numbers in the output are strings. A value that is an exact decimal prints as a
  plain decimal without trailing zeros or exponent ("3", "2.5", "1.25", "0").
  A value that is not (t * B such as 1/3 * 10) prints as a reduced fraction "10/3".
- Weights are checked by value: "2.500" is accepted (it is 2.5); "2.005" is not.
- Extra checks beyond the format: receipts are unique, the roll weight is at least
  the weight cast, and an optional input key "tie_break_support" (bool, default
  false) carries the staff's tie-break setting so a recount reproduces it.
- Rule "equal_shares" delegates to `consult.voting.equal_shares`; its statuses are
  elected / not_elected, `passed` is true exactly for elected candidates, there is
  no tie and no vacant seat, and it needs the ballots (not tallies) and a budget.
  `elected` is in purchase order. An optional input key "completion" (null or
  "add_one", rule equal_shares only) selects the iterated variant.
- The output for rule "equal_shares" has one extra key, "equal_shares" (never present
  for "majority", whose output stays exactly the contract):
  {"completion": null | "add_one", "voter_budget": <number: budget per unit of weight
  of the returned run>, "candidates": [per candidate, input order: {"id", "elected",
  "supporters" (int: ballots approving it), "supporter_weight"} plus, when elected,
  "round" (int, 1 = bought first), "rho" (price per unit of utility paid by the
  most-paying supporters), "max_payment" (rho * cost: what one unit of weight paid at
  most), "payers" (int: ballots that paid), "payers_weight"; when not elected, "reason"
  (no_supporters | zero_cost | cost_exceeds_budget | supporters_cannot_afford) and
  "available" (the supporters' money left at the end)]}. Numbers are strings in the
  format above ("1/3", "2.5").
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from decimal import Decimal
from fractions import Fraction

from consult.numbers import to_cents
from consult.voting.election import (
    BASES,
    CHOICES,
    COMPLETIONS,
    PUBLIC_WEIGHT_MAX,
    RULES,
    Ballot,
    Candidate,
    CandidateResult,
    CountingInputError,
    CountResult,
    Election,
    Status,
    Tally,
    candidate_result,
    exact_text,
    from_cents,
    parse_election,
)
from consult.voting.equal_shares import equal_shares
from consult.voting.majority import count_from_tallies

__all__ = [
    "BASES", "CHOICES", "COMPLETIONS", "PUBLIC_WEIGHT_MAX", "RULES", "Ballot", "Candidate", "CandidateResult",
    "CountingInputError", "CountResult", "Election", "Status", "Tally", "aggregate", "count", "count_from_tallies",
    "exact_text", "parse_election", "recount_json", "result_to_dict",
]


def aggregate(election: Election) -> tuple[dict[str, Tally], int, Decimal]:
    """Per-candidate tallies, turnout ballots and turnout weight of the election's ballots.

    Ballots are grouped by weight and their (candidate, choice) pairs counted in C
    (`Counter.update`), so the Python-level work per ballot is constant. Sums are kept
    in integer cents (weights have at most 2 decimals), hence exact.
    """
    by_weight: dict[Decimal, Counter] = {}
    ballots_by_weight: Counter = Counter()
    for b in election.ballots:
        w = b.weight
        pairs = by_weight.get(w)
        if pairs is None:
            pairs = by_weight[w] = Counter()
        pairs.update(b.choices.items())
        ballots_by_weight[w] += 1
    weight_cents = {w: to_cents(w) for w in by_weight}
    turnout_ballots = len(election.ballots)
    turnout_cents = sum(weight_cents[w] * n for w, n in ballots_by_weight.items())
    tallies = {}
    for c in election.candidates:
        cents = {"approve": 0, "oppose": 0}
        counts = {"approve": 0, "oppose": 0}
        for w, pairs in by_weight.items():
            for choice in ("approve", "oppose"):
                n = pairs.get((c.id, choice), 0)
                counts[choice] += n
                cents[choice] += weight_cents[w] * n
        tallies[c.id] = Tally(
            approve=from_cents(cents["approve"]),
            oppose=from_cents(cents["oppose"]),
            abstain=from_cents(turnout_cents - cents["approve"] - cents["oppose"]),
            approve_count=counts["approve"],
            oppose_count=counts["oppose"],
            abstain_count=turnout_ballots - counts["approve"] - counts["oppose"],
        )
    return tallies, turnout_ballots, from_cents(turnout_cents)



def count(election: Election) -> CountResult:
    """Count an election from its ballots."""
    tallies, turnout_ballots, turnout_weight = aggregate(election)
    counter = RULE_COUNTS.get(election.rule)
    if counter is None:
        raise CountingInputError(f"rule {election.rule} is not available")
    return counter(election, tallies, turnout_ballots, turnout_weight)


def _count_equal_shares(
    election: Election, tallies: dict[str, Tally], turnout_ballots: int, turnout_weight: Decimal
) -> CountResult:
    costs = {c.id: c.cost for c in election.candidates}
    ballots = [
        (Fraction(b.weight), frozenset(cid for cid, ch in b.choices.items() if ch == "approve"))
        for b in election.ballots
    ]
    outcome = equal_shares(costs, ballots, election.budget, election.completion)
    elected = tuple(outcome.elected)
    basis_weight = Fraction(election.roll_weight if election.basis == "enrolled" else turnout_weight)
    results = tuple(
        candidate_result(
            c, tallies[c.id], c.id in elected, Status.elected if c.id in elected else Status.not_elected, None
        )
        for c in election.candidates
    )
    used = sum(costs[cid] for cid in elected)
    return CountResult(
        rule=election.rule,
        basis=election.basis,
        basis_weight=basis_weight,
        threshold_weight=election.threshold * basis_weight,
        turnout_ballots=turnout_ballots,
        turnout_weight=turnout_weight,
        candidates=results,
        elected=elected,
        tied=(),
        runoff_seats=0,
        vacant_seats=0,
        budget_used=used,
        budget_left=election.budget - used,
        details=dict(outcome.details),
        completion=election.completion,
        voter_budget=getattr(outcome, "voter_budget", None),
    )


# Each rule's count from the ballots' tallies.
RULE_COUNTS = {"majority": count_from_tallies, "equal_shares": _count_equal_shares}


# --------------------------------------------------------------------------- output


_ES_NUMBERS = ("supporter_weight", "rho", "max_payment", "payers_weight", "available")
_ES_INTS = ("supporters", "round", "payers")


def _equal_shares_dict(result: CountResult) -> dict:
    """The extra "equal_shares" key of the output (see the module docstring)."""
    rows = []
    for c in result.candidates:
        d = result.details.get(c.id, {})
        row: dict = {"id": c.id, "elected": c.status == Status.elected}
        for name in ("supporters", "supporter_weight", "round", "rho", "max_payment", "payers", "payers_weight",
                     "reason", "available"):
            if name not in d:
                continue
            if name in _ES_INTS:
                row[name] = int(d[name])
            elif name in _ES_NUMBERS:
                row[name] = exact_text(Fraction(d[name]))
            else:
                row[name] = str(d[name])
        rows.append(row)
    return {
        "completion": result.completion,
        "voter_budget": None if result.voter_budget is None else exact_text(result.voter_budget),
        "candidates": rows,
    }


def result_to_dict(result: CountResult) -> dict:
    """The published output format (numbers as strings, see the module docstring).

    Rule majority: exactly the contract's keys. Rule equal_shares: also "equal_shares"."""
    out = {
        "basis_weight": exact_text(result.basis_weight),
        "threshold_weight": exact_text(result.threshold_weight),
        "turnout": {"ballots": result.turnout_ballots, "weight": exact_text(result.turnout_weight)},
        "candidates": [
            {
                "id": c.id,
                "approve": exact_text(c.approve),
                "oppose": exact_text(c.oppose),
                "abstain": exact_text(c.abstain),
                "approve_count": c.approve_count,
                "oppose_count": c.oppose_count,
                "abstain_count": c.abstain_count,
                "passed": c.passed,
                "status": str(c.status),
            }
            for c in result.candidates
        ],
        "elected": list(result.elected),
        "tied": list(result.tied),
        "runoff_seats": result.runoff_seats,
        "vacant_seats": result.vacant_seats,
        "budget_used": result.budget_used,
    }
    if result.rule == "equal_shares":
        out["equal_shares"] = _equal_shares_dict(result)
    return out


def _reject_constant(name: str):
    raise CountingInputError(f"invalid JSON: {name} is not allowed")


def recount_json(text: str) -> str:
    """Parse the input format, count, and return the output format as JSON text.

    JSON numbers with a fraction part are read as exact Decimals, never floats.
    """
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CountingInputError(f"invalid JSON: {exc}") from None
    return json.dumps(result_to_dict(count(parse_election(data))), ensure_ascii=False, indent=2) + "\n"


def recount_record(raw: bytes) -> dict:
    """The result of a downloaded `/ballots` file (its bytes) in the format of `/results`:
    the count, and the SHA-256 of exactly these bytes as `ballots_sha256`. For the published
    file that is the value sealed at publication, so the whole answer equals `/results`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CountingInputError("the file is not UTF-8 text") from None
    result = json.loads(recount_json(text))
    result["ballots_sha256"] = hashlib.sha256(raw).hexdigest()
    return result
