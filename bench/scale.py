"""Scale data for load tests: ``python bench/scale.py --scale N`` (after ``consult demo``).

Generates a realistic community of N topics on top of the demo community: residents
(about one per four topics, at least 300) and 200 representatives, every topic with
on average about 10 comments (some replies, party-member badges, guidance, a few
pinned or hidden), 5 seconds and 3 stances, states spread across the whole lifecycle
with the matching timeline events, project sheets, progress updates, supervision
notes and ratings; and 3 votes with their rolls, candidates, participation records
and ballots (two published, one open). Every 1,000th topic is a busy discussion with
exactly 100 comments (the benchmark's "topic page with 100 comments").

Rows are written with set-based inserts (``executemany`` on SQLite, ``COPY`` on
PostgreSQL) on one connection, one transaction per chunk of topics, never one ORM save
per row. Primary keys are assigned here (from the current maximum) so child rows can
point at their parents without reading ids back; PostgreSQL's sequences are moved past
them at the end. All generated accounts share ONE argon2 hash of the demo password.

It respects the same uniqueness rules as the services (one second, stance, follow
per person per topic; one rating per person per topic per round; one project sheet per
topic; one roll entry and one participation per representative per vote). It is
idempotent: topics by generated authors are counted first and only the missing ones
are added; accounts and votes are looked up by their user name / title.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

# bench/ is the script's directory (sys.path[0]) for every bench script that imports this
from scale_data import (CHUNK_TOPICS, COMMUNITIES_PER_STREET, COMMUNITY_NAME, GRID_NAMES, ISSUES, PLACES,
                        REP_PREFIX, REPRESENTATIVES, RESIDENT_PREFIX, STREET_NAME, UNITS, VOTE_TITLE, random_name)
from scale_topics import TopicGen

from consult import db
from consult.settings import load_settings


# ---------------------------------------------------------------- the bulk writer


class BulkWriter:
    """One connection of its own; ``insert`` writes many rows with one statement."""

    def __init__(self) -> None:
        from piccolo.engine.sqlite import SQLiteEngine

        self.engine = db.engine()
        self.sqlite = isinstance(self.engine, SQLiteEngine)
        self.conn: Any = None

    async def __aenter__(self) -> "BulkWriter":
        if self.sqlite:
            import aiosqlite

            self.conn = await aiosqlite.connect(self.engine.connection_kwargs["database"], isolation_level=None)
            await self.conn.execute("PRAGMA busy_timeout = 30000")
            await self.conn.execute("PRAGMA foreign_keys = ON")
        else:
            import asyncpg

            self.conn = await asyncpg.connect(**self.engine.config)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.conn.close()

    async def fetchval(self, sql: str, *args) -> Any:
        if self.sqlite:
            async with self.conn.execute(sql.replace("$1", "?"), args) as cur:
                row = await cur.fetchone()
                return row[0] if row else None
        return await self.conn.fetchval(sql, *args)

    async def fetch(self, sql: str, *args) -> list[tuple]:
        if self.sqlite:
            async with self.conn.execute(sql.replace("$1", "?").replace("$2", "?"), args) as cur:
                return [tuple(r) for r in await cur.fetchall()]
        return [tuple(r) for r in await self.conn.fetch(sql, *args)]

    async def execute(self, sql: str, *args) -> None:
        if self.sqlite:
            await self.conn.execute(sql.replace("$1", "?").replace("$2", "?"), args)
        else:
            await self.conn.execute(sql, *args)

    async def next_id(self, table: str) -> int:
        return int(await self.fetchval(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')) + 1

    def transaction(self):
        return _Tx(self)

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Call inside ``transaction()``."""
        if not rows:
            return
        if self.sqlite:
            cols = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            await self.conn.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        else:
            await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def fix_sequences(self, tables: Iterable[str]) -> None:
        if self.sqlite:
            return
        for table in tables:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{table}\"), 1))"
            )


