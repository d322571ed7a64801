"""consult/backup.py without a database: no password in a message or on a command line, a
clear error when the PostgreSQL client programs are missing."""

from __future__ import annotations

import subprocess

import pytest

from consult import backup


def test_a_password_is_never_shown():
    url = "postgresql://consult:s3cret%21@db.example:5433/consult"
    assert backup.shown_url(url) == "postgresql://consult:***@db.example:5433/consult"
    assert backup.shown_url("sqlite:///consult.sqlite") == "sqlite:///consult.sqlite"


def test_the_postgresql_programs_get_the_url_in_their_environment_not_their_arguments(monkeypatch, tmp_path):
    seen = {}

    def fake_run(args, env, **kwargs):
        seen["args"], seen["env"] = args, env
        return subprocess.CompletedProcess(args, 0, b"", b"")

    monkeypatch.setattr(backup.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    backup.backup("postgresql://consult:s3cret%21@db.example:5433/city", tmp_path / "b.dump")
    assert not any("s3cret" in a for a in seen["args"])
    assert seen["env"]["PGPASSWORD"] == "s3cret!" and seen["env"]["PGHOST"] == "db.example"
    assert seen["env"]["PGPORT"] == "5433" and seen["env"]["PGDATABASE"] == "city"
    assert seen["args"][:2] == ["/usr/bin/pg_dump", "--format=custom"]


def test_missing_client_programs_give_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump not found"):
        backup.backup("postgresql://postgres@127.0.0.1/x", tmp_path / "b.dump")
    assert not (tmp_path / "b.dump").exists() and not (tmp_path / "b.dump.part").exists()
    (tmp_path / "f.dump").write_bytes(b"x")
    with pytest.raises(backup.BackupError, match="pg_restore not found"):
        backup.restore("postgresql://postgres@127.0.0.1/x", tmp_path / "f.dump")
