"""HTTP load on the public pages against a real `consult serve` process.

    python bench/http_load.py                       # SQLite, 1 worker, 10,000 topics
    python bench/http_load.py --engine postgres     # PostgreSQL, 2 workers, sessions in the database
    python bench/http_load.py --engine both
    python bench/http_load.py --places              # issue 13: 100,000 topics in 50 communities, PostgreSQL,
                                                    # 2 workers: community / street topic list, street dashboard

For each configuration it generates the scale data (`consult demo`, then `bench/scale.py --scale N`) into a fresh
database, starts `consult serve`, and drives with `wrk` (Debian: apt-get install wrk), at 32
connections: /healthz, the public topic list, a topic page with 100 comments and a published
vote's result page, first as a visitor (no cookie at all, like a first visit: each response
also makes a CSRF token) and then signed in (the session and CSRF cookies a browser sends, so
every request also loads the session and the viewer from the database). It prints requests/s, p50 and p99 latency per page,
and each page's throughput as a ratio to /healthz in the same run.

Targets (issue 6, on the 2-core machine, SQLite with one worker at 10,000 topics): topic list
and topic page p99 < 100 ms; every public page >= 25 % of /healthz throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import Server, Workspace, fetch_value, need, sign_in  # noqa: E402

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(out: str) -> dict:
    def latency(pct: str) -> float:
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": latency("50"),
        "p99": latency("99"),
        "requests": int(total.group(1)) if total else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def run_wrk(wrk: str, url: str, connections: int, seconds: int, threads: int, cookie: str | None) -> dict:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    return parse_wrk(out)


def query(ws: Workspace, sql: str):
    """One value from the bench database."""
    return fetch_value(ws.database_url, sql)


async def session_cookie(base: str, username: str) -> str:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await sign_in(client, username)
        # both cookies a signed-in browser sends: without the CSRF cookie every response
        # would make a new CSRF token, which no real signed-in browser asks for
        return f"session={client.cookies.get('session')}; csrftoken={client.cookies.get('csrftoken')}"


def bench_config(engine: str, workers: int, topics: int, seconds: int, connections: int, threads: int,
                 keep: bool) -> list[dict]:
    wrk = need("wrk", "apt-get install -y wrk")
    ws = Workspace(engine, f"http_{engine}", keep=keep)
    rows: list[dict] = []
    try:
        started = time.perf_counter()
        out = ws.scale(topics).stdout
        print(f"[{engine}] data: {out.strip().splitlines()[-1]} (whole command {time.perf_counter() - started:.1f} s)")
        busy = query(ws, "SELECT topic FROM topic_comment GROUP BY topic HAVING COUNT(*) = 100 ORDER BY topic LIMIT 1")
        vote = query(ws, "SELECT v.id FROM vote v WHERE v.state = 'published' ORDER BY "
                         "(SELECT COUNT(*) FROM ballot b WHERE b.vote = v.id) DESC, v.id LIMIT 1")
        pages = [("/healthz", "/healthz"), ("topic list", "/topics"), (f"topic page (100 comments)", f"/topics/{busy}"),
                 ("vote result page", f"/votes/{vote}")]
        server = Server(ws, workers=workers).start()
        try:
            cookie = asyncio.run(session_cookie(server.base, "scale_res00001"))
            for who, ck in (("visitor", None), ("signed in", cookie)):
                # warm-up: templates compiled, caches filled, connections open
                for _, path in pages:
                    run_wrk(wrk, server.base + path, 4, 1, 1, ck)
                results = {}
                for name, path in pages:
                    results[name] = run_wrk(wrk, server.base + path, connections, seconds, threads, ck)
                health = results["/healthz"]["rps"] or float("nan")
                for name, path in pages:
                    r = results[name]
                    rows.append({"engine": engine, "workers": workers, "who": who, "page": name, "path": path, **r,
                                 "ratio": r["rps"] / health})
        finally:
            server.stop()
    finally:
        ws.cleanup()
    return rows


# Issue 13: places as a tree. The street (ten communities) and one community of it, as generated by
# bench/scale.py --communities M; the lists and the dashboard filtered by place= (any level).
PLACES_STREET = "规模测试第1街道"
PLACES_COMMUNITY = "规模测试第4社区"
PLACES_TARGET_MS = 100
EXPLAIN_SQL = [
    ("community topic count", "SELECT COUNT(*) FROM topic t WHERE t.grid IN "
                              "(SELECT id FROM place WHERE path >= $1 AND path < $2)"),
    ("community topic page", "SELECT t.id FROM topic t WHERE t.grid IN "
                             "(SELECT id FROM place WHERE path >= $1 AND path < $2) "
                             "ORDER BY t.created_at DESC, t.id DESC LIMIT 20"),
]


def explain(ws: Workspace, path: str) -> list[str]:
    """EXPLAIN ANALYZE of the subtree conditions the lists and the dashboard use, for ``path``."""
    from _common import fetch_rows

    low, high = path, path[:-1] + "0"
    out = []
    for name, sql in EXPLAIN_SQL:
        literal = sql.replace("$1", f"'{low}'").replace("$2", f"'{high}'")
        plan = fetch_rows(ws.database_url, "EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + literal)
        out.append(f"-- {name} ({path})")
        out += [row[0] for row in plan]
    return out


def drain(base: str, limit: float = 300.0) -> float:
    """Wait until the server answers /healthz within 50 ms again: requests wrk gave up on are
    still being worked on, and would slow the next page's run. Returns the seconds waited."""
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        t = time.perf_counter()
        try:
            httpx.get(base + "/healthz", timeout=limit)
        except httpx.HTTPError:
            pass
        if time.perf_counter() - t < 0.05:
            break
        time.sleep(1)
    return time.perf_counter() - started