class _Tx:
    def __init__(self, writer: BulkWriter) -> None:
        self.w = writer
        self.pg_tx = None

    async def __aenter__(self):
        if self.w.sqlite:
            await self.w.conn.execute("BEGIN IMMEDIATE")
        else:
            self.pg_tx = self.w.conn.transaction()
            await self.pg_tx.start()
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if self.w.sqlite:
            await self.w.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        elif exc_type:
            await self.pg_tx.rollback()
        else:
            await self.pg_tx.commit()
        return False


# ---------------------------------------------------------------- accounts


async def ensure_accounts(w: BulkWriter, prefix: str, count: int, roles: list[str], grid_ids: list[int],
                          password_hash: str, rng: random.Random, party_share: float = 0.0,
                          community_of: dict[int, int] | None = None) -> list[dict]:
    """Accounts ``{prefix}{n:05d}`` for n in 1..count (created when missing), with ``roles``
    (and ``party_member`` for a share of them) granted at the community of their grid
    (``community_of``: grid id -> community id; as `create_user` grants them). Returns
    [{id, grid, party}] in order."""
    community_of = community_of or {}
    names = [f"{prefix}{n:05d}" for n in range(1, count + 1)]
    existing = {
        r[0]: r for r in await w.fetch(
            "SELECT username, id, grid FROM account WHERE username LIKE $1", f"{prefix}%"
        )
    }
    now = datetime.now(timezone.utc)
    next_id = await w.next_id("account")
    accounts, user_rows, role_rows = [], [], []
    for name in names:
        if name in existing:
            _, uid, grid = existing[name]
            accounts.append({"id": uid, "grid": grid, "party": False})
            continue
        grid = rng.choice(grid_ids)
        party = rng.random() < party_share
        uid = next_id
        next_id += 1
        created = now - timedelta(days=rng.uniform(30, 900))
        user_rows.append((uid, name, random_name(rng), password_hash, grid, True, False, True, created))
        for role in roles + (["party_member"] if party else []):
            role_rows.append((uid, role, created, community_of.get(grid)))
        accounts.append({"id": uid, "grid": grid, "party": party})
    # party flag of existing accounts
    if existing:
        party_ids = {r[0] for r in await w.fetch(
            "SELECT r.\"user\" FROM user_role r JOIN account a ON a.id = r.\"user\" "
            "WHERE r.role = 'party_member' AND a.username LIKE $1", f"{prefix}%")}
        for a in accounts:
            a["party"] = a["party"] or a["id"] in party_ids
    for start in range(0, len(user_rows), 5000):
        async with w.transaction():
            await w.insert("account", ["id", "username", "display_name", "password_hash", "grid",
                                       "residency_verified", "must_change_password", "active", "created_at"],
                           user_rows[start:start + 5000])
    for start in range(0, len(role_rows), 10000):
        async with w.transaction():
            await w.insert("user_role", ["user", "role", "granted_at", "place"], role_rows[start:start + 10000])
    await w.fix_sequences(["account"])
    return accounts


# ---------------------------------------------------------------- votes


def ballots_for(rng: random.Random, vote_id: int, roll: list[tuple[int, int]], candidate_ids: list[int], seats: int,
                favoured: set[int], turnout: float) -> tuple[list[tuple], list[tuple]]:
    """Participation rows (user) and ballot rows (id, receipt, weight_cents, choices) for a roll."""
    from consult.voting.domain import new_nonce, receipt_code

    parts, ballots, used_ids = [], [], set()
    for user_id, cents in roll:
        if rng.random() >= turnout:
            continue
        approve = [c for c in candidate_ids if rng.random() < (0.8 if c in favoured else 0.2)]
        approve.sort(key=lambda c: c not in favoured)
        approve = set(approve[:seats])
        choices = {str(c): ("approve" if c in approve else rng.choice(("oppose", "abstain"))) for c in candidate_ids}
        weight = f"{cents // 100}" + (f".{cents % 100:02d}".rstrip("0") if cents % 100 else "")
        receipt = receipt_code({"vote": vote_id, "weight": weight, "choices": choices}, new_nonce())
        bid = secrets.randbelow(2**31 - 2) + 1
        while bid in used_ids:
            bid = secrets.randbelow(2**31 - 2) + 1
        used_ids.add(bid)
        parts.append((user_id,))
        ballots.append((bid, receipt, cents, json.dumps(choices)))
    return parts, ballots


