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

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

RULES = ("majority", "equal_shares")
BASES = ("enrolled", "present")
CHOICES = frozenset({"approve", "oppose", "abstain"})
PUBLIC_WEIGHT_MAX = Fraction(1, 2)
COMPLETIONS = (None, "add_one")


class CountingInputError(ValueError):
    """The election data cannot be counted; the message names the ballot or field."""


class Status(StrEnum):
    elected = "elected"
    tied = "tied"
    over_budget = "over_budget"
    not_elected = "not_elected"
    failed = "failed"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    title: str
    cost: int
    support: int


@dataclass(frozen=True, slots=True)
class Ballot:
    receipt: str
    weight: Decimal
    choices: dict[str, str]


@dataclass(frozen=True)
class Election:
    """Everything counting needs. Constructing one validates it (see `_check_election`)."""

    rule: str
    seats: int
    budget: int | None
    basis: str
    threshold: Fraction
    public_weight: Fraction
    roll_weight: Decimal
    candidates: tuple[Candidate, ...]
    ballots: tuple[Ballot, ...]
    tie_break_support: bool = False
    completion: str | None = None  # equal_shares only: None or "add_one"

    def __post_init__(self) -> None:
        _check_election(self)


@dataclass(frozen=True)
class Tally:
    """Weighted sums and raw counts of one candidate's marks."""

    approve: Decimal = Decimal(0)
    oppose: Decimal = Decimal(0)
    abstain: Decimal = Decimal(0)
    approve_count: int = 0
    oppose_count: int = 0
    abstain_count: int = 0

    @classmethod
    def with_abstain_rest(
        cls,
        approve: Decimal,
        approve_count: int,
        oppose: Decimal,
        oppose_count: int,
        turnout_ballots: int,
        turnout_weight: Decimal,
    ) -> Tally:
        """A tally where every ballot not approving or opposing abstains (unmarked = abstain)."""
        with localcontext() as ctx:
            ctx.prec = 200  # exact for any realistic sum
            abstain = turnout_weight - approve - oppose
        return cls(
            approve=approve,
            oppose=oppose,
            abstain=abstain,
            approve_count=approve_count,
            oppose_count=oppose_count,
            abstain_count=turnout_ballots - approve_count - oppose_count,
        )


@dataclass(frozen=True)
class CandidateResult:
    id: str
    title: str
    cost: int
    support: int
    approve: Decimal
    oppose: Decimal
    abstain: Decimal
    approve_count: int
    oppose_count: int
    abstain_count: int
    passed: bool
    status: Status
    score: Fraction | None  # ranking score of a passing candidate (majority rule)


@dataclass(frozen=True)
class CountResult:
    rule: str
    basis: str
    basis_weight: Fraction
    threshold_weight: Fraction
    turnout_ballots: int
    turnout_weight: Decimal
    candidates: tuple[CandidateResult, ...]
    elected: tuple[str, ...]
    tied: tuple[str, ...]
    runoff_seats: int
    vacant_seats: int
    budget_used: int
    budget_left: int | None  # budget for a runoff; None when there is no budget
    details: dict = field(default_factory=dict)  # per-candidate details of equal_shares
    completion: str | None = None  # equal_shares: the completion used
    voter_budget: Fraction | None = None  # equal_shares: budget per unit of weight of the returned run


# --------------------------------------------------------------------------- validation


def _fail(message: str) -> CountingInputError:
    return CountingInputError(message)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ballot_name(index: int, receipt: object) -> str:
    return f"ballots[{index}] (receipt {receipt!r})"


def _weight_problem(weight: object) -> str | None:
    """Why `weight` is not a valid ballot weight, or None when it is."""
    if not isinstance(weight, Decimal) or not weight.is_finite():
        return "must be a decimal number"
    if weight <= 0:
        return f"must be positive, got {_fmt(weight)}"
    if not _has_cents(weight):
        return f"has more than 2 decimals: {weight}"
    return None


