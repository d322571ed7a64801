"""1,000 representatives casting at once through HTTP, against a real `consult serve`.

    python bench/cast_load.py                        # SQLite (WAL), 1 worker
    python bench/cast_load.py --engine postgres      # PostgreSQL, 2 workers
    python bench/cast_load.py --engine both --reps 1000

Sets up an open vote whose roll holds N generated representatives, signs every one of
them in through the real sign-in form (argon2 at its production cost, so this part is slow
and is not timed), then fires all N casts at once and prints ballots/s, errors and the
final ballot and participation counts. Target (issue 6): 0 errors and exactly N ballots.
Needs httpx (a Consult dependency). All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import Server, Workspace, fetch_value, sign_in  # noqa: E402

RECEIPT = re.compile(r'<code id="receipt">([0-9a-f]{4}(?:-[0-9a-f]{4}){4})</code>')


def stored_tag(ws: Workspace, vote_id: int, receipt: str) -> str:
    """What an open vote stores in place of a receipt (its keyed tag, consult.voting.sealing);
    the key is the workspace's generated SECRET_KEY. A tree from before the seal stores the receipt."""
    from consult.voting import sealing

    sealing.configure((ws.dir / "data" / "secret_key").read_text().strip())
    return sealing.tag(vote_id, receipt)


def setup_vote(ws: Workspace, reps: int, title: str) -> dict:
    import subprocess

    out = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "_setup.py"), "vote", str(reps),
                          title],
                         env=ws.env, cwd=ws.dir, capture_output=True, text=True, check=True, timeout=300).stdout
    return json.loads(out.strip().splitlines()[-1])


async def sign_in_all(base: str, usernames: list[str], parallel: int = 8) -> list:
    import httpx

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=120, limits=limits) for _ in usernames]
    sem = asyncio.Semaphore(parallel)

    async def one(client, name):
        async with sem:
            await sign_in(client, name)

    await asyncio.gather(*(one(c, n) for c, n in zip(clients, usernames)))
    # Fresh clients (same cookies) so the casts do not reuse keep-alive connections the
    # server closed while the others were signing in: every cast opens a new connection.
    fresh = [httpx.AsyncClient(base_url=base, timeout=120, limits=limits, cookies=c.cookies) for c in clients]
    await asyncio.gather(*(c.aclose() for c in clients))
    return fresh


def ballot_form(client, candidates: list[int], i: int) -> dict:
    form = {"_csrf_token": client.cookies.get("csrftoken") or ""}
    for j, cid in enumerate(candidates):
        form[f"c_{cid}"] = "approve" if (i + j) % len(candidates) < 3 else ("oppose" if j % 2 else "abstain")
    return form


async def cast_all(clients: list, vote_id: int, candidates: list[int], timeout: float = 300) -> dict:
    """Every client casts once, all at the same moment. Returns receipts and failures."""
    start = asyncio.Event()
    receipts: dict[int, str] = {}
    failures: list[str] = []

    async def one(i, client):
        await start.wait()
        try:
            resp = await client.post(f"/votes/{vote_id}/ballot", data=ballot_form(client, candidates, i),
                                     headers={"x-csrftoken": client.cookies.get("csrftoken") or ""})
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
            failures.append(f"{type(exc).__name__}: {exc}")
            return
        m = RECEIPT.search(resp.text)
        if resp.status_code == 200 and m:
            receipts[i] = m.group(1)
        else:
            failures.append(f"HTTP {resp.status_code}")

    tasks = [asyncio.create_task(one(i, c)) for i, c in enumerate(clients)]
    await asyncio.sleep(0.2)
    t0 = time.perf_counter()
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    return {"receipts": receipts, "failures": failures, "seconds": time.perf_counter() - t0}


def run(engine: str, reps: int, workers: int, keep: bool) -> dict:
    ws = Workspace(engine, f"cast_{engine}", keep=keep)
    try:
        ws.consult("migrate")
        vote = setup_vote(ws, reps, "基准测试：同时投票")
        server = Server(ws, workers=workers).start()
        try:
            async def go():
                t = time.perf_counter()
                clients = await sign_in_all(server.base, vote["usernames"])
                print(f"[{engine}] {reps} representatives signed in in {time.perf_counter() - t:.1f} s")
                try:
                    return await cast_all(clients, vote["vote"], vote["candidates"])
                finally:
                    await asyncio.gather(*(c.aclose() for c in clients))

            res = asyncio.run(go())
        finally:
            server.stop()
        vid = vote["vote"]
        ballots = int(fetch_value(ws.database_url, f"SELECT COUNT(*) FROM ballot WHERE vote = {vid}"))
        parts = int(fetch_value(ws.database_url, f"SELECT COUNT(*) FROM participation WHERE vote = {vid}"))
        stored = {r for (r,) in __import__("_common").fetch_rows(
            ws.database_url, f"SELECT receipt FROM ballot WHERE vote = {vid}")}
        missing = [r for r in res["receipts"].values() if r not in stored and stored_tag(ws, vid, r) not in stored]
        ok = not res["failures"] and ballots == reps == parts and not missing
        print(f"[{engine}] workers={workers} casts={reps} ok={len(res['receipts'])} errors={len(res['failures'])} "
              f"in {res['seconds']:.2f} s -> {len(res['receipts']) / res['seconds']:.0f} ballots/s; "
              f"ballots stored={ballots}, participation={parts}, receipts missing={len(missing)}")
        if res["failures"]:
            kinds: dict[str, int] = {}
            for f in res["failures"]:
                kinds[f] = kinds.get(f, 0) + 1
            print(f"[{engine}] failures: {kinds}")
        print(f"target 0 errors and exactly {reps} ballots ({engine}): {'met' if ok else 'MISSED'}")
        return {"ok": ok}
    finally:
        ws.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"cores (nproc): {os.cpu_count()}")
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    results = [run(e, args.reps, args.workers or (1 if e == "sqlite" else 2), args.keep) for e in engines]
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
