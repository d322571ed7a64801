"""Benchmark: the public dashboard at 10,000 topics on SQLite (target: under 300 ms).

Builds a temporary, migrated SQLite database and fills it with set-based inserts
(INSERT ... SELECT over a recursive CTE, one transaction): N topics spread over two
years, every state, their timeline entries, project sheets, ~3 seconds per topic and
8 ratings per evaluated project. Then times the pages through the application
(Litestar's TestClient: the whole stack, middleware and templates included) and
prints p50 / p99 / max per URL, and the time of each figure's query alone.

    python bench/bench_dashboard.py [--topics 10000] [--requests 100] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult import db  # noqa: E402

TARGET_MS = 300.0
# i % 20 -> state: a mix with every state of the loop
STATES = (
    ["proposed"] * 5 + ["discussing"] * 3 + ["rejected"] * 2 + ["referred", "merged"]
    + ["project"] * 2 + ["implementing"] * 2 + ["evaluating"] + ["closed"] * 2 + ["not_elected"]
)
TS = "'%Y-%m-%d %H:%M:%S+00:00'"  # how Piccolo stores a timestamptz on SQLite (UTC)


def fill(path: Path, topics: int, users: int) -> dict[str, int]:
    """Set-based inserts into the migrated database at ``path``; returns row counts."""
    state_case = "CASE n.i % 20 " + " ".join(f"WHEN {k} THEN '{s}'" for k, s in enumerate(STATES)) + " END"
    seconds_span = 2 * 365 * 24 * 3600
    con = sqlite3.connect(path)
    try:
        con.execute("BEGIN")
        con.execute(
            f"""INSERT INTO account (username, display_name, password_hash, grid, residency_verified, created_at)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {users}),
            g AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS c FROM grid)
            SELECT 'bench' || n.i, 'Bench ' || n.i, 'x', g.id, 1, strftime({TS}, '2023-12-01')
            FROM n JOIN g ON g.k = n.i % g.c"""
        )
        first_user = con.execute("SELECT MIN(id) FROM account WHERE username LIKE 'bench%'").fetchone()[0]
        con.execute(
            f"""INSERT INTO topic (title, description, category, grid, author, state, created_at, updated_at, round)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {topics}),
            g AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS c FROM grid),
            c AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS c FROM category)
            SELECT '议题 ' || n.i || ' 停车与环境', 'Bench topic description ' || n.i, c.id, g.id,
                   {first_user} + n.i % {users}, {state_case},
                   strftime({TS}, '2024-01-01', '+' || (n.i * {seconds_span // topics}) || ' seconds'),
                   strftime({TS}, '2024-01-01', '+' || (n.i * {seconds_span // topics}) || ' seconds'),
                   CASE WHEN n.i % 3 = 0 AND {state_case} IN ('implementing', 'evaluating', 'closed') THEN 2 ELSE 1 END
            FROM n JOIN g ON g.k = (n.i * 3) % g.c JOIN c ON c.k = (n.i * 7) % c.c ORDER BY n.i"""
        )

        def event(to_state: str, from_state: str, offset: str, where: str) -> None:
            con.execute(
                f"""INSERT INTO topic_event (topic, at, action, from_state, to_state, round)
                SELECT id, strftime({TS}, created_at, {offset}), 'bench', {from_state}, {to_state}, 1
                FROM topic WHERE {where}"""
            )

        event("'proposed'", "''", "'+0 seconds'", "1")
        event("CASE WHEN state IN ('rejected', 'referred', 'merged') THEN state ELSE 'discussing' END", "'proposed'",
              "'+' || (id % 96) || ' hours'", "state <> 'proposed'")
        project_states = "('project', 'implementing', 'evaluating', 'closed', 'not_elected')"
        event("'project'", "'discussing'", "'+' || (20 + id % 10) || ' days'", f"state IN {project_states}")
        event("'implementing'", "'project'", "'+25 days'", "state IN ('implementing', 'evaluating', 'closed')")
        event("'evaluating'", "'implementing'", "'+60 days'", "state IN ('evaluating', 'closed')")
        event("'closed'", "'evaluating'", "'+' || (75 + id % 30) || ' days'", "state = 'closed'")
        con.execute(
            f"""INSERT INTO project_sheet (topic, title, scope, estimated_cost, responsible_unit, responsible_person,
                                           deadline, funding_route)
            SELECT id, 'Project ' || id, 'Scope of the bench project', 10000 + id, 'Unit', 'Wu',
                   date(created_at, '+' || (60 + id % 300) || ' days'), 'community'
            FROM topic WHERE state IN {project_states}"""
        )
        con.execute(
            f"""INSERT INTO topic_second (topic, "user", created_at)
            SELECT t.id, a.id, t.created_at FROM topic t JOIN account a
              ON a.id BETWEEN {first_user} + t.id % 1000 AND {first_user} + t.id % 1000 + t.id % 7 - 1"""
        )
        con.execute(
            f"""INSERT INTO topic_rating (topic, "user", round, value, created_at)
            SELECT t.id, a.id, r.round,
                   CASE (a.id + t.id + r.round) % 5 WHEN 0 THEN 'unsatisfied' WHEN 1 THEN 'basically_satisfied'
                        ELSE 'satisfied' END, t.created_at
            FROM topic t
            JOIN (SELECT 1 AS round UNION ALL SELECT 2) r ON r.round <= t.round
            JOIN account a ON a.id BETWEEN {first_user} + t.id % 500 AND {first_user} + t.id % 500 + 7
            WHERE t.state IN ('evaluating', 'closed')"""
        )
        con.execute("COMMIT")
        con.execute("ANALYZE")
        return {
            table: con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in ("topic", "topic_event", "topic_second", "topic_rating", "project_sheet", "account")
        }
    finally:
        con.close()


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, ordered[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and print its path")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)

    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    path = workdir / "bench.sqlite"
    try:
        url = f"sqlite:///{path}"
        db.use_database(url)
        t0 = time.perf_counter()
        db.migrate_sync()
        from consult.accounts.demo import load_base_places

        asyncio.run(load_base_places())
        t1 = time.perf_counter()
        counts = fill(path, args.topics, args.users)
        t2 = time.perf_counter()
        print(f"database: migrate {t1 - t0:.1f} s, fill {t2 - t1:.2f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

        from litestar.testing import TestClient

        from consult.app import create_app
        from consult.settings import Settings

        settings = Settings(database_url=url, secret_key="b" * 64, data_dir=workdir / "data")
        app = create_app(settings)
        year = 2025
        urls = [
            "/dashboard",
            f"/dashboard?year={year}",
            "/dashboard?grid=2",
            f"/dashboard?year={year}&grid=2",
            ("/dashboard?year=2024", {"HX-Request": "true"}),
            "/api/v1/stats",
            "/topics.csv",
        ]
        failed = False
        print(f"\n{args.requests} requests each (after 5 warm-up), ms:")
        print(f"{'URL':46} {'p50':>8} {'p99':>8} {'max':>8}")
        with TestClient(app, base_url="http://bench.local") as client:
            for item in urls:
                target, headers = item if isinstance(item, tuple) else (item, {})
                label = target + (" (htmx)" if headers else "")
                n = args.requests if target != "/topics.csv" else max(10, args.requests // 10)
                for _ in range(5):
                    r = client.get(target, headers=headers)
                    assert r.status_code == 200, (target, r.status_code, r.text[:300])
                samples = []
                for _ in range(n):
                    start = time.perf_counter()
                    r = client.get(target, headers=headers)
                    samples.append((time.perf_counter() - start) * 1000)
                    assert r.status_code == 200
                p50, p99, top = quantiles(samples)
                mark = ""
                if target.startswith("/dashboard") and p99 > TARGET_MS:
                    failed, mark = True, f"  over {TARGET_MS:.0f} ms"
                print(f"{label:46} {p50:8.1f} {p99:8.1f} {top:8.1f}{mark}" + (f"  (n={n})" if n != args.requests else ""))

        # each figure's query alone (no HTTP), for where the time goes
        import consult.dashboard.queries as svc
        from consult.dashboard.domain import StatsFilters

        async def figures() -> list[tuple[str, float]]:
            out = []
            f = StatsFilters()
            for name in ("topic_count", "topics_by_category_grid", "opened_per_month", "days_to_screening",
                         "days_project_to_closing", "overdue_share", "satisfaction_by_round",
                         "satisfaction_by_category", "most_seconded_open"):
                fn = getattr(svc, name)
                await fn(f)
                runs = []
                for _ in range(20):
                    start = time.perf_counter()
                    await fn(f)
                    runs.append((time.perf_counter() - start) * 1000)
                out.append((name, statistics.median(runs)))
            start = time.perf_counter()
            for _ in range(20):
                await svc.stats(f)
            out.append(("stats() (all, concurrently)", (time.perf_counter() - start) * 1000 / 20))
            return out

        db.use_database(url)
        print("\nper figure (no filter), median of 20, ms:")
        for name, ms in asyncio.run(figures()):
            print(f"  {name:32} {ms:7.1f}")
        print(f"\ndashboard p99 {'within' if not failed else 'OVER'} {TARGET_MS:.0f} ms")
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"kept {path}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
