"""Majority counting: pass the threshold, rank by score, seat group by group (the contract
in `consult.voting.counting`, steps 2-5). Standard library only."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from consult.voting.election import (
    CountingInputError,
    CountResult,
    Election,
    Status,
    Tally,
    candidate_result,
    exact_text,
    is_int,
)


def _check_tallies(
    election: Election, tallies: dict[str, Tally], turnout_ballots: int, turnout_weight: Decimal
) -> dict[str, Tally]:
    if not is_int(turnout_ballots) or turnout_ballots < 0:
        raise CountingInputError(f"turnout ballots: must be an integer of at least 0, got {turnout_ballots!r}")
    if not isinstance(turnout_weight, Decimal) or not turnout_weight.is_finite() or turnout_weight < 0:
        raise CountingInputError(f"turnout weight: must be a decimal of at least 0, got {turnout_weight!r}")
    if Fraction(turnout_weight) > Fraction(election.roll_weight):
        raise CountingInputError(
            f"roll_weight: {exact_text(election.roll_weight)} is less than the weight cast, {exact_text(turnout_weight)}"
        )
    ids = {c.id for c in election.candidates}
    unknown = sorted(set(tallies) - ids)
    if unknown:
        raise CountingInputError(f"tallies: unknown candidate id {unknown[0]!r}")
    full = {}
    for c in election.candidates:
        # A candidate nobody marked is abstained on by every ballot.
        t = tallies.get(c.id) or Tally(abstain=turnout_weight, abstain_count=turnout_ballots)
        weights = (t.approve, t.oppose, t.abstain)
        counts = (t.approve_count, t.oppose_count, t.abstain_count)
        if not all(isinstance(x, Decimal) and x.is_finite() and x >= 0 for x in weights) or not all(
            is_int(n) and n >= 0 for n in counts
        ):
            raise CountingInputError(f"tallies[{c.id!r}]: sums must be decimals and counts integers, none negative")
        if sum(map(Fraction, weights)) != Fraction(turnout_weight) or sum(counts) != turnout_ballots:
            raise CountingInputError(f"tallies[{c.id!r}]: approve + oppose + abstain does not equal the turnout")
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
        raise CountingInputError(f"rule {election.rule} needs the ballots, not tallies: use count()")
    tallies = _check_tallies(election, tallies, turnout_ballots, turnout_weight)
    basis_weight = Fraction(election.roll_weight if election.basis == "enrolled" else turnout_weight)
    threshold_weight = election.threshold * basis_weight
    scores = _scores(election, tallies, basis_weight, threshold_weight)
    seating = _Seating(election, scores)
    results = tuple(
        candidate_result(c, tallies[c.id], c.id in scores, seating.status[c.id], scores.get(c.id))
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
        elected=tuple(seating.elected),
        tied=tuple(seating.tied),
        runoff_seats=seating.runoff_seats,
        vacant_seats=0 if seating.tied else seating.seats_left,
        budget_used=sum(seating.by_id[cid].cost for cid in seating.elected),
        budget_left=seating.budget_left,
    )


def _scores(
    election: Election, tallies: dict[str, Tally], basis_weight: Fraction, threshold_weight: Fraction
) -> dict[str, Fraction]:
    """The ranking score of each passing candidate (contract steps 2 and 3)."""
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
    return scores


class _Seating:
    """Contract step 4: walk the groups of equal rank and fill the seats (and budget)."""

    def __init__(self, election: Election, scores: dict[str, Fraction]) -> None:
        self.by_id = {c.id: c for c in election.candidates}
        self.status: dict[str, Status] = {c.id: Status.failed for c in election.candidates}
        for cid in scores:
            self.status[cid] = Status.not_elected
        self.seats_left = election.seats
        self.budget_left = election.budget  # None: no limit
        self.elected: list[str] = []
        self.tied: list[str] = []
        self.runoff_seats = 0
        groups = _groups(election, scores, self.by_id)
        for key in sorted(groups, reverse=True):
            if self.seats_left == 0 or not self._seat(sorted(groups[key])):
                break

    def _seat(self, members: list[str]) -> bool:
        """Seat one group; False when it is a tie (the walk stops)."""
        affordable = []
        for cid in members:
            if self.budget_left is not None and self.by_id[cid].cost > self.budget_left:
                self.status[cid] = Status.over_budget
            else:
                affordable.append(cid)
        cost = sum(self.by_id[cid].cost for cid in affordable)
        if len(affordable) <= self.seats_left and (self.budget_left is None or cost <= self.budget_left):
            for cid in affordable:
                self.status[cid] = Status.elected
            self.elected.extend(affordable)
            self.seats_left -= len(affordable)
            if self.budget_left is not None:
                self.budget_left -= cost
            return True
        for cid in affordable:
            self.status[cid] = Status.tied
        self.tied = affordable
        self.runoff_seats = self.seats_left
        return False


def _groups(election: Election, scores: dict[str, Fraction], by_id: dict) -> dict[tuple, list[str]]:
    """Passing candidates grouped by rank: score, then support with `tie_break_support`."""
    use_support = election.tie_break_support and election.public_weight == 0
    groups: dict[tuple, list[str]] = {}
    for cid in scores:
        key = (scores[cid], by_id[cid].support) if use_support else (scores[cid],)
        groups.setdefault(key, []).append(cid)
    return groups
