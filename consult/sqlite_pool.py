"""The one place that leans on private internals of aiosqlite and Piccolo: a pooled SQLite engine.

Piccolo's SQLite engine opens a new connection (a new thread, a fresh schema parse) for
every query outside a transaction; this adapter keeps up to 16 open and reuses them, and
runs each pooled query in ONE hop to the connection's thread (bench/RESULTS.md, "Round 2
causes", item 1). It imports nothing of Consult's.

Written against the pinned versions aiosqlite==0.22.1 and piccolo==1.38.0 (pyproject.toml).
What it relies on, each checked by tests/unit/test_sqlite_adapter.py so that an upgrade
that changes them fails there rather than in production:

- aiosqlite.Connection(connector, iter_chunk_size): its ``_tx`` queue of (future, function)
  pairs served by ``_thread``, its ``_execute(fn, *args)``, ``_running``, ``_connection``
  and the raw ``_conn``; a ``None`` future means "no reply wanted".
- piccolo's SQLiteEngine: ``_run_in_new_connection(query, args, query_type, table)``
  (called for every query outside a transaction), ``connection_kwargs``,
  ``get_version_sync()``, ``_get_inserted_pk(cursor, table)``, ``current_transaction``,
  ``transaction(transaction_type, allow_nested)``.
- piccolo's SQLiteTransaction(engine, transaction_type, allow_nested): ``_parent``,
  ``_committed``, ``_rolled_back``, ``connection``, ``context``, ``begin()``, ``commit()``,
  ``rollback()``.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

# The versions this adapter was written and tested against.
PINNED = {"aiosqlite": "0.22.1", "piccolo": "1.38.0"}
POOL_SIZE = 16


def _execute_fetchall(raw: sqlite3.Connection, query: str, args) -> list:
    """Run on the connection's own thread: the statement, its rows, and the commit
    (a no-op in autocommit mode unless the statement opened a transaction)."""
    cursor = raw.execute(query, args)
    try:
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if raw.in_transaction:
        raw.commit()
    return rows


def _settle(future: asyncio.Future, ok: bool, value) -> None:
    if not future.done():
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


async def _on_thread(conn, fn, *args, **kwargs):
    """Run ``fn(*args)`` on the aiosqlite connection's own thread and await its result.

    Like aiosqlite's ``_execute``, except that a result whose event loop has closed in
    the meantime (a cancelled request at shutdown, a test's loop) is dropped instead of
    raising in the worker thread, which killed the thread ("Event loop is closed")."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def run() -> None:
        try:
            ok, value = True, fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            ok, value = False, exc
        try:
            loop.call_soon_threadsafe(_settle, future, ok, value)
        except RuntimeError:
            pass  # the loop is closed: nobody is waiting any more

    conn._tx.put_nowait((None, run))  # aiosqlite's queue: (future, function); None: no reply
    return await future


@functools.cache
def _connection_class():
    import aiosqlite

    class _Connection(aiosqlite.Connection):
        """aiosqlite's connection, with every call's result handed back through
        ``_on_thread`` (transactions and cursors too, not only pooled queries)."""

        async def _execute(self, fn, *args, **kwargs):
            if not self._running or not self._connection:
                raise ValueError("Connection closed")
            return await _on_thread(self, fn, *args, **kwargs)

    return _Connection


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a new connection (a new thread, a fresh schema parse)
    for every query outside a transaction: about 1 ms each, most of a page's time (a topic
    page runs ~15 queries). This one keeps up to ``keep`` such connections open and reuses
    them. They run in autocommit mode exactly as before (``isolation_level=None``);
    a transaction borrows one for its duration (see ``_PooledTransaction``). Connections are not tied to an event
    loop (aiosqlite resolves each call's future on the caller's loop), and their threads
    are daemons so an unclosed one never holds up the interpreter's exit."""

    __slots__ = ("_idle", "_keep")

    def __init__(self, *args, keep: int = POOL_SIZE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list = []
        self._keep = keep

    async def _open(self):
        conn = _connection_class()(lambda: sqlite3.connect(**self.connection_kwargs), 64)
        thread = getattr(conn, "_thread", None)
        if thread is not None:
            thread.daemon = True
        await conn
        conn.row_factory = dict_factory
        await conn.execute("PRAGMA foreign_keys = 1")
        # A deleted row's bytes are overwritten with zeros, not left in a free cell or page
        # (a closed vote's sealed ballots, consult.voting.sealing; db.purge_deleted_rows).
        await conn.execute("PRAGMA secure_delete = ON")
        return conn

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if args is None:
            args = []
        conn = await self._take()
        try:
            if query_type == "insert" and self.get_version_sync() < 3.35:
                async with conn.execute(query, args) as cursor:
                    await conn.commit()
                    assert table is not None
                    pk = await self._get_inserted_pk(cursor, table)
                    result = [{table._meta.primary_key._meta.db_column_name: pk}]
            else:
                # One trip to the connection's thread instead of four (execute, commit,
                # fetchall, close): each trip costs more than a small indexed query.
                result = await conn._execute(_execute_fetchall, conn._conn, query, args)
        except BaseException:
            await conn.close()
            raise
        await self._give_back(conn)
        return result

    async def run_alone(self, statements: list[str]) -> list[list]:
        """Run statements that cannot run in a transaction (VACUUM, wal_checkpoint) on one
        connection, while this process's other writers wait (the write lock of
        ``_PooledTransaction``); the rows of each statement."""
        async with _write_lock():
            conn = await self._take()
            try:
                results = [await conn._execute(_execute_fetchall, conn._conn, sql, []) for sql in statements]
            except BaseException:
                await conn.close()
                raise
            await self._give_back(conn)
        return results

    async def close_idle(self) -> None:
        while self._idle:
            await self._idle.pop().close()

    async def _take(self):
        return self._idle.pop() if self._idle else await self._open()

    async def _give_back(self, conn) -> None:
        if len(self._idle) < self._keep:
            self._idle.append(conn)
        else:
            await conn.close()

    def transaction(self, transaction_type=TransactionType.deferred, allow_nested=True):
        return _PooledTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)


# One writer at a time inside this process: a write transaction waits here (no time limit)
# instead of in SQLite's busy handler, whose 30 s timeout turned a queue of 1,000 concurrent
# casts into "database is locked" errors. Other processes still meet the busy timeout.
_write_locks: dict = {}


def _write_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _write_locks.get(loop)
    if lock is None:
        for old in [k for k in _write_locks if k.is_closed()]:
            del _write_locks[old]
        lock = _write_locks[loop] = asyncio.Lock()
    return lock


class _PooledTransaction(SQLiteTransaction):
    """A SQLite transaction on a pooled connection, serialised with the process's other
    write transactions (IMMEDIATE / EXCLUSIVE). Nested use joins the outer transaction."""

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        self._lock = _write_lock() if self.transaction_type is not TransactionType.deferred else None
        if self._lock is not None:
            await self._lock.acquire()
        try:
            self.connection = await self.engine._take()
            try:
                await self.begin()
            except BaseException:
                await self.connection.close()
                raise
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        healthy = True
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            healthy = False
            raise
        finally:
            if healthy:
                await self.engine._give_back(self.connection)
            else:
                try:
                    await self.connection.execute("ROLLBACK")
                except Exception:  # noqa: BLE001 - no transaction left to roll back
                    pass
                await self.connection.close()
            self.engine.current_transaction.reset(self.context)
            if self._lock is not None:
                self._lock.release()
        return exception is None