async def write_vote(w: BulkWriter, rng: random.Random, vote_id: int, title: str, year: int, state: str,
                     seats: int, candidates: list[dict], roll: list[tuple[int, int]], favoured_topics: set,
                     turnout: float, staff_id: int | None, place: int | None = None) -> int:
    """One vote at ``place`` (its candidates may come from anywhere below it) with its
    candidates, roll, participation and ballots. Returns the ballot count."""
    now = datetime.now(timezone.utc)
    opened = now - timedelta(days=365 * (2026 - year) + 30) if year < 2026 else now - timedelta(days=2)
    closed = opened + timedelta(days=7) if state == "published" else None
    cand_id = await w.next_id("candidate")
    cand_rows, ids, favoured = [], [], set()
    for pos, c in enumerate(candidates):
        cand_rows.append((cand_id, vote_id, c.get("topic"), c["title"], c.get("description", ""), c["cost"],
                          c.get("support", 0), c.get("unit", ""), pos))
        ids.append(cand_id)
        if c.get("topic") in favoured_topics or c.get("favoured"):
            favoured.add(cand_id)
        cand_id += 1
    parts, ballots = ballots_for(rng, vote_id, roll, ids, seats, favoured, turnout)
    if state == "open":  # stored as cast_ballot stores them: sealed (consult.voting.sealing)
        from consult.voting import sealing

        ballots = [(bid, sealing.tag(vote_id, receipt), cents, "{}", sealing.seal(vote_id, receipt, json.loads(c)))
                   for bid, receipt, cents, c in ballots]
    else:  # as close_vote leaves them: plain
        ballots = [(bid, receipt, cents, c, "") for bid, receipt, cents, c in ballots]
    async with w.transaction():
        await w.insert("vote", ["id", "title", "year", "seats", "budget", "basis", "threshold", "secrecy",
                                "public_weight", "rule", "tie_break_support", "equal_number", "equal_number_reason",
                                "state", "round", "created_by", "created_at", "opened_at", "closed_at",
                                "published_at", "place"],
                       [(vote_id, title, year, seats, None, "enrolled", "1/2", "secret", "0", "majority", False,
                         False, "", "open", 1, staff_id, opened - timedelta(days=10), opened, closed,
                         closed + timedelta(hours=1) if closed else None, place)])
        await w.insert("candidate", ["id", "vote", "topic", "title", "description", "cost", "support",
                                     "responsible_unit", "position"], cand_rows)
        await w.insert("roll_entry", ["vote", "user", "weight_cents"], [(vote_id, u, c) for u, c in roll])
        await w.insert("participation", ["vote", "user"], [(vote_id, p[0]) for p in parts])
        await w.insert("ballot", ["id", "vote", "receipt", "weight_cents", "choices", "sealed"],
                       [(b[0], vote_id, b[1], b[2], b[3], b[4]) for b in ballots])
        # The vote is written open and then moved to its state: the database accepts ballots
        # only into an open vote (voting_0006_ballot_guards).
        if state != "open":
            await w.execute("UPDATE vote SET state = $1 WHERE id = $2", state, vote_id)
    await w.fix_sequences(["vote", "candidate"])
    return len(ballots)


# ---------------------------------------------------------------- entry point


async def scale_places(communities: int) -> dict:
    """The communities the generated topics are spread across, with their grids: 1 is the demo
    community 幸福里社区 alone (as before); more adds the demo street's other communities and
    then generated ones, COMMUNITIES_PER_STREET to a generated street, all in the demo district.
    Returns {"communities": [ids], "grids": [ids], "community_of": {grid: community}}."""
    from consult.accounts.demo import load_base_places
    from consult.places.commands import find_or_create

    base = await load_base_places()
    found = [(base["community"], base["grids"])]
    found += [(c["id"], c["grids"]) for c in base["communities"].values()]
    found = found[:communities]
    for n in range(len(found) + 1, communities + 1):
        street_no = (n - 4) // COMMUNITIES_PER_STREET + 1
        street = await find_or_create(None, base["district"], STREET_NAME.format(n=street_no), "street")
        community = await find_or_create(None, street, COMMUNITY_NAME.format(n=n), "community")
        found.append((community, [await find_or_create(None, community, name, "grid", 300 + 40 * i)
                                  for i, name in enumerate(GRID_NAMES)]))
    return {"communities": [c for c, _ in found], "grids": [g for _, grids in found for g in grids],
            "community_of": {g: c for c, grids in found for g in grids}, "district": base["district"]}