def _has_cents(value: Decimal) -> bool:
    return (Fraction(value) * 100).denominator == 1


def _cents(value: Decimal) -> int:
    """A value with at most 2 decimals as an exact number of hundredths."""
    return int(Fraction(value) * 100)


def _from_cents(cents: int) -> Decimal:
    return Decimal(f"{cents}E-2")  # built from a string: exact, no context rounding


def _check_election(e: Election) -> None:
    if e.rule not in RULES:
        raise _fail(f"rule: must be one of {', '.join(RULES)}, got {e.rule!r}")
    if not _is_int(e.seats) or e.seats < 1:
        raise _fail(f"seats: must be an integer of at least 1, got {e.seats!r}")
    if e.budget is not None and (not _is_int(e.budget) or e.budget < 0):
        raise _fail(f"budget: must be null or an integer of at least 0, got {e.budget!r}")
    if e.rule == "equal_shares" and e.budget is None:
        raise _fail("budget: rule equal_shares needs a budget")
    if e.basis not in BASES:
        raise _fail(f"basis: must be one of {', '.join(BASES)}, got {e.basis!r}")
    if not isinstance(e.threshold, Fraction) or not 0 <= e.threshold < 1:
        raise _fail(f"threshold: must be a fraction with 0 <= t < 1, got {e.threshold!r}")
    if not isinstance(e.public_weight, Fraction) or not 0 <= e.public_weight <= PUBLIC_WEIGHT_MAX:
        raise _fail(f"public_weight: must be between 0 and 1/2, got {e.public_weight!r}")
    if not isinstance(e.roll_weight, Decimal) or not e.roll_weight.is_finite() or e.roll_weight < 0:
        raise _fail(f"roll_weight: must be a decimal number of at least 0, got {e.roll_weight!r}")
    if not _has_cents(e.roll_weight):
        raise _fail(f"roll_weight: has more than 2 decimals: {e.roll_weight}")
    if not isinstance(e.tie_break_support, bool):
        raise _fail("tie_break_support: must be true or false")
    if e.completion not in COMPLETIONS:
        raise _fail(f"completion: must be null or \"add_one\", got {e.completion!r}")
    if e.completion is not None and e.rule != "equal_shares":
        raise _fail("completion: only rule equal_shares has a completion")
    if not isinstance(e.candidates, tuple) or not isinstance(e.ballots, tuple):
        raise _fail("candidates and ballots must be tuples")

    ids: set[str] = set()
    for i, c in enumerate(e.candidates):
        where = f"candidates[{i}]"
        if not isinstance(c, Candidate):
            raise _fail(f"{where}: must be a Candidate")
        if not isinstance(c.id, str) or not c.id:
            raise _fail(f"{where}.id: must be a non-empty string")
        if c.id in ids:
            raise _fail(f"{where}.id: duplicate candidate id {c.id!r}")
        ids.add(c.id)
        if not isinstance(c.title, str):
            raise _fail(f"{where}.title: must be a string")
        if not _is_int(c.cost) or c.cost < 0:
            raise _fail(f"{where}.cost: must be an integer of at least 0, got {c.cost!r}")
        if not _is_int(c.support) or c.support < 0:
            raise _fail(f"{where}.support: must be an integer of at least 0, got {c.support!r}")

    # Per ballot only a few C-level set operations run; slow paths build the message.
    known = frozenset(ids)
    good_weights: dict[Decimal, int] = {}  # valid weight -> cents
    receipts: set[str] = set()
    seats = e.seats
    total_cents = 0
    for i, b in enumerate(e.ballots):
        if not isinstance(b, Ballot):
            raise _fail(f"ballots[{i}]: must be a Ballot")
        receipt = b.receipt
        if not isinstance(receipt, str):
            raise _fail(f"{_ballot_name(i, receipt)}: receipt must be a string")
        if receipt in receipts:
            raise _fail(f"{_ballot_name(i, receipt)}: duplicate receipt")
        receipts.add(receipt)
        w = b.weight
        try:
            cents = good_weights.get(w) if type(w) is Decimal else None
        except TypeError:  # a signalling NaN cannot be hashed
            cents = None
        if cents is None:
            problem = _weight_problem(w)
            if problem:
                raise _fail(f"{_ballot_name(i, receipt)}: weight {problem}")
            cents = good_weights[w] = _cents(w)
        total_cents += cents
        ch = b.choices
        if not isinstance(ch, dict):
            raise _fail(f"{_ballot_name(i, receipt)}: choices must be an object")
        if not known.issuperset(ch):
            unknown = sorted(str(k) for k in ch if k not in known)
            raise _fail(f"{_ballot_name(i, receipt)}: unknown candidate id {unknown[0]!r}")
        values = ch.values()
        try:
            values_ok = CHOICES.issuperset(values)
        except TypeError:  # an unhashable value such as a list
            values_ok = False
        if not values_ok:
            cid, bad = next((k, v) for k, v in ch.items() if not isinstance(v, str) or v not in CHOICES)
            raise _fail(
                f"{_ballot_name(i, receipt)}: choice for {cid!r} must be approve, oppose or abstain, got {bad!r}"
            )
        if len(ch) > seats:
            approvals = list(values).count("approve")
            if approvals > seats:
                raise _fail(f"{_ballot_name(i, receipt)}: {approvals} approvals, but at most {seats} are allowed")
    if total_cents > _cents(e.roll_weight):
        raise _fail(f"roll_weight: {_fmt(e.roll_weight)} is less than the weight cast, {_fmt(_from_cents(total_cents))}")


