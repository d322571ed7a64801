"""The Method of Equal Shares (MES) for approval ballots with cost utilities.

Pure standard-library Python with exact arithmetic (``int`` and
``fractions.Fraction``); no float is used anywhere.

The rule
--------
* Every ballot ``(weight, approved ids)`` gets a share of the budget proportional
  to its weight: ``budget * weight / total_weight``.  Empty ballots count in the
  total weight (they get a share they never spend), as in pabutools.
* Utilities are cost utilities (``Cost_Sat`` in pabutools): a voter's utility for
  an approved project is its cost.  For a project of cost ``C`` the rule finds
  the smallest ``rho`` such that its supporters can pay ``C`` when each pays
  ``min(own money, weight * rho * C)``.  ``rho`` is the price per unit of
  utility charged to the supporters who pay the most, so ``rho * C`` is the
  largest payment per unit of weight; ``rho >= 1 / supporter weight``, with
  equality when every supporter can pay an equal share.
* Projects are bought one at a time, each time the affordable one with the
  lowest ``rho``; ties go to the lowest candidate id (Python ``str`` order, which
  is what pabutools' default ``lexico_tie_breaking`` uses on project names).
  A project is affordable while its supporters' remaining money is ``>= C``.
  The run stops when no remaining project is affordable.
* Projects of cost 0 are never bought: under cost utilities their utility is 0,
  and pabutools (``method_of_equal_shares`` with ``Cost_Sat``) drops every
  project whose total satisfaction is 0.  Their reason code is ``"zero_cost"``.
* No ballots at all: nothing is bought (pabutools returns the empty outcome).
* ``completion="add_one"``: the iterated variant (pabutools
  ``voter_budget_increment=1``).  The per-unit-weight budget starts at
  ``budget / total_weight`` and is raised by 1 (one yuan per unit of weight; a
  ballot of weight w gets w more) per step.  After each run: if the outcome
  costs more than ``budget``, the previous step's outcome is returned; else if it
  is exhaustive (no supported project of positive cost outside it would still
  fit in ``budget``) it is returned; else the next step is run.
  Steps are skipped only where it is proved that the run would buy the same
  projects in the same order (see ``_Run``), so the result is exactly the one a
  step-by-step loop (such as pabutools') returns, in far fewer runs when the
  budget per voter is large (few voters, big budget: tens of thousands of
  one-yuan steps).

With integer weights the outcome equals that of
``pabutools.rules.method_of_equal_shares(instance, profile, sat_class=Cost_Sat)``
(``voter_budget_increment=1`` for add_one) on the same instance with each
weight taken as that many identical ballots; ``tests/unit/test_equal_shares.py``
checks this.

Efficiency: ballots with the same approval set are grouped; groups with the same
money left form a "class", and a project's affordability is computed from the
classes holding its supporters, never voter by voter.  Money is kept as
integers over one common denominator per run.  A project's rho only rises
during a run, so (as pabutools does) a project whose last rho is already worse
than the best fresh one is not recomputed.

Result details (``EqualSharesResult.details[cid]``)
---------------------------------------------------
Every candidate has ``"cost"``, ``"supporters"`` (int: number of input ballots
approving it), ``"supporter_weight"`` (Fraction: their total weight) and
``"elected"`` (bool).  Elected candidates also have

* ``"round"``: purchase index, 1 for the first project bought;
* ``"rho"``: Fraction, the price per unit of utility paid by the most-paying
  supporters (pabutools' "affordability");
* ``"max_payment"``: Fraction, ``rho * cost``: the payment per unit of weight of
  a supporter who could pay in full (a supporter of weight w paid at most
  ``w * max_payment``);
* ``"payers"``: int, the number of INPUT BALLOTS (entries of ``ballots``, i.e.
  representatives, whatever their weight) approving it that paid a positive
  amount -- a supporter whose money was already exhausted pays 0 and is not
  counted;
* ``"payers_weight"``: Fraction, the total weight of those ballots (with integer
  weights: the number of pabutools ballots that paid);
* ``"paid"``: Fraction, what they paid in total (always equal to the cost).

Non-elected candidates also have ``"reason"``, the first that applies of:

* ``"no_supporters"``: no ballot approves it;
* ``"zero_cost"``: it costs 0 (zero utility under cost utilities; never bought);
* ``"cost_exceeds_budget"``: its cost is more than the whole budget;
* ``"supporters_cannot_afford"``: at the end of the (returned) run its
  supporters' remaining money was less than its cost;

and ``"available"`` (Fraction): its supporters' remaining money at the end of
the returned run (0 for the first two reasons).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import ceil, floor, gcd, lcm

__all__ = [
    "COMPLETIONS",
    "EqualSharesResult",
    "REASONS",
    "equal_shares",
]

ADD_ONE = "add_one"
COMPLETIONS = (None, ADD_ONE)

NO_SUPPORTERS = "no_supporters"
ZERO_COST = "zero_cost"
COST_EXCEEDS_BUDGET = "cost_exceeds_budget"
SUPPORTERS_CANNOT_AFFORD = "supporters_cannot_afford"
REASONS = (NO_SUPPORTERS, ZERO_COST, COST_EXCEEDS_BUDGET, SUPPORTERS_CANNOT_AFFORD)

_ZERO = Fraction(0)


@dataclass
class EqualSharesResult:
    """Outcome of :func:`equal_shares`.

    ``elected``: candidate ids in purchase order.
    ``details``: per candidate id (every id of ``costs``), see the module docstring.
    ``budget_used``: total cost of the elected candidates (``<= budget``).
    ``voter_budget``: budget per unit of weight of the returned run:
        ``budget / total_weight`` plus the add_one steps kept (``steps``);
        0 when there are no ballots.
    ``iterations``: number of MES runs a step-by-step add_one loop makes
        (pabutools' count): ``steps + 1`` when it stopped on an exhaustive
        outcome, ``steps + 2`` when the next step overspent; 1 without
        completion; 0 with no ballots.
    ``completion``: as given.
    ``runs``: number of MES runs this implementation actually computed.
    ``steps``: add_one steps in the returned run (0 without completion).
    """

    elected: list[str]
    details: dict[str, dict]
    budget_used: int
    voter_budget: Fraction
    iterations: int
    completion: str | None = None
    runs: int = 0
    steps: int = 0


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


class _Instance:
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
        self.total_scaled = sum(w for w, _ in grouped.values())

        self.supporters: dict[str, int] = {cid: 0 for cid in self.costs}
        scaled_support: dict[str, int] = {cid: 0 for cid in self.costs}
        for approved, (w, n) in grouped.items():
            for cid in approved:
                self.supporters[cid] += n
                scaled_support[cid] += w
        self.supporter_weight: dict[str, Fraction] = {
            cid: Fraction(w, scale) for cid, w in scaled_support.items()
        }

        # candidates MES can buy: positive cost and at least one supporter
        self.active = sorted(
            cid for cid, cost in self.costs.items() if cost > 0 and self.supporters[cid] > 0
        )
        active = set(self.active)
        # groups restricted to active candidates; groups approving none are irrelevant
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
        # the groups hold every supporter of an active candidate
        self.init_weight: dict[str, int] = {cid: scaled_support[cid] for cid in self.active}
        self.init_count: dict[str, int] = {cid: self.supporters[cid] for cid in self.active}
        # rho is never below 1 / supporter weight (everybody paying an equal share)
        self.rho_floor: dict[str, Fraction] = {
            cid: 1 / self.supporter_weight[cid] for cid in self.active
        }

    def base_budget(self) -> Fraction:
        """Budget per unit of (original) weight before any add_one step."""
        return Fraction(self.budget * self.scale, self.total_scaled)


# -- bounds on the number of add_one steps -------------------------------------
# A bound is an int D >= 0 (holds for steps 0..D), None (for every step) or -1
# (fails at step 0).


def _ibound(val: int, slope: int, strict: bool) -> int | None:
    """Bound for ``val + slope * d > 0`` (strict) or ``>= 0``, integers."""
    if val < 0 or (strict and val == 0):
        return -1
    if slope >= 0:
        return None
    s = -slope
    return (val - 1) // s if strict else val // s


def _fbound(val: Fraction, slope: Fraction, strict: bool) -> int | None:
    """Same as _ibound for Fractions."""
    if val < 0 or (strict and val == 0):
        return -1
    if slope >= 0:
        return None
    q = val / -slope
    return ceil(q) - 1 if strict else floor(q)


def _max_bound(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else max(a, b)


def _min_bound(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


class _Class:
    """Groups of ballots with the same money per scaled unit of weight:
    ``(m + t * d) / D`` at add_one step ``k + d`` (``key = (m, t)``, D the run's
    common denominator).  ``weight[c]`` / ``count[c]``: scaled weight / number of
    input ballots in the class that approve candidate c."""

    __slots__ = ("key", "groups", "weight", "count")

    def __init__(self, key: tuple[int, int]):
        self.key = key
        self.groups: list[int] = []
        self.weight: dict[str, int] = {}
        self.count: dict[str, int] = {}


class _Run:
    """One MES run at add_one step ``k`` (budget per unit of weight
    ``base + k``; plain MES is step 0).

    With ``track`` (add_one), it also computes ``dmax``: a number of further
    steps such that the run buys the same projects in the same order at every
    step ``k + d`` for d in ``[0, dmax]`` (None: unbounded).  Every class's
    money is kept as an affine function of d, exact as long as the winners and
    their poor/rich partitions stay the same; for d in the range:

    * each winner stays affordable with the same partition (supporters with
      money < the full payment pay all they have), so its rho and the payments
      are the affine functions computed here;
    * no other candidate beats the winner (lower rho, or equal rho and lower
      id).  Its rho at step d is at least ``1 / supporter weight``, and, if it
      was affordable at d = 0, at least the affine function that its poor/rich
      partition at d = 0 gives, whatever the partition at d: with P the poor
      and R the rich classes at d = 0, ``F_d(pi) = sum w * min(money_d, pi)
      <= sum_P w * money_d + W_R * pi``, so ``F_d(pi) < cost`` for every pi
      below ``(cost - sum_P w * money_d) / W_R``.  (All money slopes are >= 0,
      so the affine money stays >= 0.)  No constraint on that partition is
      needed;
    * a candidate found unaffordable ("ghost") either stays unaffordable, or
      never beats any later winner and is unaffordable at the end.
    """

    def __init__(self, inst: _Instance, k: int, track: bool):
        self.inst = inst
        self.track = track
        self.dmax: int | None = None
        self.elected: list[str] = []
        self.bought: dict[str, dict] = {}
        # ghost cid -> [bound "unaffordable since removal", bound "never beats a winner"]
        self.ghosts: dict[str, list] = {}
        w_total, scale = inst.total_scaled, inst.scale
        # money per scaled unit of weight: (B * scale + (k + d) * W) / (W * scale)
        m0 = inst.budget * scale + k * w_total
        t0 = w_total if track else 0
        den = w_total * scale
        g = gcd(den, m0, t0)
        self.D = den // g
        self._execute((m0 // g, t0 // g))

    # -- bookkeeping for add_one ----------------------------------------------

    def _limit(self, d: int | None) -> None:
        if d is None:
            return
        if d < 0:  # pragma: no cover - would be a bug in the bookkeeping
            raise AssertionError("equal_shares: a recorded comparison does not hold")
        if self.dmax is None or d < self.dmax:
            self.dmax = d
            if d == 0:
                self.track = False  # nothing more to learn: the next step is run anyway

    # -- the run ----------------------------------------------------------------

    def _execute(self, key0: tuple[int, int]) -> None:
        inst = self.inst
        first = _Class(key0)
        first.groups = list(range(len(inst.group_cands)))
        first.weight = dict(inst.init_weight)
        first.count = dict(inst.init_count)
        self.classes: dict[tuple[int, int], _Class] = {key0: first}
        self.where: dict[str, set[_Class]] = {cid: {first} for cid in inst.active}

        remaining = list(inst.active)  # sorted by id
        # cid -> (rho, rho_slope): exact for the candidates not in `dirty`;
        # for those in it, rho is a lower bound (money only goes down during a
        # run, so rho only goes up)
        cache: dict[str, tuple] = {}
        dirty = set(remaining)
        rnd = 0
        while remaining:
            best = self._select(remaining, cache, dirty)
            if best is None:
                break
            # fresh figures at the current denominator, constraints if tracking
            rho, rho_s, rem, rem_s, wsum = self._affordability(best, inst.costs[best], self.track)
            if self.track:
                self._constrain_round(best, rho, rho_s, remaining, cache, dirty)
            rnd += 1
            cache.pop(best)
            remaining.remove(best)
            self._buy(best, rnd, rho, rem, rem_s, wsum, dirty)
        if self.track:
            for cid, (unaffordable, never_wins) in self.ghosts.items():
                avail, avail_s = self._available(cid)
                at_end = _ibound(inst.costs[cid] * self.D - avail, -avail_s, strict=True)
                self._limit(_max_bound(unaffordable, _min_bound(never_wins, at_end)))
                if not self.track:
                    break

    def _evaluate(self, cid: str, cache: dict, dirty: set, remaining: list[str]) -> bool:
        """Recompute cid; False (and cid dropped for the rest of the run) if unaffordable."""
        dirty.discard(cid)
        got = self._affordability(cid, self.inst.costs[cid])
        if len(got) == 5:
            cache[cid] = got[:2]
            return True
        cache.pop(cid, None)
        remaining.remove(cid)
        if self.track:
            deficit, deficit_s = got
            self.ghosts[cid] = [_ibound(deficit, deficit_s, strict=True), None]
        return False

    def _select(self, remaining: list[str], cache: dict, dirty: set) -> str | None:
        """The affordable candidate of lowest (rho, id), recomputing changed
        candidates only while they could still win."""
        order = sorted(remaining, key=lambda c: (cache[c][0], c) if c in cache else (_ZERO, c))
        best = None
        best_key = None
        for cid in order:
            if best is not None and cid in cache and (cache[cid][0], cid) > best_key:
                break  # this one and all later ones cannot win
            if cid in dirty and not self._evaluate(cid, cache, dirty, remaining):
                continue
            key = (cache[cid][0], cid)
            if best is None or key < best_key:
                best, best_key = cid, key
        return best

    def _constrain_round(
        self, best: str, rho: Fraction, rho_s: Fraction, remaining: list[str], cache: dict, dirty: set
    ) -> None:
        """Record that no other candidate beats ``best`` (see the class docstring)."""
        floor_ = self.inst.rho_floor
        for cid in list(remaining):
            if not self.track:
                return
            if cid == best:
                continue
            strict = cid < best  # a lower id wins a tie
            d = _fbound(floor_[cid] - rho, -rho_s, strict)
            if d is None or (self.dmax is not None and d >= self.dmax):
                continue
            if cid in dirty and not self._evaluate(cid, cache, dirty, remaining):
                continue  # now a ghost: handled below
            r, r_s = cache[cid]
            self._limit(_max_bound(d, _fbound(r - rho, r_s - rho_s, strict)))
        for cid, ghost in self.ghosts.items():
            ghost[1] = _min_bound(ghost[1], _fbound(floor_[cid] - rho, -rho_s, cid < best))

    def _affordability(self, cid: str, cost: int, constrain: bool = False) -> tuple:
        """Affordable: (rho, rho_slope, rem, rem_slope, wsum); else (deficit, deficit_slope).

        The full payment per scaled unit of weight is ``pi = rem / (wsum * D)``
        (slope ``rem_slope / (wsum * D)``), paid by the "rich" supporters (money
        >= pi, total scaled weight wsum); the "poor" ones pay all they have.
        ``rho = pi * scale / cost`` (pabutools' affordability); rho_slope (only
        when tracking) is its slope for this partition.  With ``constrain``,
        records that the candidate stays affordable with the same partition.
        """
        D = self.D
        entries = []
        avail = 0
        avail_s = 0
        for cl in self.where[cid]:
            w = cl.weight[cid]
            m, t = cl.key
            entries.append((m, t, w))
            avail += m * w
            avail_s += t * w
        need = cost * D
        if avail < need:
            return (need - avail, -avail_s)
        track = self.track
        if constrain and track:
            self._limit(_ibound(avail - need, avail_s, strict=False))
        # poor/rich iteration: the poor set only grows and pi only rises
        rich = entries
        poor = []
        rem = need
        rem_s = 0
        wsum = sum(w for _, _, w in entries)
        while True:
            keep = []
            rem0, wsum0 = rem, wsum
            for e in rich:
                if e[0] * wsum0 < rem0:  # money < pi
                    poor.append(e)
                    m, t, w = e
                    rem -= m * w
                    rem_s -= t * w
                    wsum -= w
                else:
                    keep.append(e)
            if len(keep) == len(rich):
                break
            rich = keep
        scale = self.inst.scale
        den = wsum * D * cost
        rho = Fraction(rem * scale, den)
        if not track:
            return (rho, None, rem, rem_s, wsum)
        if constrain:
            limit = self._limit
            for m, t, _ in poor:  # pays all its money: needs money <= pi
                limit(_ibound(rem - m * wsum, rem_s - t * wsum, strict=False))
            for m, t, _ in rich:  # pays pi: needs money >= pi
                limit(_ibound(m * wsum - rem, t * wsum - rem_s, strict=False))
        return (rho, Fraction(rem_s * scale, den), rem, rem_s, wsum)

    def _buy(self, cid: str, rnd: int, rho: Fraction, rem: int, rem_s: int, wsum: int, dirty: set) -> None:
        """Charge cid's supporters: pi = rem / (wsum * D) per scaled unit of weight."""
        inst = self.inst
        group_cands, group_weight, group_count = inst.group_cands, inst.group_weight, inst.group_count
        where = self.where
        # new common denominator D * wsum: pi becomes rem / D'
        D = paid_den = self.D * wsum
        classes = {}
        for cl in self.classes.values():
            m, t = cl.key
            cl.key = (m * wsum, t * wsum)
            classes[cl.key] = cl
        payers = 0
        payers_weight = 0
        paid = 0
        # Decide every class's new key first, then move: a target key may be
        # another class supporting cid, whose groups must be charged only once.
        moves = []
        for cl in where[cid]:
            m, t = key = cl.key
            w_here = cl.weight[cid]
            if m > 0:
                payers += cl.count[cid]
                payers_weight += w_here
            if m < rem:  # poor: pays all it has
                paid += m * w_here
                new_key = (0, 0)
            else:  # rich: pays pi
                paid += rem * w_here
                new_key = (m - rem, t - rem_s)
            if new_key != key:  # else nothing to pay (already broke)
                moves.append((cl, new_key, [g for g in cl.groups if cid in group_cands[g]]))
        for cl, new_key, movers in moves:
            target = classes.get(new_key)
            if target is None:
                target = classes[new_key] = _Class(new_key)
            tw, tc = target.weight, target.count
            cw, cc = cl.weight, cl.count
            for g in movers:
                target.groups.append(g)
                w, n = group_weight[g], group_count[g]
                cands = group_cands[g]
                for c in cands:
                    left = cw[c] - w
                    if left:
                        cw[c] = left
                        cc[c] -= n
                    else:
                        del cw[c]
                        del cc[c]
                        where[c].discard(cl)
                    if c in tw:
                        tw[c] += w
                        tc[c] += n
                    else:
                        tw[c] = w
                        tc[c] = n
                        where[c].add(target)
                dirty.update(cands)
            moved = set(movers)
            cl.groups = [g for g in cl.groups if g not in moved]
            if not cl.groups:
                del classes[cl.key]
        # keep the numbers small: divide out the common factor
        g = D
        for m, t in classes:
            g = gcd(g, m, t)
            if g == 1:
                break
        if g > 1:
            D //= g
            reduced = {}
            for cl in classes.values():
                m, t = cl.key
                cl.key = (m // g, t // g)
                reduced[cl.key] = cl
            classes = reduced
        self.classes = classes
        self.D = D
        self.elected.append(cid)
        self.bought[cid] = {
            "round": rnd,
            "rho": rho,
            "max_payment": rho * inst.costs[cid],
            "payers": payers,
            "payers_weight": Fraction(payers_weight, inst.scale),
            "paid": Fraction(paid, paid_den),
        }

    def _available(self, cid: str) -> tuple[int, int]:
        """Money of cid's supporters, and its slope, over D."""
        avail = avail_s = 0
        for cl in self.where[cid]:
            w = cl.weight[cid]
            m, t = cl.key
            avail += m * w
            avail_s += t * w
        return avail, avail_s

    def available(self, cid: str) -> Fraction:
        """Remaining money of cid's supporters at the end of the run."""
        return Fraction(self._available(cid)[0], self.D)


def _is_exhaustive(inst: _Instance, elected: list[str]) -> bool:
    """pabutools' Instance.is_exhaustive over the projects MES considers."""
    used = sum(inst.costs[c] for c in elected)
    chosen = set(elected)
    return all(cid in chosen or inst.costs[cid] + used > inst.budget for cid in inst.active)


def _result(inst: _Instance, run: _Run | None, completion, voter_budget, iterations, runs, steps):
    bought = run.bought if run is not None else {}
    details: dict[str, dict] = {}
    for cid in sorted(inst.costs):
        cost = inst.costs[cid]
        d = {
            "cost": cost,
            "supporters": inst.supporters[cid],
            "supporter_weight": inst.supporter_weight[cid],
            "elected": cid in bought,
        }
        if cid in bought:
            d.update(bought[cid])
        elif inst.supporters[cid] == 0:
            d["reason"] = NO_SUPPORTERS
            d["available"] = _ZERO
        elif cost == 0:
            d["reason"] = ZERO_COST
            d["available"] = _ZERO
        else:
            d["reason"] = COST_EXCEEDS_BUDGET if cost > inst.budget else SUPPORTERS_CANNOT_AFFORD
            d["available"] = run.available(cid) if run is not None else _ZERO
        details[cid] = d
    elected = list(run.elected) if run is not None else []
    return EqualSharesResult(
        elected=elected,
        details=details,
        budget_used=sum(inst.costs[c] for c in elected),
        voter_budget=voter_budget,
        iterations=iterations,
        completion=completion,
        runs=runs,
        steps=steps,
    )


def equal_shares(
    costs: dict[str, int],
    ballots: list[tuple[Fraction, frozenset[str]]],
    budget: int,
    completion: str | None = None,
) -> EqualSharesResult:
    """Method of Equal Shares with approval ballots and cost utilities.

    ``costs``: candidate id -> cost (int yuan, >= 0).
    ``ballots``: (weight, approved candidate ids); weight > 0 (int, Fraction or
    Decimal; float is refused); ids must be keys of ``costs``.
    ``budget``: budget limit (int yuan, >= 0).
    ``completion``: None (plain MES) or ``"add_one"`` (iterated variant, see the
    module docstring).
    Raises TypeError / ValueError on invalid input.
    """
    if completion not in COMPLETIONS:
        raise ValueError(f"completion must be one of {COMPLETIONS!r}, not {completion!r}")
    inst = _Instance(costs, ballots, budget)
    if inst.total_scaled == 0:  # no ballots: nothing is bought (as pabutools)
        return _result(inst, None, completion, _ZERO, 0, 0, 0)
    base = inst.base_budget()
    if completion is None:
        return _result(inst, _Run(inst, 0, track=False), completion, base, 1, 1, 0)

    k = 0
    runs = 0
    previous: _Run | None = None
    previous_k = -1
    while True:
        run = _Run(inst, k, track=True)
        runs += 1
        if sum(inst.costs[c] for c in run.elected) > inst.budget:
            if k == 0:  # pragma: no cover - plain MES never overspends; pabutools would return []
                return _result(inst, None, completion, base, 1, runs, 0)
            # keep step k - 1, computed afresh for its exact details
            kept = _Run(inst, k - 1, track=False)
            runs += 1
            if previous is not None and kept.elected != previous.elected:  # pragma: no cover - self-check
                raise AssertionError("equal_shares: skipped add_one steps changed the outcome")
            return _result(inst, kept, completion, base + (k - 1), k + 1, runs, k - 1)
        if _is_exhaustive(inst, run.elected):
            if previous is not None and previous_k < k - 1:
                # self-check of the skipping at its boundary: step k - 1 was skipped
                check = _Run(inst, k - 1, track=False)
                runs += 1
                if check.elected != previous.elected:  # pragma: no cover
                    raise AssertionError("equal_shares: skipped add_one steps changed the outcome")
            return _result(inst, run, completion, base + k, k + 1, runs, k)
        if run.dmax is None:  # pragma: no cover - more money always ends in one of the above
            raise AssertionError("equal_shares: add_one would never stop")
        previous, previous_k = run, k
        k += run.dmax + 1
