"""The election's data as counting reads it: the model, its checks, and the open-data input format.

Standard library only. Constructing an `Election` validates it; `parse_election` reads
the input format of `consult recount` (see `consult.voting.counting` for the contract).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from consult.numbers import has_cents_only, to_cents

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


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ballot_name(index: int, receipt: object) -> str:
    return f"ballots[{index}] (receipt {receipt!r})"


def _weight_problem(weight: object) -> str | None:
    """Why `weight` is not a valid ballot weight, or None when it is."""
    if not isinstance(weight, Decimal) or not weight.is_finite():
        return "must be a decimal number"
    if weight <= 0:
        return f"must be positive, got {exact_text(weight)}"
    if not has_cents_only(weight):
        return f"has more than 2 decimals: {weight}"
    return None



def from_cents(cents: int) -> Decimal:
    return Decimal(f"{cents}E-2")  # built from a string: exact, no context rounding


def _check_election(e: Election) -> None:
    if e.rule not in RULES:
        raise _fail(f"rule: must be one of {', '.join(RULES)}, got {e.rule!r}")
    if not is_int(e.seats) or e.seats < 1:
        raise _fail(f"seats: must be an integer of at least 1, got {e.seats!r}")
    if e.budget is not None and (not is_int(e.budget) or e.budget < 0):
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
    if not has_cents_only(e.roll_weight):
        raise _fail(f"roll_weight: has more than 2 decimals: {e.roll_weight}")
    if not isinstance(e.tie_break_support, bool):
        raise _fail("tie_break_support: must be true or false")
    if e.completion not in COMPLETIONS:
        raise _fail(f"completion: must be null or \"add_one\", got {e.completion!r}")
    if e.completion is not None and e.rule != "equal_shares":
        raise _fail("completion: only rule equal_shares has a completion")
    if not isinstance(e.candidates, tuple) or not isinstance(e.ballots, tuple):
        raise _fail("candidates and ballots must be tuples")
    _check_ballots(e, _check_candidates(e))


def _check_candidates(e: Election) -> frozenset[str]:
    """The candidates' ids, each checked."""
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
        if not is_int(c.cost) or c.cost < 0:
            raise _fail(f"{where}.cost: must be an integer of at least 0, got {c.cost!r}")
        if not is_int(c.support) or c.support < 0:
            raise _fail(f"{where}.support: must be an integer of at least 0, got {c.support!r}")
    return frozenset(ids)


def _check_ballots(e: Election, known: frozenset[str]) -> None:
    # Per ballot only a few C-level set operations run; slow paths build the message.
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
            cents = good_weights[w] = to_cents(w)
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
    if total_cents > to_cents(e.roll_weight):
        raise _fail(f"roll_weight: {exact_text(e.roll_weight)} is less than the weight cast, {exact_text(from_cents(total_cents))}")


# --------------------------------------------------------------------------- parsing

_DECIMAL_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_FRACTION_RE = re.compile(r"^[+-]?\d+/\d+$")
_TOP_FIELDS = ("rule", "seats", "budget", "basis", "threshold", "public_weight", "roll_weight", "candidates", "ballots")


def _decimal(value: object, where: str) -> Decimal:
    """A JSON decimal string (or an int, or a Decimal from `parse_float=Decimal`) as a Decimal."""
    if isinstance(value, Decimal):
        result = value
    elif is_int(value):
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
    if is_int(value):
        return Fraction(value)
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    raise _fail(f"{where}: must be a fraction string such as \"1/2\", got {value!r}")


def _int(value: object, where: str, *, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if not is_int(value):
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
    return Election(
        rule=rule,
        seats=seats,
        budget=budget,
        basis=basis,
        threshold=threshold,
        public_weight=public_weight,
        roll_weight=roll_weight,
        candidates=_parse_candidates(data["candidates"]),
        ballots=_parse_ballots(data["ballots"]),
        tie_break_support=tie_break,
        completion=completion,
    )


def _parse_candidates(raw_candidates: object) -> tuple[Candidate, ...]:
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
    return tuple(candidates)


def _parse_ballots(raw_ballots: object) -> tuple[Ballot, ...]:
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
    return tuple(ballots)



def candidate_result(
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

def exact_text(value: Fraction | Decimal | int) -> str:
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
