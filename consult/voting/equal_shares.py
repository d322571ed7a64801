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
  projects in the same order (see ``Run``), so the result is exactly the one a
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

from dataclasses import dataclass
from fractions import Fraction

from consult.voting.shares_instance import Instance
from consult.voting.shares_run import Run

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


def _is_exhaustive(inst: Instance, elected: list[str]) -> bool:
    """pabutools' Instance.is_exhaustive over the projects MES considers."""
    used = sum(inst.costs[c] for c in elected)
    chosen = set(elected)
    return all(cid in chosen or inst.costs[cid] + used > inst.budget for cid in inst.active)


def _result(inst: Instance, run: Run | None, completion, voter_budget, iterations, runs, steps):
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
    inst = Instance(costs, ballots, budget)
    if inst.total_scaled == 0:  # no ballots: nothing is bought (as pabutools)
        return _result(inst, None, completion, _ZERO, 0, 0, 0)
    base = inst.base_budget()
    if completion is None:
        return _result(inst, Run(inst, 0, track=False), completion, base, 1, 1, 0)

    k = 0
    runs = 0
    previous: Run | None = None
    previous_k = -1
    while True:
        run = Run(inst, k, track=True)
        runs += 1
        if sum(inst.costs[c] for c in run.elected) > inst.budget:
            if k == 0:  # pragma: no cover - plain MES never overspends; pabutools would return []
                return _result(inst, None, completion, base, 1, runs, 0)
            # keep step k - 1, computed afresh for its exact details
            kept = Run(inst, k - 1, track=False)
            runs += 1
            if previous is not None and kept.elected != previous.elected:  # pragma: no cover - self-check
                raise AssertionError("equal_shares: skipped add_one steps changed the outcome")
            return _result(inst, kept, completion, base + (k - 1), k + 1, runs, k - 1)
        if _is_exhaustive(inst, run.elected):
            if previous is not None and previous_k < k - 1:
                # self-check of the skipping at its boundary: step k - 1 was skipped
                check = Run(inst, k - 1, track=False)
                runs += 1
                if check.elected != previous.elected:  # pragma: no cover
                    raise AssertionError("equal_shares: skipped add_one steps changed the outcome")
            return _result(inst, run, completion, base + k, k + 1, runs, k)
        if run.dmax is None:  # pragma: no cover - more money always ends in one of the above
            raise AssertionError("equal_shares: add_one would never stop")
        previous, previous_k = run, k
        k += run.dmax + 1
