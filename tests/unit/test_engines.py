"""consult.engines makes the engine a URL names; consult.db switches the whole app to it."""

from __future__ import annotations

from unittest import mock

import pytest
from piccolo.engine.postgres import PostgresEngine

from consult import cache, db
from consult.engines import make_engine, sqlite_path
from consult.sqlite_pool import PooledSQLiteEngine


def test_sqlite_urls_name_a_file(tmp_path):
    assert sqlite_path("sqlite:///relative.sqlite") == "relative.sqlite"
    assert sqlite_path("sqlite:////abs/path.sqlite") == "/abs/path.sqlite"
    assert sqlite_path("sqlite://") == "consult.sqlite"
    engine = make_engine(f"sqlite:///{tmp_path}/sub/c.sqlite")
    assert isinstance(engine, PooledSQLiteEngine) and (tmp_path / "sub").is_dir()


def _config_of(url: str) -> dict:
    """The engine's connection settings, without Piccolo asking a server for its version."""
    with mock.patch.object(PostgresEngine, "__init__", lambda self, config: setattr(self, "config", config)):
        engine = make_engine(url)
    assert isinstance(engine, PostgresEngine)
    return engine.config


def test_postgres_urls_give_a_postgres_engine():
    assert _config_of("postgresql://alice:secret@db.example:6543/consult") == {
        "host": "db.example", "port": 6543, "user": "alice", "database": "consult", "password": "secret"}
    assert _config_of("postgres://") == {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "postgres"}


def test_other_urls_are_refused():
    with pytest.raises(ValueError, match="Unsupported DATABASE_URL"):
        make_engine("mysql://localhost/consult")


def test_switching_databases_forgets_every_cached_value(tmp_path):
    before = db.engine()
    remembered = cache.RevisionCache("test-switch")
    remembered.put((1, "x"), "value")
    try:
        db.use_database(f"sqlite:///{tmp_path}/other.sqlite")
        assert len(remembered) == 0  # revisions of another database describe other data
    finally:
        cache._ALL.remove(remembered)
        import piccolo_conf

        piccolo_conf.DB = before
        for table in db.all_tables():
            table._meta.db = before
        db._current = before
