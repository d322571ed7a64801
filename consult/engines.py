"""Making a database engine from a URL: SQLite by default, PostgreSQL from a postgresql:// URL.

A leaf: piccolo_conf builds its ``DB`` here, and ``consult.db.use_database`` builds the
engine it switches to here. The pooled SQLite engine lives in the adapter
``consult.sqlite_pool`` (which imports nothing of ours either).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from consult.sqlite_pool import PooledSQLiteEngine


def sqlite_path(url: str) -> str:
    # sqlite:///relative.sqlite -> relative.sqlite ; sqlite:////abs/path -> /abs/path
    path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else url.split("sqlite://", 1)[1]
    return path or "consult.sqlite"


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
