"""Database engines: SQLite by default, PostgreSQL from a postgresql:// URL.

Piccolo binds tables to the engine named `DB` in piccolo_conf; `use_database`
rebinds every table (and Piccolo's migration table) so tests and the CLI can
point the whole application at another database at run time.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

_current: Engine | None = None


def sqlite_path(url: str) -> str:
    # sqlite:///relative.sqlite -> relative.sqlite ; sqlite:////abs/path -> /abs/path
    path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else url.split("sqlite://", 1)[1]
    return path or "consult.sqlite"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=path, timeout=30)
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