def places_config(topics: int, communities: int, seconds: int, connections: int, threads: int,
                  keep: bool, workers: int = 2, reuse: bool = False) -> tuple[list[dict], list[str]]:
    """Issue 13's configuration: PostgreSQL, two workers, ``topics`` topics in ``communities``
    communities; the community-filtered topic list, a street-wide topic list and the street's
    dashboard, as a visitor and signed in. Returns the rows and the EXPLAIN lines."""
    wrk = need("wrk", "apt-get install -y wrk")
    ws = Workspace("postgres", "http_places", keep=keep, reuse=reuse)
    rows: list[dict] = []
    try:
        started = time.perf_counter()
        if reuse:  # the database of an earlier run (its data were generated then)
            print(f"[places] data: reused, {query(ws, 'SELECT COUNT(*) FROM topic')} topics")
        else:
            out = ws.scale(topics, communities=communities, timeout=3600).stdout
            print(f"[places] data: {out.strip().splitlines()[-1]} (whole command {time.perf_counter() - started:.1f} s)")
        street = query(ws, f"SELECT id FROM place WHERE kind = 'street' AND name = '{PLACES_STREET}'")
        community = query(ws, f"SELECT id FROM place WHERE kind = 'community' AND name = '{PLACES_COMMUNITY}'")
        plans = [*explain(ws, query(ws, f"SELECT path FROM place WHERE id = {community}")),
                 *explain(ws, query(ws, f"SELECT path FROM place WHERE id = {street}"))]
        pages = [("/healthz", "/healthz"), ("community topic list", f"/topics?place={community}"),
                 ("street topic list", f"/topics?place={street}"), ("street dashboard", f"/dashboard?place={street}")]
        server = Server(ws, workers=workers).start()
        try:
            cookie = asyncio.run(session_cookie(server.base, "scale_res00001"))
            for who, ck in (("visitor", None), ("signed in", cookie)):
                for _, path in pages:  # warm-up
                    run_wrk(wrk, server.base + path, 4, 1, 1, ck)
                results = {}
                for name, path in pages:
                    results[name] = run_wrk(wrk, server.base + path, connections, seconds, threads, ck)
                    results[name]["drained"] = drain(server.base)
                health = results["/healthz"]["rps"] or float("nan")
                for name, path in pages:
                    r = results[name]
                    rows.append({"engine": "postgres", "workers": workers, "who": who, "page": name, "path": path,
                                 **r, "ratio": r["rps"] / health})
        finally:
            server.stop()
    finally:
        ws.cleanup()
    return rows, plans