# --------------------------------------------------------------------------- parsing

_DECIMAL_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_FRACTION_RE = re.compile(r"^[+-]?\d+/\d+$")
_TOP_FIELDS = ("rule", "seats", "budget", "basis", "threshold", "public_weight", "roll_weight", "candidates", "ballots")


def _decimal(value: object, where: str) -> Decimal:
    """A JSON decimal string (or an int, or a Decimal from `parse_float=Decimal`) as a Decimal."""
    if isinstance(value, Decimal):
        result = value
    elif _is_int(value):
        result = Decimal(value)
    elif isinstance(value, str) and _DECIMAL_RE.match(value.strip()):
        result = Decimal(value.strip())
    elif isinstance(value, float):
        raise _fail(f"{where}: must be a decimal string such as \"1.5\", not a JSON float")
    else:
        raise _fail(f"{where}: must be a decimal string such as \"1.5\", got {value!r}")
    if not result.is_finite():
        raise _fail(f"{where}: must be a finite decimal number, got {value!r}")
    return result


def _fraction(value: object, where: str) -> Fraction:
    """"1/2", "0.5", "0" (or an int / Decimal) as an exact Fraction."""
    if isinstance(value, str):
        text = value.strip()
        if _FRACTION_RE.match(text):
            num, den = text.split("/")
            if int(den) == 0:
                raise _fail(f"{where}: the denominator is zero in {value!r}")
            return Fraction(int(num), int(den))
        if _DECIMAL_RE.match(text):
            return Fraction(Decimal(text))
        raise _fail(f"{where}: must be a fraction such as \"1/2\" or a decimal such as \"0.5\", got {value!r}")
    if _is_int(value):
        return Fraction(value)
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    raise _fail(f"{where}: must be a fraction string such as \"1/2\", got {value!r}")


def _int(value: object, where: str, *, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if not _is_int(value):
        raise _fail(f"{where}: must be an integer{' or null' if nullable else ''}, got {value!r}")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"{where}: must be a string, got {value!r}")
    return value


