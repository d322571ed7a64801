"""Fault test: SIGKILL the server in the middle of a load, restart it, check nothing acknowledged was lost.

    python bench/fault_kill.py                    # SQLite (WAL) and PostgreSQL
    python bench/fault_kill.py --engine sqlite

A script, not part of the pytest suite. For each engine:

* casting: R representatives are signed in (sessions live in the database, so they survive
  the restart), then all cast at once; when about a third of the casts have been answered the
  server's whole process group gets SIGKILL. After a restart every representative whose cast
  got no answer casts again (answer: a receipt, or "already cast" when the first one had been
  committed). Checks: every receipt that was sent to a client is in the ballot table exactly
  once; the participation count equals the ballot count; in the end exactly R ballots.
* topic creation: S residents post topics with unique titles; SIGKILL mid-load; restart.
  Checks: every topic whose POST was answered with a success redirect exists (same id, same
  title), and no title is stored twice.

Prints PASS/FAIL lines; exits 1 when anything failed. Traffic goes to 127.0.0.1 only; every
loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import Server, Workspace, fetch_rows, fetch_value, sign_in  # noqa: E402
from cast_load import RECEIPT, ballot_form, sign_in_all  # noqa: E402

SETUP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_setup.py")
results: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f" ({detail})" if detail else ""), flush=True)


def setup(ws: Workspace, *args: str) -> dict:
    out = subprocess.run([sys.executable, SETUP, *args], env=ws.env, cwd=ws.dir, capture_output=True, text=True,
                         check=True, timeout=300).stdout
    return json.loads(out.strip().splitlines()[-1])


async def kill_when(server: Server, answered: list, threshold: int, limit: float) -> float:
    """SIGKILL the server once ``threshold`` requests were answered (or after ``limit`` s)."""
    t0 = time.monotonic()
    while len(answered) < threshold and time.monotonic() - t0 < limit:
        await asyncio.sleep(0.005)
    server.kill()
    return time.monotonic() - t0


async def casting(engine: str, ws: Workspace, workers: int, reps: int) -> None:
    vote = setup(ws, "vote", str(reps), "故障测试：投票中断")
    vid, cands = vote["vote"], vote["candidates"]
    server = Server(ws, workers=workers).start()
    clients = await sign_in_all(server.base, vote["usernames"])
    receipts: dict[int, str] = {}
    answered: list[int] = []
    unanswered: set[int] = set()
    other: dict[int, int] = {}

    async def cast(i, client):
        try:
            resp = await client.post(f"/votes/{vid}/ballot", data=ballot_form(client, cands, i),
                                     headers={"x-csrftoken": client.cookies.get("csrftoken") or ""})
        except Exception:  # noqa: BLE001 - the server was killed: no answer
            unanswered.add(i)
            return
        m = RECEIPT.search(resp.text)
        if resp.status_code == 200 and m:
            receipts[i] = m.group(1)
        else:
            other[i] = resp.status_code
        answered.append(i)

    try:
        tasks = [asyncio.create_task(cast(i, c)) for i, c in enumerate(clients)]
        killer = asyncio.create_task(kill_when(server, answered, reps // 3, 30))
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        after = await killer
        first = dict(receipts)
        print(f"[{engine}] casting: killed after {after:.2f} s; {len(first)} receipts, {len(unanswered)} unanswered, "
              f"{len(other)} other answers {sorted(set(other.values()))}", flush=True)
        server.start()  # restart on the same port
        retry_receipts, already, failed = 0, 0, 0
        for i in sorted(unanswered):  # sequential and bounded: one retry each
            resp = await clients[i].post(f"/votes/{vid}/ballot", data=ballot_form(clients[i], cands, i),
                                         headers={"x-csrftoken": clients[i].cookies.get("csrftoken") or ""})
            m = RECEIPT.search(resp.text)
            if resp.status_code == 200 and m:
                receipts[i] = m.group(1)
                retry_receipts += 1
            elif resp.status_code == 409:
                already += 1
            else:
                failed += 1
        print(f"[{engine}] casting: retried {len(unanswered)}: {retry_receipts} receipts, {already} already cast "
              f"(committed before the kill), {failed} other", flush=True)
    finally:
        server.stop()
        await asyncio.gather(*(c.aclose() for c in clients))
    stored = [r for (r,) in fetch_rows(ws.database_url, f"SELECT receipt FROM ballot WHERE vote = {vid}")]
    ballots = len(stored)
    parts = int(fetch_value(ws.database_url, f"SELECT COUNT(*) FROM participation WHERE vote = {vid}"))
    missing = [r for r in first.values() if r not in stored]
    twice = len(stored) - len(set(stored))
    check(f"{engine}: every receipt answered before the kill is stored", not missing,
          f"{len(first)} receipts, {len(missing)} missing")
    check(f"{engine}: every receipt answered after the restart is stored",
          all(r in stored for r in receipts.values()), f"{len(receipts)} receipts")
    check(f"{engine}: no ballot stored twice", twice == 0, f"{twice} duplicates")
    check(f"{engine}: participation count == ballot count", parts == ballots, f"{parts} == {ballots}")
    check(f"{engine}: exactly one ballot per representative in the end", ballots == reps and not failed,
          f"{ballots} of {reps}")


async def topics(engine: str, ws: Workspace, workers: int, residents: int, per_resident: int) -> None:
    info = setup(ws, "residents", str(residents))
    server = Server(ws, workers=workers).start()
    clients = await sign_in_all(server.base, info["usernames"])
    run = uuid.uuid4().hex[:6]
    created: dict[str, int] = {}  # title -> id from the success redirect
    answered: list[str] = []
    lost: list[str] = []

    async def author(n, client):
        for k in range(per_resident):
            title = f"故障测试议题 {run}-{n}-{k}"
            try:
                resp = await client.post("/topics", data={
                    "title": title, "description": "服务器在写入过程中被强制终止，检查议题是否完整保存。",
                    "category": info["categories"][n % len(info["categories"])],
                    "grid_id": str(info["grids"][n % len(info["grids"])]),
                    "_csrf_token": client.cookies.get("csrftoken") or "",
                }, headers={"x-csrftoken": client.cookies.get("csrftoken") or ""})
            except Exception:  # noqa: BLE001 - the server was killed: stop this author
                lost.append(title)
                return
            m = re.search(r"/topics/(\d+)", resp.headers.get("location", ""))
            if resp.status_code in (302, 303) and m:
                created[title] = int(m.group(1))
            answered.append(title)

    try:
        tasks = [asyncio.create_task(author(n, c)) for n, c in enumerate(clients)]
        killer = asyncio.create_task(kill_when(server, answered, residents * per_resident // 3, 30))
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        after = await killer
        print(f"[{engine}] topics: killed after {after:.2f} s; {len(created)} success redirects, "
              f"{len(answered) - len(created)} other answers, {len(lost)} without an answer", flush=True)
        server.start()
        server.stop()  # the restart must come up cleanly on the killed database
    finally:
        server.stop()
        await asyncio.gather(*(c.aclose() for c in clients))
    rows = fetch_rows(ws.database_url, f"SELECT id, title FROM topic WHERE title LIKE '故障测试议题 {run}-%'")
    by_title: dict[str, list[int]] = {}
    for tid, title in rows:
        by_title.setdefault(title, []).append(tid)
    missing = [t for t, tid in created.items() if by_title.get(t) != [tid]]
    twice = [t for t, ids in by_title.items() if len(ids) > 1]
    check(f"{engine}: every topic answered with a success redirect exists", not missing and bool(created),
          f"{len(created)} acknowledged, {len(missing)} missing")
    check(f"{engine}: no topic stored twice", not twice, f"{len(rows)} stored, {len(twice)} duplicated")
    orphans = int(fetch_value(ws.database_url,
                              "SELECT COUNT(*) FROM topic t WHERE NOT EXISTS "
                              "(SELECT 1 FROM topic_event e WHERE e.topic = t.id AND e.action = 'propose')"))
    check(f"{engine}: every stored topic has its timeline entry (one transaction)", orphans == 0,
          f"{orphans} without")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reps", type=int, default=200, help="representatives casting (each is signed in)")
    parser.add_argument("--residents", type=int, default=40)
    parser.add_argument("--topics-each", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    for engine in ["sqlite", "postgres"] if args.engine == "both" else [args.engine]:
        workers = 1 if engine == "sqlite" else 2
        ws = Workspace(engine, f"fault_{engine}", keep=args.keep)
        try:
            ws.consult("demo")  # grids and categories (demo accounts unused)
            if engine == "sqlite":
                mode = fetch_value(ws.database_url, "PRAGMA journal_mode")
                check("sqlite: database in WAL mode", str(mode).lower() == "wal", str(mode))
            asyncio.run(casting(engine, ws, workers, args.reps))
            asyncio.run(topics(engine, ws, workers, args.residents, args.topics_each))
        except Exception as exc:  # noqa: BLE001 - a crash of the harness is a failure too
            check(f"{engine}: harness ran to the end", False, f"{type(exc).__name__}: {exc}")
        finally:
            ws.cleanup()
    failed = [r for r in results if not r[1]]
    print(f"{'FAIL' if failed else 'PASS'}: {len(results) - len(failed)} of {len(results)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
