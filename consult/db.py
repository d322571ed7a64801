"""The database the application runs on, and the shared ways of writing to it.

Piccolo binds tables to the engine named `DB` in piccolo_conf; `use_database`
rebinds every table (and Piccolo's migration table) so tests and the CLI can
point the whole application at another database at run time. Engines are made in
consult.engines; the pooled SQLite engine is the adapter consult.sqlite_pool.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from consult.engines import make_engine
from consult.sqlite_pool import PooledSQLiteEngine

_current: Engine | None = None

# Called with no argument after use_database() switched engines (consult.cache forgets
# everything it remembered: revisions of another database describe other data).
on_switch: list[Callable[[], None]] = []


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
    for listener in on_switch:
        listener()
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


def unique_violation_table(exc: BaseException) -> str | None:
    """The table whose uniqueness rule refused the row (asyncpg: ``table_name``; sqlite3:
    "UNIQUE constraint failed: table.column, ..."), or None when ``exc`` is something else."""
    if not is_unique_violation(exc):
        return None
    if getattr(exc, "table_name", None):
        return exc.table_name
    failed = str(exc).rpartition("failed:")[2].strip()
    return failed.partition(".")[0] or None


async def purge_deleted_rows(table: str) -> None:
    """Physically remove the old versions of ``table``'s deleted and rewritten rows from the
    database files. Call it outside any transaction, after the commit that deleted them.

    PostgreSQL: ``VACUUM FULL`` writes the table and its indexes anew (their physical order
    is the heap's, the transaction ids of live rows are kept) and drops the old files; it
    holds the table's ACCESS EXCLUSIVE lock meanwhile. SQLite has no per-table vacuum:
    every connection runs with ``secure_delete`` (deleted cells are zeroed), the WAL is
    checkpointed and truncated (its frames hold old page images), the file is rebuilt by
    ``VACUUM`` (rows in key order, no free pages) and the WAL truncated again."""
    db = engine()
    if db.current_transaction.get() is not None:
        raise RuntimeError("purge_deleted_rows runs after the commit, outside any transaction")
    if isinstance(db, PooledSQLiteEngine):
        results = await db.run_alone(["PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"])
        busy = results[-1][0]["busy"] if results[-1] else 0
        if busy:  # a reader held an old snapshot past the busy timeout: the WAL is not empty yet
            raise RuntimeError("the WAL could not be truncated (a reader kept an old snapshot)")
    elif isinstance(db, PostgresEngine):
        await db.run_ddl(f"VACUUM FULL {table}")
    else:
        raise RuntimeError(f"no purge for the engine {type(db).__name__}")


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
