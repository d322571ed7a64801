"""Equal shares' input, checked and prepared: ballots grouped by approval set, weights
scaled to integers (see `consult.voting.equal_shares`). Standard library only."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from fractions import Fraction
from math import lcm


def _as_fraction(value, what: str) -> Fraction:
    if isinstance(value, (bool, float)) or not isinstance(value, (int, Fraction, Decimal)):
        raise TypeError(f"{what} must be an int, Fraction or Decimal, not {type(value).__name__}")
    return Fraction(value)


def _as_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative")
    return value


def _explain_bad_ballot(ballots) -> None:
    """Raise a TypeError naming the first malformed ballot."""
    for i, item in enumerate(ballots):
        try:
            weight, approved = item
        except (TypeError, ValueError):
            raise TypeError(f"ballot {i} must be a (weight, approved ids) pair") from None
        _as_fraction(weight, f"weight of ballot {i}")
        try:
            frozenset(approved)
        except TypeError:
            raise TypeError(f"ballot {i}: approved ids must be an iterable of str") from None


class Instance:
    """Validated input: ballots grouped by approval set, weights scaled to integers."""

    def __init__(self, costs, ballots, budget):
        if not isinstance(costs, dict):
            raise TypeError("costs must be a dict of candidate id -> int cost")
        self.costs: dict[str, int] = {}
        for cid, cost in costs.items():
            if not isinstance(cid, str):
                raise TypeError(f"candidate id {cid!r} must be a str")
            self.costs[cid] = _as_int(cost, f"cost of {cid!r}")
        self.budget = _as_int(budget, "budget")
        grouped = self._grouped(ballots)
        self.total_scaled = sum(w for w, _ in grouped.values())
        scaled_support = self._count_supporters(grouped)
        # candidates MES can buy: positive cost and at least one supporter
        self.active = sorted(
            cid for cid, cost in self.costs.items() if cost > 0 and self.supporters[cid] > 0
        )
        self._group_active(grouped)
        # the groups hold every supporter of an active candidate
        self.init_weight: dict[str, int] = {cid: scaled_support[cid] for cid in self.active}
        self.init_count: dict[str, int] = {cid: self.supporters[cid] for cid in self.active}
        # rho is never below 1 / supporter weight (everybody paying an equal share)
        self.rho_floor: dict[str, Fraction] = {
            cid: 1 / self.supporter_weight[cid] for cid in self.active
        }

    def _grouped(self, ballots) -> dict[frozenset[str], list[int]]:
        """Approval set -> [scaled weight, number of ballots]; sets ``scale``."""
        # exact weights; scale = lcm of their denominators makes them all integers
        try:
            pairs = [
                (
                    w if type(w) is Fraction else _as_fraction(w, "weight"),
                    a if type(a) is frozenset else frozenset(a),
                )
                for w, a in ballots
            ]
        except (TypeError, ValueError):
            _explain_bad_ballot(ballots)
            raise
        for i, (weight, _) in enumerate(pairs):
            if weight.numerator <= 0:
                raise ValueError(f"weight of ballot {i} must be positive")
        self.scale = lcm(*{w.denominator for w, _ in pairs}) if pairs else 1
        scale = self.scale

        # group identical approval sets: approval set -> [scaled weight, number of ballots]
        counts = Counter(a for _, a in pairs)
        sums: dict[frozenset[str], int] = dict.fromkeys(counts, 0)
        if scale == 1:
            for weight, approved in pairs:
                sums[approved] += weight.numerator
        else:
            for weight, approved in pairs:
                sums[approved] += weight.numerator * (scale // weight.denominator)
        grouped = {approved: [sums[approved], n] for approved, n in counts.items()}
        known = frozenset(self.costs)
        for approved in grouped:
            if not approved <= known:
                raise ValueError(f"a ballot approves unknown candidate(s) {sorted(approved - known)!r}")
        return grouped

    def _count_supporters(self, grouped: dict[frozenset[str], list[int]]) -> dict[str, int]:
        """Sets ``supporters`` and ``supporter_weight``; returns the scaled support."""
        self.supporters: dict[str, int] = {cid: 0 for cid in self.costs}
        scaled_support: dict[str, int] = {cid: 0 for cid in self.costs}
        for approved, (w, n) in grouped.items():
            for cid in approved:
                self.supporters[cid] += n
                scaled_support[cid] += w
        self.supporter_weight: dict[str, Fraction] = {
            cid: Fraction(w, self.scale) for cid, w in scaled_support.items()
        }
        return scaled_support

    def _group_active(self, grouped: dict[frozenset[str], list[int]]) -> None:
        """The groups restricted to active candidates; groups approving none are irrelevant."""
        active = set(self.active)
        if len(active) == len(self.costs):
            merged = {approved: slot for approved, slot in grouped.items() if approved}
        else:
            merged = {}
            for approved, (w, n) in grouped.items():
                key = approved & active
                if not key:
                    continue
                slot = merged.get(key)
                if slot is None:
                    merged[key] = [w, n]
                else:
                    slot[0] += w
                    slot[1] += n
        self.group_cands: list[tuple[str, ...]] = []
        self.group_weight: list[int] = []  # scaled: integers
        self.group_count: list[int] = []
        for approved, (w, n) in merged.items():
            self.group_cands.append(tuple(sorted(approved)))
            self.group_weight.append(w)
            self.group_count.append(n)

    def base_budget(self) -> Fraction:
        """Budget per unit of (original) weight before any add_one step."""
        return Fraction(self.budget * self.scale, self.total_scaled)
