"""`consult backup` / `consult restore` on the engine the suite runs on (SQLite, or PostgreSQL
with CONSULT_TEST_DATABASE_URL): every acknowledged ballot (the cast returned a receipt) and
every topic comes back, and the content revision moves past anything a worker has seen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
import pytest
from piccolo.querystring import QueryString

from tests.conftest import ROOT, run, text_of
from tests.http.test_caching import revision
from tests.http.test_topics_helpers import Topics, english
from tests.http.test_voting import RECEIPT_RE, cast, open_vote, signed_in, staff  # noqa: F401


def sql(text: str) -> list[dict]:
    from consult import db

    return run(db.engine().run_querystring(QueryString(text)))


def stored_tags(vote_id: int) -> set[str]:
    """While the vote is open a ballot row carries its receipt's tag, not the receipt."""
    return {r["receipt"] for r in sql(f"SELECT receipt FROM ballot WHERE vote = {vote_id}")}


def release_connections() -> None:
    """What stopping the workers does: no SQLite connection is left open (the PostgreSQL
    engine of the tests opens one connection per query: nothing to close)."""
    from consult import db

    if db.is_sqlite():
        run(db.close_engine())


def reopen_connections() -> None:
    """What starting the workers again does."""
    from consult import db

    if db.is_sqlite():
        run(db.prepare_engine())


def test_restore_brings_back_every_acknowledged_ballot_and_topic(
    app, database, staff, make_user, new_client, community, client, tmp_path  # noqa: F811
):
    from consult.backup import backup, restore

    english(client)
    topics = Topics(make_user, community)
    kept = {topics.create(state="discussing", title=f"Topic kept {i}")[0]: f"Topic kept {i}" for i in range(3)}
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1",) * 4)
    acknowledged = set()
    for rep in reps:
        r = cast(signed_in(new_client, rep), vote_id, {ids[0]: "approve"})
        assert r.status_code == 200
        acknowledged.add(RECEIPT_RE.search(r.text).group(0))
    first = next(iter(kept))
    assert "Topic kept" in text_of(client.get(f"/topics/{first}").text)  # a cached page from before

    if database.startswith("sqlite"):
        from consult.engines import sqlite_path

        wal = Path(sqlite_path(database) + "-wal")
        assert wal.stat().st_size > 0  # the online backup below must include what is only in the WAL yet
    file = tmp_path / "consult.backup"
    backup(database, file)
    assert file.stat().st_mode & 0o077 == 0  # as secret as the database: only the owner reads it

    # after the backup: a new topic, a changed one, and the ballots destroyed
    later, _ = topics.create(state="discussing", title="Topic after the backup")
    sql(f"UPDATE topic SET title = 'Title changed' WHERE id = {first}")
    sql("DROP TABLE ballot" + ("" if database.startswith("sqlite") else " CASCADE"))
    before = revision()

    release_connections()
    new_revision = restore(database, file)
    reopen_connections()

    from consult.voting.sealing import tag

    assert stored_tags(vote_id) == {tag(vote_id, code) for code in acknowledged}
    titles = {r["id"]: r["title"] for r in sql("SELECT id, title FROM topic")}
    assert all(titles[tid] == title for tid, title in kept.items()) and later not in titles
    assert new_revision == revision() and new_revision > before  # no worker's cache from before is served
    page = text_of(client.get(f"/topics/{first}").text)
    assert kept[first] in page and "Title changed" not in page
    # the restored vote closes and publishes: every acknowledged receipt is on the bulletin board
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    board = client.get(f"/api/v1/votes/{vote_id}/ballots").json()
    assert {b["receipt"] for b in board["ballots"]} == acknowledged


def test_sqlite_restore_refuses_while_the_database_is_open(database, tmp_path, app):
    from consult.backup import BackupError, backup, restore

    file = tmp_path / "open.backup"
    backup(database, file)
    if not database.startswith("sqlite"):
        # PostgreSQL restores under open connections in one transaction (the test above)
        assert restore(database, file) > 0
        return
    import sqlite3

    from consult.engines import sqlite_path

    holder = sqlite3.connect(sqlite_path(database))  # a running worker keeps its connections open
    holder.execute("SELECT 1 FROM content_revision").fetchall()
    try:
        with pytest.raises(BackupError, match="in use"):
            restore(database, file)
    finally:
        holder.close()


def consult(args, tmp_path, database, stdin=""):
    env = dict(os.environ, DATABASE_URL=database, CONSULT_DATA_DIR=str(tmp_path / "data"))
    env.pop("CONSULT_ENV", None)
    return subprocess.run([sys.executable, "-m", "consult.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_the_commands_ask_before_overwriting_and_refuse_without_a_terminal(database, tmp_path, app):
    file = tmp_path / "cli.backup"
    made = consult(["backup", str(file)], tmp_path, database)
    assert made.returncode == 0, made.stderr
    assert file.stat().st_size > 0
    again = consult(["backup", str(file)], tmp_path, database)
    assert again.returncode == 2 and "--yes" in again.stderr
    refused = consult(["restore", str(file)], tmp_path, database, stdin="y\n")  # stdin is not a terminal
    assert refused.returncode == 2 and "--yes" in refused.stderr
    junk = tmp_path / "junk.backup"
    junk.write_text("not a backup")
    bad = consult(["restore", str(junk), "--yes"], tmp_path, database)
    assert bad.returncode == 1 and "restore failed" in bad.stderr
    missing = consult(["restore", str(tmp_path / "nothing"), "--yes"], tmp_path, database)
    assert missing.returncode == 1 and "no backup file" in missing.stderr
