"""Benchmark: consult.voting.equal_shares against pabutools' method_of_equal_shares.

A seeded random instance: 50 candidates, 20,000 ballots with weights 1-5, each
ballot approving 1-8 candidates drawn with a popularity skew (Zipf-like), so
many ballots are identical.  pabutools gets every weight as that many identical
ballots in an ApprovalProfile (the equivalence the spec states).  The outcomes
must be equal; prints both times and the ratio.  Exit status 1 on a mismatch.

Then add_one (pabutools: voter_budget_increment=1).  pabutools' iterated MES
reruns the whole rule once per one-yuan step; when that is estimated to take
more than --max-pabutools seconds (iterations x the time of one plain run) it is
not run: instead pabutools' plain MES is run at the per-voter budget our add_one
kept, and at the next step, to check our outcome there and the stopping rule.

    python bench/bench_equal_shares.py [--seed N] [--no-add-one]
        [--max-pabutools SECONDS] [--multiprofile]

--multiprofile also times pabutools on an ApprovalMultiProfile (pabutools' own
grouping of identical ballots), for information.

Needs pabutools==1.2.3 (a test dependency).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gmpy2 import mpq  # noqa: E402  (installed with pabutools)
from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalMultiProfile,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.rules import method_of_equal_shares  # noqa: E402
from pabutools.rules.budgetallocation import BudgetAllocation  # noqa: E402
from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme  # noqa: E402
from pabutools.tiebreaking import lexico_tie_breaking  # noqa: E402

from consult.voting.equal_shares import equal_shares  # noqa: E402

N_CANDIDATES = 50
N_BALLOTS = 20_000


def build_instance(seed: int):
    rng = random.Random(seed)
    ids = [f"p{i:02d}" for i in range(N_CANDIDATES)]
    costs = {cid: 10_000 * rng.randint(5, 200) for cid in ids}  # 50,000 - 2,000,000 yuan
    order = ids[:]
    rng.shuffle(order)
    popularity = [1 / (rank + 1) ** 1.2 for rank in range(N_CANDIDATES)]
    ballots = []
    for _ in range(N_BALLOTS):
        k = rng.choices(range(1, 9), weights=[30, 25, 16, 10, 7, 5, 4, 3])[0]
        chosen: set[str] = set()
        while len(chosen) < k:
            chosen.add(rng.choices(order, weights=popularity)[0])
        ballots.append((Fraction(rng.randint(1, 5)), frozenset(chosen)))
    budget = sum(costs.values()) // 3
    return costs, ballots, budget


def pabutools_instance(costs, ballots, budget, multi: bool = False):
    projects = {cid: Project(cid, cost) for cid, cost in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalMultiProfile(instance=instance) if multi else ApprovalProfile(instance=instance)
    for weight, approved in ballots:
        members = [projects[c] for c in sorted(approved)]
        for _ in range(int(weight)):
            ballot = ApprovalBallot(members)
            profile.append(ballot.frozen() if multi else ballot)
    return instance, profile


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def pabutools_at(instance, profile, per_voter_budget: Fraction) -> list[str]:
    """pabutools' plain MES with a given initial budget per (unit) ballot."""
    out = method_of_equal_shares_scheme(
        instance,
        profile,
        profile.as_sat_profile(Cost_Sat),
        mpq(per_voter_budget.numerator, per_voter_budget.denominator),
        BudgetAllocation(),
        lexico_tie_breaking,
        binary_sat=True,
    )
    return [p.name for p in out]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240607)
    parser.add_argument("--no-add-one", action="store_true")
    parser.add_argument("--max-pabutools", type=float, default=120.0)
    parser.add_argument("--multiprofile", action="store_true")
    args = parser.parse_args()

    costs, ballots, budget = build_instance(args.seed)
    distinct = len({approved for _, approved in ballots})
    total_weight = sum(w for w, _ in ballots)
    print(
        f"instance: seed {args.seed}, {len(costs)} candidates, {len(ballots)} ballots"
        f" ({distinct} distinct approval sets), weights 1-5 (total {total_weight}), budget {budget}"
    )
    instance, profile = pabutools_instance(costs, ballots, budget)
    ok = True

    # -- plain MES
    ours, t_ours = timed(lambda: equal_shares(costs, ballots, budget))
    theirs, t_theirs = timed(lambda: method_of_equal_shares(instance, profile, sat_class=Cost_Sat))
    theirs = [p.name for p in theirs]
    same = ours.elected == theirs
    ok = ok and same
    print(f"[MES] elected {len(ours.elected)}: {' '.join(ours.elected)}; budget used {ours.budget_used}")
    print(f"[MES] outcomes equal: {same}")
    print(f"[MES] ours      {t_ours:9.3f} s")
    print(f"[MES] pabutools {t_theirs:9.3f} s  (ApprovalProfile of {profile.num_ballots()} ballots)")
    print(f"[MES] ratio     {t_theirs / t_ours:9.1f} x")
    if args.multiprofile:
        minstance, mprofile = pabutools_instance(costs, ballots, budget, multi=True)
        mout, t_multi = timed(lambda: method_of_equal_shares(minstance, mprofile, sat_class=Cost_Sat))
        print(
            f"[MES] pabutools {t_multi:9.3f} s  (ApprovalMultiProfile of {len(mprofile)} distinct ballots,"
            f" equal: {[p.name for p in mout] == ours.elected}, ratio {t_multi / t_ours:.1f} x)"
        )
    if not same:
        print(f"[MES] MISMATCH: pabutools elected {theirs}")
    if args.no_add_one:
        return 0 if ok else 1

    # -- add_one
    ours1, t_ours1 = timed(lambda: equal_shares(costs, ballots, budget, "add_one"))
    print(
        f"[add_one] elected {len(ours1.elected)}: {' '.join(ours1.elected)}; budget used {ours1.budget_used}"
    )
    print(
        f"[add_one] per-voter budget {ours1.voter_budget} (= {budget}/{total_weight} + {ours1.steps});"
        f" pabutools would run MES {ours1.iterations} times; we computed {ours1.runs} runs"
    )
    print(f"[add_one] ours      {t_ours1:9.3f} s")
    estimate = ours1.iterations * t_theirs
    if estimate <= args.max_pabutools:
        theirs1, t_theirs1 = timed(
            lambda: method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
        )
        theirs1 = [p.name for p in theirs1]
        same1 = ours1.elected == theirs1
        ok = ok and same1
        print(f"[add_one] outcomes equal: {same1}")
        print(f"[add_one] pabutools {t_theirs1:9.3f} s")
        print(f"[add_one] ratio     {t_theirs1 / t_ours1:9.1f} x")
        if not same1:
            print(f"[add_one] MISMATCH: pabutools elected {theirs1}")
    else:
        print(
            f"[add_one] pabutools not run: estimated {estimate:.0f} s ({ours1.iterations} runs x {t_theirs:.2f} s)"
            f" > {args.max_pabutools:.0f} s; estimated ratio ~{estimate / t_ours1:.0f} x"
        )
        # check the kept step and the stopping rule with pabutools' plain MES
        at_kept, t_kept = timed(lambda: pabutools_at(instance, profile, ours1.voter_budget))
        at_next = pabutools_at(instance, profile, ours1.voter_budget + 1)
        kept_ok = at_kept == ours1.elected
        next_cost = sum(costs[c] for c in at_next)
        exhaustive = all(
            c in ours1.elected or costs[c] + ours1.budget_used > budget
            for c in costs
            if any(c in s for _, s in ballots)
        )
        stop_ok = exhaustive or next_cost > budget
        ok = ok and kept_ok and stop_ok
        print(
            f"[add_one] pabutools plain MES at per-voter budget {float(ours1.voter_budget):.3f}:"
            f" equal to ours: {kept_ok} ({t_kept:.2f} s); stop justified:"
            f" {'exhaustive' if exhaustive else ''}{' and ' if exhaustive and next_cost > budget else ''}"
            f"{f'next step overspends ({next_cost} > {budget})' if next_cost > budget else ''}"
            f"{'' if stop_ok else 'NO'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
