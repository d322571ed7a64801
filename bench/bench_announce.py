"""Benchmark: a staff announcement to 30,000 recipients.

Creates a temporary SQLite database (and, when CONSULT_BENCH_DATABASE_URL=postgresql://...
is set, a temporary PostgreSQL database next to it, dropped afterwards), migrates it,
inserts N active residents with ONE set-based INSERT ... SELECT, then times
`consult.notifications.services.announce()` (the call staff wait for: validation, the
announcement row, one INSERT ... SELECT of every notification, the count, the audit entry,
the commit) to everyone, to one role and to two grids. Prints the figures; the target is
under one second for 30,000 recipients.

    python bench/bench_announce.py [--users 30000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult import db  # noqa: E402


async def _pg_admin(base: str, sql: str) -> None:
    import asyncpg

    p = urlparse(base)
    conn = await asyncpg.connect(
        host=p.hostname or "127.0.0.1", port=p.port or 5432, user=p.username or "postgres",
        password=p.password, database=(p.path or "/postgres").lstrip("/") or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _seed(users: int) -> tuple[object, list[int]]:
    """Places, one staff sender and `users` residents (set-based: one INSERT ... SELECT each)."""
    from consult.accounts.services import create_user, load_viewer
    from consult.accounts.tables import User
    from consult.accounts.demo import load_base_places

    places = await load_base_places()
    grids = places["grids"]
    staff_id = await create_user("bench_staff", "bench-password-1", ["staff"], grid_id=grids[0])
    now = datetime.now(timezone.utc)
    # grid = one of the four demo grids, round robin; the same (unusable) password hash for all
    grid_case = "CASE (n % 4) " + " ".join(f"WHEN {i} THEN {g}" for i, g in enumerate(grids)) + " END"
    cols = "(username, display_name, password_hash, grid, residency_verified, must_change_password, active, created_at)"
    ts = "" if db.is_sqlite() else "::timestamptz"
    if db.is_sqlite():
        sql = (
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {}) "
            f"INSERT INTO account {cols} "
            f"SELECT 'bench' || n, 'Resident ' || n, '!', {grid_case}, 1, 0, 1, {{}} FROM seq"
        )
    else:
        sql = (
            f"INSERT INTO account {cols} "
            f"SELECT 'bench' || n, 'Resident ' || n, '!', {grid_case}, true, false, true, {{}}{ts} "
            "FROM generate_series(1, {}) AS n"
        )
    started = time.perf_counter()
    async with db.transaction():
        args = (users, now) if db.is_sqlite() else (now, users)
        await User.raw(sql, *args)
        await User.raw(
            f"INSERT INTO user_role (\"user\", role, granted_at) SELECT id, 'resident', {{}}{ts} "
            "FROM account WHERE username LIKE 'bench%' AND username <> 'bench_staff'",
            now,
        )
    print(f"  seeded {users:,} residents in {time.perf_counter() - started:.2f} s (set-based)")
    return await load_viewer(staff_id), grids


async def _run(label: str, users: int, repeat: int) -> None:
    from consult.notifications.services import announce, announcement_stats
    from consult.notifications.tables import Notification

    print(f"{label}:")
    staff, grids = await _seed(users)
    cases = [
        ("everyone", dict(grid_ids=[], role=None, everyone=True)),
        ("role resident", dict(grid_ids=[], role="resident", everyone=False)),
        ("two grids", dict(grid_ids=grids[:2], role=None, everyone=False)),
    ]
    for name, target in cases:
        for i in range(repeat):
            started = time.perf_counter()
            aid = await announce(staff, f"Bench {name} {i}", "Water is off on Tuesday from 9 to 12.", **target)
            elapsed = time.perf_counter() - started
            stats = await announcement_stats(aid)
            verdict = "ok" if elapsed < 1.0 else "SLOW"
            print(f"  announce to {name:<13} {stats.recipients:>7,} recipients: {elapsed * 1000:7.1f} ms  [{verdict}]")
    print(f"  notifications in the table now: {await Notification.count():,}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db.use_database(f"sqlite:///{tmp}/bench.sqlite")
        await db.prepare_engine()
        await db.migrate()
        await _run("SQLite (WAL, temporary file)", args.users, args.repeat)
        await db.close_engine()

    base = os.environ.get("CONSULT_BENCH_DATABASE_URL")
    if base and base.startswith("postgres"):
        name = f"consult_bench_{uuid.uuid4().hex[:10]}"
        await _pg_admin(base, f'CREATE DATABASE "{name}"')
        try:
            db.use_database(urlunparse(urlparse(base)._replace(path="/" + name)))
            await db.prepare_engine()
            await db.migrate()
            await _run(f"PostgreSQL ({urlparse(base).hostname})", args.users, args.repeat)
            await db.close_engine()
        finally:
            await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
