"""Caches that can never be stale: every entry is keyed on the database's content revision.

The database bumps ``content_revision.value`` in the same transaction as any write to
the data the public pages show (triggers: topics migration 0100, voting migration 0004;
at COMMIT on PostgreSQL). A
reader takes the revision FIRST and then reads the data, so whatever it stores under
that revision is at least as new as the revision says; a later write changes the
number and the old entries are simply never asked for again (LRU drops them).

This is per process and needs no coordination between workers: each worker checks the
same number in the shared database. The cost of a hit is one tiny query instead of a
page's worth of queries and template work.

A restore (``consult restore``, consult/backup.py) sets the revision to one past both the
restored and the replaced value, so it never brings back a number a worker has cached
other data under.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Hashable

from consult import db

_MISSING = object()


class RevisionCache:
    """A bounded LRU mapping. Keys must include the revision the value was read at."""

    def __init__(self, name: str, size: int = 256) -> None:
        self.name = name
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, asyncio.Event] = {}
        self.hits = 0
        self.misses = 0
        _ALL.append(self)

    def get(self, key: Hashable, default: Any = None) -> Any:
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            self.misses += 1
            return default
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: Hashable, value: Any) -> Any:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value under ``key``, made with ``make()`` and remembered when absent."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = self.put(key, make())
        return value

    async def get_or_load(self, key: Hashable | None, load: Callable[[], Awaitable[Any]]) -> Any:
        """Like ``get_or_make`` for a value read with ``await load()``. A ``None`` key
        (see ``at``) means: read it, do not remember it.

        One load per key at a time: requests that miss while it runs wait for it instead of
        reading the same thing again (at 100,000 topics, 32 simultaneous first views of a
        street's dashboard each recounted everything, and none answered within 10 s)."""
        if key is None:
            return await load()
        value = self.get(key, _MISSING)
        if value is not _MISSING:
            return value
        pending = self._pending.get(key)
        if pending is not None:
            await pending.wait()  # the running load ends (well or not): look again
            value = self.get(key, _MISSING)
            return value if value is not _MISSING else await self.get_or_load(key, load)
        done = self._pending[key] = asyncio.Event()
        try:
            value = self.put(key, await load())
        finally:
            del self._pending[key]
            done.set()
        return value

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


_ALL: list[RevisionCache] = []


def at(revision: int | None, *parts: Hashable) -> tuple | None:
    """The key of something read at ``revision``; None when there is no revision (inside a
    transaction), so ``get_or_load`` reads it without remembering it."""
    return None if revision is None else (revision, *parts)


def clear_all() -> None:
    """Forget everything (another database was switched in: its revisions mean other data)."""
    for cache in _ALL:
        cache.clear()


db.on_switch.append(clear_all)


async def content_revision() -> int | None:
    """The current content revision: read it BEFORE reading the data you cache under it.

    None inside a transaction: what it reads may still be rolled back, and a rolled-back
    bump would hand its number to the next commit with other data."""
    engine = db.engine()
    if engine.current_transaction.get() is not None:
        return None
    rows = await engine.run_querystring(_REVISION_QUERY)
    return int(rows[0]["value"])


def _revision_query():
    from piccolo.querystring import QueryString

    return QueryString("SELECT value FROM content_revision WHERE id = 1")


_REVISION_QUERY = _revision_query()


# ---------------------------------------------------------------- the triggers (used by migrations)

_BUMP = "UPDATE content_revision SET value = value + 1 WHERE id = 1"


async def install_revision_triggers(db, tables: tuple[str, ...], name_only: dict[str, str] | None = None) -> None:
    """Make every INSERT, UPDATE and DELETE on ``tables`` (and an UPDATE of the column
    ``name_only[table]`` on those tables) bump the content revision. Creates the revision
    row and the PostgreSQL function first if no earlier migration did."""
    from piccolo.engine.sqlite import SQLiteEngine

    await db.run_ddl("CREATE TABLE IF NOT EXISTS content_revision (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)")
    if not await db.run_querystring(_revision_query()):
        await db.run_ddl("INSERT INTO content_revision (id, value) VALUES (1, 1)")
    name_only = name_only or {}
    if isinstance(db, SQLiteEngine):
        # SQLite has one writer at a time: a plain row trigger is enough.
        for table in tables:
            for verb in ("INSERT", "UPDATE", "DELETE"):
                await db.run_ddl(f"CREATE TRIGGER content_rev_{table}_{verb.lower()} AFTER {verb} ON {table} "
                                 f"BEGIN {_BUMP}; END")
        for table, column in name_only.items():
            await db.run_ddl(f"CREATE TRIGGER content_rev_{table}_{column} AFTER UPDATE OF {column} ON {table} "
                             f"BEGIN {_BUMP}; END")
        return
    # PostgreSQL: bump at COMMIT (deferred constraint trigger) so the revision row is
    # always the last lock a transaction takes (no lock-order deadlocks with the rows it
    # wrote), and only once per transaction (a bulk COPY of 100,000 comments must not
    # write 100,000 row versions).
    await db.run_ddl(
        "CREATE OR REPLACE FUNCTION content_revision_bump() RETURNS trigger AS $$ BEGIN "
        "IF current_setting('consult.revision_bumped', true) IS DISTINCT FROM 'yes' THEN "
        f"{_BUMP}; "
        "PERFORM set_config('consult.revision_bumped', 'yes', true); "
        "END IF; RETURN NULL; END; $$ LANGUAGE plpgsql"
    )
    events = [(t, "INSERT OR UPDATE OR DELETE", t) for t in tables]
    events += [(t, f"UPDATE OF {c}", f"{t}_{c}") for t, c in name_only.items()]
    for table, event, name in events:
        await db.run_ddl(
            f"CREATE CONSTRAINT TRIGGER content_rev_{name} AFTER {event} ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION content_revision_bump()"
        )
