"""Database engines: SQLite by default, PostgreSQL from a postgresql:// URL.

Piccolo binds tables to the engine named `DB` in piccolo_conf; `use_database`
rebinds every table (and Piccolo's migration table) so tests and the CLI can
point the whole application at another database at run time.
"""

from __future__ import annotations

from typing import Any

import asyncio
import functools
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

_current: Engine | None = None


def sqlite_path(url: str) -> str:
    # sqlite:///relative.sqlite -> relative.sqlite ; sqlite:////abs/path -> /abs/path
    path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else url.split("sqlite://", 1)[1]
    return path or "consult.sqlite"


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

    def __init__(self, *args, keep: int = 16, **kwargs) -> None:
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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=path, timeout=30)
    if url.startswith(("postgresql://", "postgres://")):
        parsed = urlparse(url)
        config = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": parsed.username or "postgres",
            "database": (parsed.path or "/postgres").lstrip("/") or "postgres",
        }
        if parsed.password:
            config["password"] = parsed.password
        return PostgresEngine(config=config)
    raise ValueError(f"Unsupported DATABASE_URL {url!r}: use sqlite:///FILE or postgresql://...")


def all_tables():
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    tables = [Migration]
    for app_config in Finder().get_app_registry().app_configs.values():
        tables.extend(app_config.table_classes)
    return tables


def use_database(url: str) -> Engine:
    """Point piccolo_conf.DB and every table at the database at `url`."""
    global _current
    import piccolo_conf

    engine = make_engine(url)
    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine
    _current = engine
    from consult.cache import clear_all

    clear_all()  # revisions of another database describe other data
    return engine


def engine() -> Engine:
    if _current is None:
        import piccolo_conf

        return piccolo_conf.DB
    return _current


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def transaction():
    """One unit of work. On SQLite take the write lock up front (IMMEDIATE) so
    concurrent writers queue on the busy timeout instead of failing mid-way."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def prepare_engine() -> None:
    """Per-engine start-up: WAL for SQLite, a connection pool for PostgreSQL."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode=WAL")
    elif isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=10)


async def close_engine() -> None:
    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine):
        await db.close_idle()


async def migrate() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"Migrations failed: {result.message}")


def migrate_sync() -> None:
    asyncio.run(migrate())


async def check() -> bool:
    try:
        await engine().run_ddl("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - health check reports any failure as unhealthy
        return False


def is_unique_violation(exc: BaseException) -> bool:
    """A uniqueness rule of the database refused the row (asyncpg or sqlite3)."""
    name = type(exc).__name__
    return name == "UniqueViolationError" or (name == "IntegrityError" and "UNIQUE" in str(exc).upper())


async def insert_once(row: Any, already: Any, refusal: Exception) -> None:
    """Insert ``row`` where a one-per-person rule (a unique index) allows only one.

    ``already`` is the ``exists()`` query for the row the rule would clash with: checked
    first for a clear answer, while the unique index decides under a race (two requests
    past the check at once). Either way the person gets ``refusal``. Call it inside the
    command's transaction."""
    if await already:
        raise refusal
    try:
        await type(row).insert(row)
    except Exception as exc:
        if is_unique_violation(exc):
            raise refusal from exc
        raise
