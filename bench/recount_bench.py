"""Counting 100,000 weighted ballots x 30 candidates: `consult recount` and the database tally.

    python bench/recount_bench.py                       # SQLite
    python bench/recount_bench.py --engine postgres
    python bench/recount_bench.py --engine both --ballots 100000 --candidates 30

1. Writes an open-data election JSON (the format `/api/v1/votes/{id}/ballots` publishes) with
   N ballots (weights 1 to 3 with cents) and times `consult recount FILE` as a subprocess.
2. Loads a published vote with the same shape into a fresh database (N representatives on the
   roll, N ballots; set-based inserts) and times the tally the results page uses:
   `consult.voting.queries.count_vote` (read the ballots, parse, count exactly).
Target (issue 6): the 100,000-ballot recount under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from _common import CONSULT, Workspace  # noqa: E402


def election(n_ballots: int, n_candidates: int, seats: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    weights = ["1", "1", "1", "1.5", "2", "2.25", "3"]
    cands = [{"id": str(i), "title": f"候选项目 {i}", "cost": 10000 * i, "support": rng.randint(0, 500)}
             for i in range(1, n_candidates + 1)]
    ids = [c["id"] for c in cands]
    ballots, total = [], 0
    seen = set()
    for _ in range(n_ballots):
        receipt = "-".join(f"{rng.getrandbits(16):04x}" for _ in range(5))
        while receipt in seen:
            receipt = "-".join(f"{rng.getrandbits(16):04x}" for _ in range(5))
        seen.add(receipt)
        approve = set(rng.sample(ids, rng.randint(0, seats)))
        choices = {cid: ("approve" if cid in approve else rng.choice(("oppose", "abstain"))) for cid in ids}
        w = rng.choice(weights)
        total += int(round(float(w) * 100))
        ballots.append({"receipt": receipt, "weight": w, "choices": choices})
    ballots.sort(key=lambda b: b["receipt"])
    roll = total + 10000
    return {"rule": "majority", "seats": seats, "budget": None, "basis": "enrolled", "threshold": "1/2",
            "public_weight": "0", "roll_weight": f"{roll // 100}.{roll % 100:02d}", "candidates": cands,
            "ballots": ballots}


def time_recount(data: dict) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        path = f.name
    try:
        t = time.perf_counter()
        out = subprocess.run([CONSULT, "recount", path], capture_output=True, text=True, timeout=300)
        seconds = time.perf_counter() - t
        if out.returncode != 0:
            raise RuntimeError(f"consult recount failed: {out.stderr.strip()}")
        elected = json.loads(out.stdout).get("elected")
        print(f"consult recount: {len(data['ballots'])} ballots x {len(data['candidates'])} candidates in "
              f"{seconds:.2f} s (subprocess, interpreter start included); elected {elected}")
        return seconds
    finally:
        os.unlink(path)


async def db_tally(ws: Workspace, n_ballots: int, n_candidates: int, seats: int) -> tuple[float, float]:
    os.environ["DATABASE_URL"] = ws.database_url
    from consult import db

    db.use_database(ws.database_url)
    await db.prepare_engine()
    try:
        await db.migrate()
        from scale import BulkWriter, ensure_accounts, write_vote

        t = time.perf_counter()
        rng = random.Random(3)
        async with BulkWriter() as w:
            grid = await w.fetchval("SELECT COALESCE(MIN(id), 0) FROM grid")
            if not grid:
                from consult.accounts.demo import load_base_places

                grid = (await load_base_places())["grids"][0]
            reps = await ensure_accounts(w, "tally_rep", n_ballots, ["representative"], [grid], "x", rng)
            vote_id = await w.next_id("vote")
            cands = [{"title": f"候选项目 {i}", "cost": 10000 * i, "favoured": i <= seats}
                     for i in range(1, n_candidates + 1)]
            roll = [(r["id"], rng.choice((100, 100, 150, 200, 225, 300))) for r in reps]
            made = await write_vote(w, rng, vote_id, "计票基准", 2025, "published", seats, cands, roll, set(),
                                    turnout=1.0, staff_id=None)
        print(f"[{ws.engine}] loaded {made} ballots in {time.perf_counter() - t:.1f} s")
        from consult.voting import queries as services

        vote = await services.get_vote(vote_id)
        timings = []
        for _ in range(3):
            services._PUBLISHED_COUNTS.clear()  # measure the reading and counting, not the memo
            t = time.perf_counter()
            data, result = await services.count_vote(vote)
            timings.append(time.perf_counter() - t)
        print(f"[{ws.engine}] database tally (services.count_vote, read and count): "
              f"{len(data['ballots'])} ballots x {len(data['candidates'])} candidates: best {min(timings):.2f} s, "
              f"runs {', '.join(f'{x:.2f}' for x in timings)}; elected {list(result.elected)}")
        t = time.perf_counter()
        for _ in range(100):
            await services.count_vote(vote)
        print(f"[{ws.engine}] the same, remembered (every later view of the published result page): "
              f"{(time.perf_counter() - t) * 1000 / 100:.3f} ms per call")
        return min(timings), max(timings)
    finally:
        await db.close_engine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--seats", type=int, default=5)
    args = parser.parse_args()
    print(f"cores (nproc): {os.cpu_count()}")
    t = time.perf_counter()
    data = election(args.ballots, args.candidates, args.seats)
    print(f"generated the election JSON in {time.perf_counter() - t:.1f} s")
    recount = time_recount(data)
    ok = recount < 2.0
    print(f"target recount of {args.ballots} ballots < 2 s: {'met' if ok else 'MISSED'} ({recount:.2f} s)")
    for engine in ["sqlite", "postgres"] if args.engine == "both" else [args.engine]:
        ws = Workspace(engine, f"tally_{engine}")
        try:
            asyncio.run(db_tally(ws, args.ballots, args.candidates, args.seats))
        finally:
            ws.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
