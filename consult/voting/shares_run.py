"""One run of the Method of Equal Shares at an add_one step, and the bookkeeping that lets
the iterated variant skip steps (see `consult.voting.equal_shares`). Standard library only."""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor, gcd

from consult.voting.shares_instance import Instance

_ZERO = Fraction(0)


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


class Run:
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

    def __init__(self, inst: Instance, k: int, track: bool):
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
        group_cands = inst.group_cands
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
            self._move(classes, cl, new_key, movers, dirty)
        classes, D = _reduced(classes, D)
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

    def _move(self, classes: dict, cl: _Class, new_key: tuple[int, int], movers: list[int], dirty: set) -> None:
        """Move the groups ``movers`` of class ``cl`` to the class of ``new_key``."""
        inst, where = self.inst, self.where
        group_cands, group_weight, group_count = inst.group_cands, inst.group_weight, inst.group_count
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


def _reduced(classes: dict, D: int) -> tuple[dict, int]:
    """Keep the numbers small: divide out the common factor of the keys and D."""
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
    return classes, D
