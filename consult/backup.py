"""`consult backup FILE` and `consult restore FILE`: one consistent copy of the whole database.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while the app runs, WAL included, into FILE (one self-contained file, mode 0600). A restore
takes an exclusive lock on the live file first and refuses while anything else holds the
database open (stop ``consult serve`` first), then copies the backup into the live file
through the same API (no rename under open connections; the stale -wal is folded in).

PostgreSQL: ``pg_dump --format=custom``; a restore runs ``pg_restore --clean --if-exists
--no-owner`` as one ``psql --single-transaction`` script that first locks the content
revision row's table, so readers wait for the whole restore and never see half of it.
The URL's parts go to the client programs as PG* environment variables: no password on a
command line or in a message.

Either way the restored content revision is ``max(restored, before) + 1``, read under the
lock: greater than any revision a running worker has cached under (consult/cache.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

from consult.engines import sqlite_path

REVISION_SQL = "SELECT value FROM content_revision WHERE id = 1"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


def shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.rsplit("@", 1)[1]
    return parsed._replace(netloc=f"{parsed.username}:***@{netloc}").geturl()


def backup(url: str, file: Path) -> None:
    """Write a backup of the database at `url` to `file` (replaced atomically when done)."""
    part = file.with_name(file.name + ".part")
    part.unlink(missing_ok=True)
    try:
        part.touch(mode=0o600)
        if url.startswith("sqlite"):
            _sqlite_backup(Path(sqlite_path(url)), part)
        else:
            _pg_run(["pg_dump", "--format=custom", "--no-password", f"--file={part}"], url)
        os.chmod(part, 0o600)
        os.replace(part, file)
    finally:
        part.unlink(missing_ok=True)


def restore(url: str, file: Path) -> int:
    """Replace the database at `url` by the backup `file`; returns the new content revision."""
    if not file.is_file():
        raise BackupError(f"no backup file at {file}")
    if url.startswith("sqlite"):
        return _sqlite_restore(Path(sqlite_path(url)), file)
    return _pg_restore(url, file)


# ---------------------------------------------------------------- SQLite


def _sqlite_backup(live: Path, target: Path) -> None:
    if not live.is_file():
        raise BackupError(f"no database at {live}")
    source = sqlite3.connect(live, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()


def _sqlite_revision(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute(REVISION_SQL).fetchone()
    except sqlite3.DatabaseError:
        return 0
    return int(row[0]) if row else 0


def _checked_sqlite_backup(file: Path) -> sqlite3.Connection:
    """The backup file, opened read-only, once it is a whole Consult database."""
    conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        ok, tables = False, set()
    if not ok or not {"content_revision", "migration"} <= tables:
        conn.close()
        raise BackupError(f"{file} is not a Consult SQLite backup")
    return conn


def _sqlite_restore(live: Path, file: Path) -> int:
    source = _checked_sqlite_backup(file)
    live.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(live, timeout=2, isolation_level=None)
    staged = live.with_name(live.name + ".restore")
    try:
        target.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            target.execute("BEGIN EXCLUSIVE")  # held until close: nobody reads or writes meanwhile
        except sqlite3.OperationalError as exc:
            raise BackupError(f"{live} is in use (is consult serve running?): stop it and restore again") from exc
        before = _sqlite_revision(target)
        target.execute("COMMIT")
        revision = _stage(source, staged, before)
        target.execute("PRAGMA journal_mode=DELETE")  # folds in and removes a stale -wal
        with sqlite3.connect(staged) as staged_conn:
            staged_conn.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        return revision
    finally:
        target.close()
        source.close()
        staged.unlink(missing_ok=True)


def _stage(source: sqlite3.Connection, staged: Path, before: int) -> int:
    """Copy the backup to `staged` with its content revision moved past `before`."""
    staged.unlink(missing_ok=True)
    conn = sqlite3.connect(staged)
    try:
        source.backup(conn)
        revision = max(_sqlite_revision(conn), before) + 1
        conn.execute("UPDATE content_revision SET value = ? WHERE id = 1", (revision,))
        conn.commit()
    finally:
        conn.close()
    return revision


# ---------------------------------------------------------------- PostgreSQL


def _pg_env(url: str) -> dict[str, str]:
    parsed = urlparse(url)
    env = dict(os.environ)
    env.update({
        "PGHOST": parsed.hostname or "127.0.0.1",
        "PGPORT": str(parsed.port or 5432),
        "PGUSER": unquote(parsed.username or "postgres"),
        "PGDATABASE": unquote((parsed.path or "/postgres").lstrip("/") or "postgres"),
    })
    if parsed.password:
        env["PGPASSWORD"] = unquote(parsed.password)
    return env


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs (apt install postgresql-client)")
    return path


def _pg_run(args: list[str], url: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([_program(args[0]), *args[1:]], env=_pg_env(url), capture_output=True, **kwargs)
    if done.returncode != 0:
        err = done.stderr if isinstance(done.stderr, str) else done.stderr.decode("utf-8", "replace")
        raise BackupError(f"{args[0]} failed: {err.strip()}")
    return done


_PSQL = ["psql", "--no-psqlrc", "--no-password", "--quiet", "--tuples-only", "--no-align", "-v", "ON_ERROR_STOP=1"]

_PREAMBLE_LOCK = (
    "LOCK TABLE public.content_revision IN ACCESS EXCLUSIVE MODE;\n"
    "CREATE TEMP TABLE consult_restore_before ON COMMIT DROP AS "
    "SELECT COALESCE(MAX(value), 0)::bigint AS value FROM public.content_revision;\n"
)
_PREAMBLE_EMPTY = "CREATE TEMP TABLE consult_restore_before ON COMMIT DROP AS SELECT 0::bigint AS value;\n"
_EPILOGUE = (
    "\nUPDATE public.content_revision SET value = GREATEST(value, "
    "(SELECT value FROM pg_temp.consult_restore_before)) + 1 WHERE id = 1;\n"
    "SELECT 'consult-revision=' || value FROM public.content_revision WHERE id = 1;\n"
)


def _pg_restore(url: str, file: Path) -> int:
    _pg_run(["pg_restore", "--list", str(file)], url)  # a custom-format archive, or a clear error
    exists = _pg_run([*_PSQL, "-c", "SELECT to_regclass('public.content_revision') IS NOT NULL"], url, text=True)
    preamble = _PREAMBLE_LOCK if exists.stdout.strip() == "t" else _PREAMBLE_EMPTY
    script = _pg_run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--file=-", str(file)], url).stdout
    done = _pg_run([*_PSQL, "--single-transaction", "-f", "-"], url,
                   input=preamble.encode() + script + _EPILOGUE.encode())
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("consult-revision="):
            return int(line.split("=", 1)[1])
    raise BackupError("the restored database has no content revision: is this a Consult backup?")