def parse_election(data: dict) -> Election:
    """Validate the open-data input format and build an `Election`.

    Raises CountingInputError naming the field or ballot (by index and receipt).
    """
    if not isinstance(data, dict):
        raise _fail("the election must be a JSON object")
    for name in _TOP_FIELDS:
        if name not in data:
            raise _fail(f"{name}: missing field")
    rule = _str(data["rule"], "rule")
    seats = _int(data["seats"], "seats")
    budget = _int(data["budget"], "budget", nullable=True)
    basis = _str(data["basis"], "basis")
    threshold = _fraction(data["threshold"], "threshold")
    public_weight = _fraction(data["public_weight"], "public_weight")
    roll_weight = _decimal(data["roll_weight"], "roll_weight")
    tie_break = data.get("tie_break_support", False)
    if not isinstance(tie_break, bool):
        raise _fail(f"tie_break_support: must be true or false, got {tie_break!r}")
    completion = data.get("completion")
    if completion not in COMPLETIONS:
        raise _fail(f"completion: must be null or \"add_one\", got {completion!r}")

    raw_candidates = data["candidates"]
    if not isinstance(raw_candidates, list):
        raise _fail("candidates: must be a list")
    candidates = []
    for i, raw in enumerate(raw_candidates):
        where = f"candidates[{i}]"
        if not isinstance(raw, dict):
            raise _fail(f"{where}: must be an object")
        for name in ("id", "title", "cost", "support"):
            if name not in raw:
                raise _fail(f"{where}.{name}: missing field")
        candidates.append(
            Candidate(
                id=_str(raw["id"], f"{where}.id"),
                title=_str(raw["title"], f"{where}.title"),
                cost=_int(raw["cost"], f"{where}.cost"),
                support=_int(raw["support"], f"{where}.support"),
            )
        )

    raw_ballots = data["ballots"]
    if not isinstance(raw_ballots, list):
        raise _fail("ballots: must be a list")
    ballots = []
    weights: dict[str, Decimal] = {}  # weight text -> value
    for i, raw in enumerate(raw_ballots):
        if type(raw) is not dict:
            raise _fail(f"ballots[{i}]: must be an object")
        try:
            receipt, raw_weight, choices = raw["receipt"], raw["weight"], raw["choices"]
        except KeyError as missing:
            name = missing.args[0]
            raise _fail(f"{_ballot_name(i, raw.get('receipt'))}: missing field {name}") from None
        if type(receipt) is not str:
            raise _fail(f"{_ballot_name(i, receipt)}: receipt must be a string")
        weight = weights.get(raw_weight) if type(raw_weight) is str else None
        if weight is None:
            weight = _decimal(raw_weight, f"{_ballot_name(i, receipt)}: weight")
            if type(raw_weight) is str:
                weights[raw_weight] = weight
        if type(choices) is not dict:
            raise _fail(f"{_ballot_name(i, receipt)}: choices must be an object")
        ballots.append(Ballot(receipt, weight, choices))

    return Election(
        rule=rule,
        seats=seats,
        budget=budget,
        basis=basis,
        threshold=threshold,
        public_weight=public_weight,
        roll_weight=roll_weight,
        candidates=tuple(candidates),
        ballots=tuple(ballots),
        tie_break_support=tie_break,
        completion=completion,
    )


# --------------------------------------------------------------------------- counting


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
    weight_cents = {w: _cents(w) for w in by_weight}
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
            approve=_from_cents(cents["approve"]),
            oppose=_from_cents(cents["oppose"]),
            abstain=_from_cents(turnout_cents - cents["approve"] - cents["oppose"]),
            approve_count=counts["approve"],
            oppose_count=counts["oppose"],
            abstain_count=turnout_ballots - counts["approve"] - counts["oppose"],
        )
    return tallies, turnout_ballots, _from_cents(turnout_cents)


def count(election: Election) -> CountResult:
    """Count an election from its ballots."""
    tallies, turnout_ballots, turnout_weight = aggregate(election)
    if election.rule == "equal_shares":
        return _count_equal_shares(election, tallies, turnout_ballots, turnout_weight)
    return count_from_tallies(election, tallies, turnout_ballots, turnout_weight)