def places_main(args) -> int:
    rows, plans = places_config(args.topics if args.topics != 10_000 else 100_000, args.communities, args.seconds,
                                args.connections, args.threads, args.keep, args.workers or 2, args.reuse)
    print("\n".join(["", "EXPLAIN ANALYZE (PostgreSQL):", *plans, ""]))
    print(f"{'who':9} {'page':22} {'path':24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
          f"{'requests':>8} {'drain s':>7}")
    failed = False
    for r in rows:
        print(f"{r['who']:9} {r['page']:22} {r['path']:24} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f} "
              f"{r['non2xx'] + r['errors']:6d} {r['requests']:8d} {r['drained']:7.1f}")
        if r["page"] != "/healthz":
            failed |= not r["p99"] < PLACES_TARGET_MS or r["non2xx"] + r["errors"] > 0
    for r in rows:
        if r["page"] != "/healthz":
            ok = r["requests"] > 0 and r["p99"] < PLACES_TARGET_MS  # no answer in time is no p99 (nan)
            print(f"target p99 < {PLACES_TARGET_MS} ms  {r['who']:9} {r['page']:22} {'met' if ok else 'MISSED'} "
                  f"({r['p99']:.1f} ms)")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=None, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--places", action="store_true",
                        help="issue 13's configuration instead: PostgreSQL, 2 workers, 100,000 topics (or --topics) "
                             "in --communities communities; the community and street topic lists and the street "
                             "dashboard, filtered by place=")
    parser.add_argument("--communities", type=int, default=50, help="with --places (default 50)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --places: measure the database an earlier run left (no drop, no generation)")
    args = parser.parse_args()
    if args.places:
        print(f"cores (nproc): {os.cpu_count()}; {args.connections} connections, {args.seconds} s per page; "
              f"wrk runs on the same machine")
        return places_main(args)
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    print(f"cores (nproc): {os.cpu_count()}; {args.connections} connections, {args.seconds} s per page; "
          f"wrk runs on the same machine")
    rows = []
    for engine in engines:
        workers = args.workers or (1 if engine == "sqlite" else 2)
        rows += bench_config(engine, workers, args.topics, args.seconds, args.connections, args.threads, args.keep)
    print()
    print(f"{'engine':8} {'wk':>2} {'who':9} {'page':27} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'vs healthz':>10} {'errors':>6}")
    for r in rows:
        print(f"{r['engine']:8} {r['workers']:>2} {r['who']:9} {r['page']:27} {r['rps']:8.1f} {r['p50']:8.1f} "
              f"{r['p99']:8.1f} {r['ratio'] * 100:9.0f}% {r['non2xx'] + r['errors']:6d}")
    failed = False
    for r in rows:
        if r["engine"] == "sqlite" and r["workers"] == 1 and r["page"].startswith("topic"):
            ok = r["p99"] < 100
            failed |= not ok
            print(f"target p99 < 100 ms  {r['who']:9} {r['page']:27} {'met' if ok else 'MISSED'} ({r['p99']:.1f} ms)")
        if r["page"] != "/healthz":
            ok = r["ratio"] >= 0.25
            failed |= not ok
            print(f"target >= 25% healthz {r['engine']:8} {r['who']:9} {r['page']:27} "
                  f"{'met' if ok else 'MISSED'} ({r['ratio'] * 100:.0f}%)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
