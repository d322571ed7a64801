"""The cost of checking a published record against its seal (docs/SECURITY.md §5).

    python bench/seal_bench.py --ballots 100000

Migrates a fresh SQLite database in a temporary directory, writes one published vote with
N random ballots over 6 candidates, then times what a re-check does: read the election
data, serialise it canonically, SHA-256 it (best of two runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time


def fill(path: str, n: int) -> None:
    con = sqlite3.connect(path)
    con.execute("INSERT INTO vote (id, title, year, seats, budget, basis, threshold, secrecy, public_weight, rule, "
                "state, round, equal_number, equal_number_reason, tie_break_support, published_at) VALUES "
                "(1, 'bench', 2026, 3, NULL, 'enrolled', '1/2', 'secret', '0', 'majority', 'published', 1, 0, '', 0, "
                "'2026-01-01T00:00:00+00:00')")
    for i in range(1, 7):
        con.execute("INSERT INTO candidate (id, vote, title, description, cost, support, responsible_unit, position) "
                    "VALUES (?, 1, ?, '', 100, 0, '', ?)", (i, f"c{i}", i))
    rows = []
    for i in range(n):
        code = secrets.token_hex(10)
        choices = {str(c): secrets.choice(["approve", "oppose", "abstain"]) for c in range(1, 7)}
        rows.append((i + 1, "-".join(code[j:j + 4] for j in range(0, 20, 4)), json.dumps(choices)))
    con.executemany("INSERT INTO ballot (id, vote, receipt, weight_cents, choices) VALUES (?, 1, ?, 100, ?)", rows)
    con.commit()


async def measure(url: str) -> None:
    from consult import db

    db.use_database(url)
    await db.prepare_engine()
    from consult.voting import queries, record

    vote = await queries.vote_row(1)
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        data = await record.election_data(vote)
        t1 = time.perf_counter()
        body = record.record_bytes(data)
        t2 = time.perf_counter()
        record.sha256_hex(body)
        t3 = time.perf_counter()
        run = (t1 - t0, t2 - t1, t3 - t2)
        best = run if best is None or sum(run) < sum(best) else best
    print(f"{len(data['ballots'])} ballots, {len(body):,} bytes: read {best[0]:.3f} s, serialise {best[1]:.3f} s, "
          f"sha256 {best[2]:.4f} s, total {sum(best):.3f} s")
    await db.close_engine()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "seal.sqlite")
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "CONSULT_DATA_DIR": os.path.join(tmp, "data")}
        env.pop("CONSULT_ENV", None)
        subprocess.run([sys.executable, "-m", "consult.cli", "migrate"], env=env, check=True, capture_output=True)
        fill(path, args.ballots)
        asyncio.run(measure(f"sqlite:///{path}"))


if __name__ == "__main__":
    main()