def _check_tallies(
    election: Election, tallies: dict[str, Tally], turnout_ballots: int, turnout_weight: Decimal
) -> dict[str, Tally]:
    if not _is_int(turnout_ballots) or turnout_ballots < 0:
        raise _fail(f"turnout ballots: must be an integer of at least 0, got {turnout_ballots!r}")
    if not isinstance(turnout_weight, Decimal) or not turnout_weight.is_finite() or turnout_weight < 0:
        raise _fail(f"turnout weight: must be a decimal of at least 0, got {turnout_weight!r}")
    if Fraction(turnout_weight) > Fraction(election.roll_weight):
        raise _fail(
            f"roll_weight: {_fmt(election.roll_weight)} is less than the weight cast, {_fmt(turnout_weight)}"
        )
    ids = {c.id for c in election.candidates}
    unknown = sorted(set(tallies) - ids)
    if unknown:
        raise _fail(f"tallies: unknown candidate id {unknown[0]!r}")
    full = {}
    for c in election.candidates:
        # A candidate nobody marked is abstained on by every ballot.
        t = tallies.get(c.id) or Tally(abstain=turnout_weight, abstain_count=turnout_ballots)
        weights = (t.approve, t.oppose, t.abstain)
        counts = (t.approve_count, t.oppose_count, t.abstain_count)
        if not all(isinstance(x, Decimal) and x.is_finite() and x >= 0 for x in weights) or not all(
            _is_int(n) and n >= 0 for n in counts
        ):
            raise _fail(f"tallies[{c.id!r}]: sums must be decimals and counts integers, none negative")
        if sum(map(Fraction, weights)) != Fraction(turnout_weight) or sum(counts) != turnout_ballots:
            raise _fail(f"tallies[{c.id!r}]: approve + oppose + abstain does not equal the turnout")
        full[c.id] = t
    return full


def count_from_tallies(
    election: Election, tallies: dict[str, Tally], turnout_ballots: int, turnout_weight: Decimal
) -> CountResult:
    """Count from pre-aggregated tallies (e.g. sums computed in SQL); `election.ballots` is ignored.

    A candidate missing from `tallies` is counted as abstained on by every ballot.
    Each tally must add up to the turnout (unmarked counts as abstain).
    """
    if election.rule != "majority":
        raise _fail(f"rule {election.rule} needs the ballots, not tallies: use count()")
    tallies = _check_tallies(election, tallies, turnout_ballots, turnout_weight)
    basis_weight = Fraction(election.roll_weight if election.basis == "enrolled" else turnout_weight)
    threshold_weight = election.threshold * basis_weight
    w = election.public_weight
    support_total = sum(c.support for c in election.candidates)

    scores: dict[str, Fraction] = {}
    for c in election.candidates:
        a = Fraction(tallies[c.id].approve)
        if a > threshold_weight:
            if w == 0:
                scores[c.id] = a
            else:
                share = a / basis_weight if basis_weight else Fraction(0)
                support_share = Fraction(c.support, support_total) if support_total else Fraction(0)
                scores[c.id] = (1 - w) * share + w * support_share

    by_id = {c.id: c for c in election.candidates}
    use_support = election.tie_break_support and w == 0

    def rank_key(cid: str) -> tuple:
        return (scores[cid], by_id[cid].support) if use_support else (scores[cid],)

    groups: dict[tuple, list[str]] = {}
    for cid in scores:
        groups.setdefault(rank_key(cid), []).append(cid)

    status: dict[str, Status] = {c.id: Status.failed for c in election.candidates}
    for cid in scores:
        status[cid] = Status.not_elected
    seats_left = election.seats
    budget_left = election.budget  # None: no limit
    elected: list[str] = []
    tied: list[str] = []
    runoff_seats = 0
    for key in sorted(groups, reverse=True):
        if seats_left == 0:
            break
        members = sorted(groups[key])
        affordable = []
        for cid in members:
            if budget_left is not None and by_id[cid].cost > budget_left:
                status[cid] = Status.over_budget
            else:
                affordable.append(cid)
        cost = sum(by_id[cid].cost for cid in affordable)
        if len(affordable) <= seats_left and (budget_left is None or cost <= budget_left):
            for cid in affordable:
                status[cid] = Status.elected
            elected.extend(affordable)
            seats_left -= len(affordable)
            if budget_left is not None:
                budget_left -= cost
        else:
            for cid in affordable:
                status[cid] = Status.tied
            tied = affordable
            runoff_seats = seats_left
            break

    results = tuple(
        _candidate_result(c, tallies[c.id], c.id in scores, status[c.id], scores.get(c.id))
        for c in election.candidates
    )
    return CountResult(
        rule=election.rule,
        basis=election.basis,
        basis_weight=basis_weight,
        threshold_weight=threshold_weight,
        turnout_ballots=turnout_ballots,
        turnout_weight=turnout_weight,
        candidates=results,
        elected=tuple(elected),
        tied=tuple(tied),
        runoff_seats=runoff_seats,
        vacant_seats=0 if tied else seats_left,
        budget_used=sum(by_id[cid].cost for cid in elected),
        budget_left=budget_left,
    )


