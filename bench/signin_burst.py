"""Benchmark: /healthz latency while a burst of 40 parallel sign-ins hits a real server.

Issue 12, finding 5: argon2 ran on the event loop, so 40 parallel wrong guesses froze every
other request (/healthz: 1.3 ms -> 3.2 s), and all 40 were evaluated. For each copy of the
code (``--before DIR`` is measured first, then this tree) the script makes a SQLite
workspace with the demo community and generated residents (one password, the demo one),
starts ``consult serve`` (one worker, production argon2 parameters), and runs:

- idle: /healthz alone, one request at a time;
- wrong: 40 parallel wrong passwords on ONE account from one address (the attack);
- right: 40 parallel right passwords for 40 accounts, each from its own address (through
  CONSULT_TRUSTED_PROXIES and X-Forwarded-For): every one is evaluated on both trees, so
  this shows argon2 on or off the loop whatever the limits do.

During each burst a prober sends /healthz one after another; their latencies are printed
(min / median / p99 / max, ms), with the burst's wall time and its answers.

    python bench/signin_burst.py [--before /path/to/main/checkout] [--burst 40]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import PASSWORD, Server, Workspace  # noqa: E402


def summary(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    return (f"n={len(ms):4d}  min {ms[0]:7.1f}  median {statistics.median(ms):7.1f}  "
            f"p99 {p99:7.1f}  max {ms[-1]:7.1f}")


async def probe_while(client, task: asyncio.Task) -> list[float]:
    samples = []
    while not task.done():
        t0 = time.perf_counter()
        await client.get("/healthz")
        samples.append(time.perf_counter() - t0)
    return samples


async def burst(base: str, logins: list[tuple[str, str, str]]) -> tuple[list[float], float, dict]:
    """Send every (username, password, address) sign-in at once; probe /healthz meanwhile."""
    import httpx

    limits = httpx.Limits(max_connections=len(logins) + 5)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client, \
            httpx.AsyncClient(base_url=base, timeout=120) as prober:
        await client.get("/healthz")
        token = client.cookies.get("csrftoken") or ""

        async def one(username: str, password: str, address: str) -> int:
            r = await client.post("/auth/login", data={"username": username, "password": password, "next": "/"},
                                  headers={"x-csrftoken": token, "x-forwarded-for": address})
            return r.status_code

        await prober.get("/healthz")
        t0 = time.perf_counter()
        task = asyncio.ensure_future(asyncio.gather(*(one(*login) for login in logins)))
        samples = await probe_while(prober, task)
        statuses = await task
        return samples, time.perf_counter() - t0, dict(sorted(collections.Counter(statuses).items()))


async def idle(base: str, n: int = 200) -> list[float]:
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        await client.get("/healthz")
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            await client.get("/healthz")
            samples.append(time.perf_counter() - t0)
        return samples


def measure(label: str, code: str | None, n: int) -> None:
    if code:
        os.environ["BENCH_CODE"] = code
    else:
        os.environ.pop("BENCH_CODE", None)
    ws = Workspace("sqlite", f"signin-{label}")
    ws.env["CONSULT_TRUSTED_PROXIES"] = "127.0.0.1"
    try:
        ws.scale(50)
        server = Server(ws).start()
        try:
            print(f"\n[{label}] code: {code or Path(__file__).resolve().parent.parent}")
            print(f"  idle   /healthz  {summary(asyncio.run(idle(server.base)))}")
            wrong = [("scale_res00001", "wrong-guess-2026", "203.0.113.7")] * n
            right = [(f"scale_res{i:05d}", PASSWORD, f"198.51.100.{i}") for i in range(2, n + 2)]
            for name, logins in (("wrong", wrong), ("right", right)):
                samples, wall, statuses = asyncio.run(burst(server.base, logins))
                print(f"  {name:6s} /healthz  {summary(samples)}   burst {wall:5.2f} s  answers {statuses}")
        finally:
            server.stop()
    finally:
        ws.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", help="a checkout of the code to measure first (e.g. main)")
    parser.add_argument("--burst", type=int, default=40)
    args = parser.parse_args()
    print(f"signin_burst: {args.burst} parallel sign-ins, one worker, SQLite, {os.cpu_count()} CPUs")
    if args.before:
        measure("before", args.before, args.burst)
    measure("after", None, args.burst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