async def generate(count: int, seed: int = 20261125, communities: int = 1) -> str:
    """Generate ``count`` topics (and the people and votes around them), spread across
    ``communities`` communities (`scale_places`). Prints nothing; returns a line with what
    was made and how long it took."""
    from consult.accounts import passwords
    from consult.accounts.demo import DEMO_PASSWORD

    started = time.perf_counter()
    if count <= 0:
        return ""
    places = await scale_places(max(1, communities))
    rng = random.Random(seed)
    async with BulkWriter() as w:
        made_before = int(await w.fetchval(
            "SELECT COUNT(*) FROM topic t JOIN account a ON a.id = t.author WHERE a.username LIKE $1",
            f"{RESIDENT_PREFIX}%"))
        if made_before >= count:
            return f"Scale data: {made_before} generated topics already present (asked for {count}); nothing added."
        password_hash = passwords.hash_password(DEMO_PASSWORD)  # ONE hash for every generated account
        residents = await ensure_accounts(w, RESIDENT_PREFIX, max(300, count // 4), ["resident"], places["grids"],
                                          password_hash, rng, party_share=0.08, community_of=places["community_of"])
        reps = await ensure_accounts(w, REP_PREFIX, REPRESENTATIVES, ["representative"], places["grids"],
                                     password_hash, rng, community_of=places["community_of"])
        staff = await w.fetchval("SELECT id FROM account WHERE username = $1", "demo_staff")
        votes_wanted = await _votes_wanted(w)
        gen = await _write_topics(w, rng, residents, reps, staff, votes_wanted, made_before, count)
        ballots = await _write_scale_votes(w, rng, gen, reps, staff, votes_wanted, places["district"])
        topics_now = int(await w.fetchval("SELECT COUNT(*) FROM topic"))
        comments_now = int(await w.fetchval("SELECT COUNT(*) FROM topic_comment"))
    seconds = time.perf_counter() - started
    return (f"Scale data: {count - made_before} topics generated ({topics_now} topics, {comments_now} comments in "
            f"total) in {len(places['communities'])} communities, {len(residents)} generated residents, "
            f"{len(reps)} representatives, {len(votes_wanted)} votes "
            f"with {ballots} ballots, in {seconds:.1f} s.")


async def _votes_wanted(w: BulkWriter) -> list[tuple]:
    """The three scale votes not there yet: two published (2024, 2025), one open (2026); ids reserved now."""
    votes_wanted = []
    next_vote = await w.next_id("vote")
    for year, state in ((2024, "published"), (2025, "published"), (2026, "open")):
        title = VOTE_TITLE.format(year=year)
        if await w.fetchval("SELECT id FROM vote WHERE title = $1", title) is None:
            votes_wanted.append((next_vote, title, year, state))
            next_vote += 1
    return votes_wanted


async def _write_topics(w: BulkWriter, rng: random.Random, residents, reps, staff, votes_wanted, made_before: int,
                        count: int) -> TopicGen:
    committee = await w.fetchval("SELECT id FROM account WHERE username = $1", "demo_committee")
    categories = [(r[0], r[1]) for r in await w.fetch("SELECT id, slug FROM category ORDER BY id")]
    slots = {
        "elected": [v[0] for v in votes_wanted if v[3] == "published"],
        "not_elected": [v[0] for v in votes_wanted if v[3] == "published"],
        "open": next((v[0] for v in votes_wanted if v[3] == "open"), None),
    }
    gen = TopicGen(rng, residents, reps, categories, committee, staff, slots, await w.next_id("topic_comment"))
    if slots["open"] is None:
        gen.open_candidates = [None] * 10  # no open vote to fill
    next_topic = await w.next_id("topic")
    for number in range(made_before + 1, count + 1):
        gen.topic(next_topic, number)
        next_topic += 1
        if len(gen.topics) >= CHUNK_TOPICS:
            await gen.flush(w)
    await gen.flush(w)
    await w.fix_sequences(["topic", "topic_comment"])
    return gen


async def _write_scale_votes(w: BulkWriter, rng: random.Random, gen: TopicGen, reps, staff, votes_wanted,
                             place: int) -> int:
    """The scale votes (at the district: their candidates come from every community) with
    the topics linked to them as candidates; returns the ballot count."""
    roll = [(r["id"], rng.choice((100, 100, 100, 150, 200, 250, 300))) for r in reps]
    ballots = 0
    for vote_id, title, year, state in votes_wanted:
        if state == "published":
            linked = gen.linked.get(vote_id, {"elected": [], "not": []})
            cands = [dict(c, favoured=True) for c in linked["elected"]] + list(linked["not"])
        else:
            cands = [c for c in gen.open_candidates if c]
        while len(cands) < (12 if state == "published" else 6):
            n = len(cands) + 1
            cands.append({"title": f"{rng.choice(PLACES)}{rng.choice(ISSUES['facilities'])}改造（{year}-{n}）",
                          "cost": rng.randint(2, 60) * 10000, "favoured": state == "published" and n % 2 == 1,
                          "unit": rng.choice(UNITS), "support": rng.randint(0, 40)})
        seats = max(1, sum(1 for c in cands if c.get("favoured"))) if state == "published" else 3
        ballots += await write_vote(w, rng, vote_id, title, year, state, seats, cands, roll, set(),
                                    turnout=0.92 if state == "published" else 0.5, staff_id=staff, place=place)
    return ballots


async def bench_vote(representatives: int, title: str, candidates: int = 8, seats: int = 3,
                     prefix: str = "bench_rep") -> dict:
    """For the casting benchmarks: ``representatives`` accounts ``{prefix}NNNNN`` (password: the
    demo password) on the roll of a new OPEN vote ``title`` with no ballots yet.
    Returns {"vote": id, "usernames": [...], "candidates": [ids]}."""
    from consult.accounts import passwords
    from consult.accounts.demo import DEMO_PASSWORD, load_base_places

    places = await load_base_places()
    rng = random.Random(7)
    async with BulkWriter() as w:
        reps = await ensure_accounts(w, prefix, representatives, ["representative"], places["grids"],
                                     passwords.hash_password(DEMO_PASSWORD), rng,
                                     community_of={g: places["community"] for g in places["grids"]})
        vote_id = await w.next_id("vote")
        first_candidate = await w.next_id("candidate")
        cands = [{"title": f"基准测试候选项目 {n}", "cost": 10000 * n} for n in range(1, candidates + 1)]
        await write_vote(w, rng, vote_id, title, 2026, "open", seats, cands, [(r["id"], 100) for r in reps],
                         set(), turnout=0.0, staff_id=None, place=places["community"])
    return {"vote": vote_id, "usernames": [f"{prefix}{n:05d}" for n in range(1, representatives + 1)],
            "candidates": list(range(first_candidate, first_candidate + candidates))}


async def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate scale data for load tests into DATABASE_URL "
                                                 "(load the demo community first: consult demo).")
    parser.add_argument("--scale", type=int, required=True, help="generate N topics with their discussions")
    parser.add_argument("--communities", type=int, default=1,
                        help="spread them across M communities (1: the demo community; more: the demo street's "
                             f"three, then generated ones, {COMMUNITIES_PER_STREET} to a street)")
    args = parser.parse_args(argv)
    settings = load_settings()
    db.use_database(settings.database_url)
    from consult.voting import sealing

    sealing.configure(settings.secret_key)  # the open vote's ballots are sealed
    await db.prepare_engine()
    try:
        print(await generate(args.scale, communities=args.communities))
    finally:
        await db.close_engine()


if __name__ == "__main__":
    asyncio.run(_main())
