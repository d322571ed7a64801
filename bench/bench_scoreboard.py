"""Benchmark: the work-order scoreboard's medians, in SQL (now) against the rows read into
Python and sorted there (before), on SQLite and PostgreSQL, in one run.

Builds a temporary, migrated database with the demo's places and departments, adds N
generated work orders over the demo's grids and departments (each with its dispatch,
acknowledgement and reply at random microsecond times, a sixth never acknowledged), then
times, for the whole install and for the street:

* ``before``: ``order_rows`` (every order's public fields) and the medians per department,
  per child place and in total taken in Python, as the scoreboard did until 2026-12-08;
* ``now``: the one SQL query with window functions the scoreboard runs instead;

and checks that both give the same medians.

    python bench/bench_scoreboard.py [--orders 20000] [--engine sqlite|postgresql|both] [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from consult import db  # noqa: E402
import consult.app  # noqa: E402,F401 (every table, in the order the app imports them)


async def fill(orders: int) -> dict:
    from consult.accounts.demo import load_base_places
    from consult.places.tables import Place
    from consult.places.tables import Department
    from consult.workorders.tables import WorkOrder, WorkOrderEvent

    await load_base_places()
    grids = [r["id"] for r in await Place.select(Place.id).where(Place.kind == "grid")]
    deps = [r["id"] for r in await Department.select(Department.id)]
    if not deps:
        deps = [(await Department.insert(Department(name="bench", place=grids[0])).returning(Department.id))[0]["id"]]
    rng = random.Random(8)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    chunk = 1000
    for first in range(0, orders, chunk):
        rows = []
        for _ in range(first, min(orders, first + chunk)):
            created = start + timedelta(seconds=rng.randrange(300 * 86400), microseconds=rng.randrange(10**6))
            dispatched = created + timedelta(seconds=rng.randrange(6 * 3600), microseconds=rng.randrange(10**6))
            acked = dispatched + timedelta(seconds=rng.randrange(8 * 3600), microseconds=rng.randrange(10**6))
            replied = acked + timedelta(seconds=rng.randrange(9 * 86400), microseconds=rng.randrange(10**6))
            never = rng.random() < 1 / 6
            rows.append(WorkOrder(
                title="bench", grid=rng.choice(grids), state="dispatched" if never else "replied",
                created_at=created, dispatched_at=dispatched, ack_due_at=dispatched + timedelta(hours=2),
                acknowledged_at=None if never else acked, replied_at=None if never else replied,
                deadline=dispatched + timedelta(days=7), holder_department=rng.choice(deps)))
        ids = [r["id"] for r in await WorkOrder.insert(*rows).returning(WorkOrder.id)]
        await WorkOrderEvent.insert(*[
            WorkOrderEvent(work_order=i, at=r.dispatched_at, action="dispatch", to_department=r.holder_department)
            for i, r in zip(ids, rows)])
    return {"grids": len(grids), "departments": len(deps)}


async def before(scope, children) -> dict:
    """The medians as the scoreboard took them until now: every row into Python."""
    from consult.places.tree import covers
    from consult.places import queries as places
    from consult.workorders.scoreboard import order_rows

    tree = await places.tree()
    groups: dict[tuple[str, str, int], list[int]] = {}
    for r in await order_rows(scope):
        if r["excluded"]:
            continue
        path = tree.path_of(r["grid"]) or "\0"
        child = next((c.id for c in children if covers(c.path, path)), None)
        for measure, later, earlier in (("ack", "acknowledged_at", "dispatched_at"),
                                        ("res", "replied_at", "created_at")):
            if r[later] is None or r[earlier] is None:
                continue
            us = (r[later] - r[earlier]) // timedelta(microseconds=1)
            for kind, key in (("department", r["department"]), ("place", child), ("total", 0)):
                if key is not None:
                    groups.setdefault((measure, kind, key), []).append(us)
    return {k: Fraction(statistics.median(sorted(v))) for k, v in groups.items()}


async def now(scope, children) -> dict:
    from consult.workorders.scoreboard import _middles

    return {k: Fraction(m.microseconds, m.values) for k, m in (await _middles(scope, children, None)).items()}


async def measure(engine: str, url: str, orders: int, runs: int) -> None:
    from consult.places import queries as places
    from consult.workorders.scoreboard import Scope, _children

    db.use_database(url)
    await db.migrate()
    await db.prepare_engine()
    try:
        t0 = time.perf_counter()
        shape = await fill(orders)
        print(f"\n{engine}: {orders:,} orders over {shape['grids']} grids and {shape['departments']} departments "
              f"(filled in {time.perf_counter() - t0:.1f} s)")
        tree = await places.tree()
        street = tree.below(None, "street")[0]
        print(f"{'scope':12} {'before p50':>11} {'now p50':>9} {'ratio':>7}   same medians")
        for label, scope in (("install", Scope()), ("street", Scope(place=street.id))):
            children = _children(scope, tree)
            timings = {}
            results = {}
            for name, fn in (("before", before), ("now", now)):
                results[name] = await fn(scope, children)
                samples = []
                for _ in range(runs):
                    t = time.perf_counter()
                    await fn(scope, children)
                    samples.append((time.perf_counter() - t) * 1000)
                timings[name] = statistics.median(samples)
            same = results["before"] == results["now"]
            print(f"{label:12} {timings['before']:9.1f} ms {timings['now']:6.1f} ms "
                  f"{timings['before'] / timings['now']:6.2f}x   {same} ({len(results['now'])} groups)")
            assert same, "the SQL medians differ from the Python ones"
    finally:
        await db.close_engine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-scoreboard-"))
    try:
        if args.engine in ("sqlite", "both"):
            asyncio.run(measure("SQLite", f"sqlite:///{workdir / 'bench.sqlite'}", args.orders, args.runs))
        if args.engine in ("postgresql", "both"):
            from _common import recreate_pg_database

            url = recreate_pg_database("consult_bench_scoreboard")
            asyncio.run(measure("PostgreSQL", url, args.orders, args.runs))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
