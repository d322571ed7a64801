"""consult.sqlite_pool leans on private internals of aiosqlite and Piccolo. These tests check
each one it uses still exists and behaves as assumed, so an upgrade that changes them
fails here (and names what changed) instead of in production."""

from __future__ import annotations

import inspect
import queue
import threading
from importlib.metadata import version

import aiosqlite
import pytest
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

from consult import sqlite_pool
from consult.sqlite_pool import POOL_SIZE, PooledSQLiteEngine
from tests.conftest import run as run_async


def _params(fn) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_versions_are_the_pinned_ones():
    # Upgrading either? Re-read the internals listed in consult/sqlite_pool.py, then bump PINNED.
    assert {name: version(name) for name in sqlite_pool.PINNED} == sqlite_pool.PINNED


def test_aiosqlite_connection_internals():
    assert _params(aiosqlite.Connection.__init__)[:3] == ["self", "connector", "iter_chunk_size"]
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    assert _params(aiosqlite.Connection._execute) == ["self", "fn", "args", "kwargs"]
    assert isinstance(aiosqlite.Connection.__dict__["_conn"], property)
    conn = aiosqlite.Connection(lambda: None, 64)
    assert conn._running is True and conn._connection is None
    assert isinstance(conn._thread, threading.Thread) and not conn._thread.is_alive()
    assert isinstance(conn._tx, queue.SimpleQueue)


def test_aiosqlite_worker_runs_a_queued_function_without_a_reply_future():
    """_on_thread puts (None, function) on the queue and settles its own future."""

    async def run():
        conn = sqlite_pool._connection_class()(lambda: __import__("sqlite3").connect(":memory:"), 64)
        await conn
        try:
            assert await sqlite_pool._on_thread(conn, lambda a, b: a + b, 2, 3) == 5
            with pytest.raises(ZeroDivisionError):
                await sqlite_pool._on_thread(conn, lambda: 1 / 0)
            rows = await conn._execute(sqlite_pool._execute_fetchall, conn._conn, "SELECT 7 AS n", [])
            assert rows == [(7,)]
        finally:
            await conn.close()
        with pytest.raises(ValueError):
            await conn._execute(lambda: None)  # closed: refused like aiosqlite's own

    run_async(run())


def test_piccolo_sqlite_engine_internals():
    assert _params(SQLiteEngine._run_in_new_connection) == ["self", "query", "args", "query_type", "table"]
    assert _params(SQLiteEngine._get_inserted_pk) == ["self", "cursor", "table"]
    assert _params(SQLiteEngine.transaction) == ["self", "transaction_type", "allow_nested"]
    assert callable(SQLiteEngine.get_version_sync)
    assert "connection_kwargs" in SQLiteEngine.__slots__


def test_piccolo_sqlite_transaction_internals(tmp_path):
    assert _params(SQLiteTransaction.__init__) == ["self", "engine", "transaction_type", "allow_nested"]
    for name in ("begin", "commit", "rollback"):
        assert inspect.iscoroutinefunction(getattr(SQLiteTransaction, name))
    engine = PooledSQLiteEngine(path=str(tmp_path / "t.sqlite"))
    tx = SQLiteTransaction(engine=engine, transaction_type=TransactionType.immediate)
    assert (tx._parent, tx._committed, tx._rolled_back) == (None, False, False)
    assert engine.current_transaction.get() is None


def test_pool_reuses_connections_with_one_thread_hop_per_query(tmp_path):
    async def run():
        engine = PooledSQLiteEngine(path=str(tmp_path / "p.sqlite"))
        await engine.run_ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        assert len(engine._idle) == 1
        conn = engine._idle[0]
        hops = []
        worker_queue = conn._tx  # the worker thread holds this very queue

        class Counting:
            def put_nowait(self, item):
                hops.append(item)
                worker_queue.put_nowait(item)

        conn._tx = Counting()
        await engine.run_ddl("INSERT INTO t (v) VALUES ('a')")
        assert await engine.run_ddl("SELECT v FROM t") == [{"v": "a"}]  # dict rows, committed
        assert len(hops) == 2 and engine._idle == [conn]
        conn._tx = worker_queue
        await engine.close_idle()
        assert engine._idle == []
        assert engine._keep == POOL_SIZE == 16

    run_async(run())


def test_pooled_transaction_commits_rolls_back_and_nests(tmp_path):
    async def run():
        engine = PooledSQLiteEngine(path=str(tmp_path / "x.sqlite"))
        await engine.run_ddl("CREATE TABLE t (v TEXT)")
        async with engine.transaction(transaction_type=TransactionType.immediate) as outer:
            await engine.run_ddl("INSERT INTO t VALUES ('kept')")
            async with engine.transaction() as inner:
                assert inner is outer
            assert engine.current_transaction.get() is outer
        with pytest.raises(RuntimeError):
            async with engine.transaction(transaction_type=TransactionType.immediate):
                await engine.run_ddl("INSERT INTO t VALUES ('gone')")
                raise RuntimeError("fail")
        assert engine.current_transaction.get() is None
        assert await engine.run_ddl("SELECT v FROM t") == [{"v": "kept"}]
        assert len(engine._idle) == 1  # the transaction's connection went back to the pool
        await engine.close_idle()

    run_async(run())