def _candidate_result(
    c: Candidate, t: Tally, passed: bool, status: Status, score: Fraction | None
) -> CandidateResult:
    return CandidateResult(
        id=c.id,
        title=c.title,
        cost=c.cost,
        support=c.support,
        approve=t.approve,
        oppose=t.oppose,
        abstain=t.abstain,
        approve_count=t.approve_count,
        oppose_count=t.oppose_count,
        abstain_count=t.abstain_count,
        passed=passed,
        status=status,
        score=score,
    )


def _count_equal_shares(
    election: Election, tallies: dict[str, Tally], turnout_ballots: int, turnout_weight: Decimal
) -> CountResult:
    try:
        from consult.voting.equal_shares import equal_shares
    except ImportError:
        raise CountingInputError("rule equal_shares is not available") from None
    costs = {c.id: c.cost for c in election.candidates}
    ballots = [
        (Fraction(b.weight), frozenset(cid for cid, ch in b.choices.items() if ch == "approve"))
        for b in election.ballots
    ]
    outcome = equal_shares(costs, ballots, election.budget, election.completion)
    elected = tuple(outcome.elected)
    basis_weight = Fraction(election.roll_weight if election.basis == "enrolled" else turnout_weight)
    results = tuple(
        _candidate_result(
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


# --------------------------------------------------------------------------- output


def _fmt(value: Fraction | Decimal | int) -> str:
    """An exact decimal as "2.5" (no trailing zeros, no exponent); otherwise "p/q"."""
    f = Fraction(value)
    den = f.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{f.numerator}/{f.denominator}"
    places = max(twos, fives)
    sign = "-" if f < 0 else ""
    scaled = abs(f.numerator) * 10**places // f.denominator  # exact: 10**places is a multiple of the denominator
    digits = str(scaled).rjust(places + 1, "0")
    whole, decimals = digits[: len(digits) - places], digits[len(digits) - places :].rstrip("0")
    return sign + whole + ("." + decimals if decimals else "")


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
                row[name] = _fmt(Fraction(d[name]))
            else:
                row[name] = str(d[name])
        rows.append(row)
    return {
        "completion": result.completion,
        "voter_budget": None if result.voter_budget is None else _fmt(result.voter_budget),
        "candidates": rows,
    }


def result_to_dict(result: CountResult) -> dict:
    """The published output format (numbers as strings, see the module docstring).

    Rule majority: exactly the contract's keys. Rule equal_shares: also "equal_shares"."""
    out = {
        "basis_weight": _fmt(result.basis_weight),
        "threshold_weight": _fmt(result.threshold_weight),
        "turnout": {"ballots": result.turnout_ballots, "weight": _fmt(result.turnout_weight)},
        "candidates": [
            {
                "id": c.id,
                "approve": _fmt(c.approve),
                "oppose": _fmt(c.oppose),
                "abstain": _fmt(c.abstain),
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
