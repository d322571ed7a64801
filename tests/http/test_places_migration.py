"""A database made with the schema before places (a `community` and its `grid` rows,
accounts, roles, topics and a vote pointing at them) keeps every row through the places
migration: the community becomes a place under a default street and district, each grid
keeps its id (so account.grid and topic.grid still point at it), grants reach the root,
an administrator's the whole install, and the vote belongs to the community. On the
test engine (SQLite, or PostgreSQL with CONSULT_TEST_DATABASE_URL)."""

from __future__ import annotations

import uuid

import pytest

from consult import db
from consult.settings import test_database_url as configured_test_database
from tests.conftest import _pg_admin, _pg_url, run


def _qs(sql, *args):
    from piccolo.querystring import QueryString

    return QueryString(sql, *args)


async def _sql(sql, *args):
    return await db.engine().run_querystring(_qs(sql, *args))


async def _forwards(app_name):
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name)
    assert result.success, result.message


@pytest.fixture
def empty_database(tmp_path):
    base = configured_test_database()
    if base and base.startswith("postgres"):
        name = f"consult_mig_{uuid.uuid4().hex[:10]}"
        run(_pg_admin(base, f'CREATE DATABASE "{name}"'))
        db.use_database(_pg_url(base, name))
        yield
        run(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        db.use_database(f"sqlite:///{tmp_path / 'old.sqlite'}")
        yield


async def _old_install() -> dict:
    """The schema before places, with one community's worth of rows."""
    for app_name in ("accounts", "topics", "voting", "notifications"):
        await _forwards(app_name)
    community = (await _sql("INSERT INTO community (name) VALUES ('幸福里社区') RETURNING id"))[0]["id"]
    grids = [(await _sql("INSERT INTO grid (community, name, households) VALUES ({}, {}, {}) RETURNING id",
                         community, name, n))[0]["id"] for name, n in (("第一网格", 420), ("第二网格", 386))]
    users = {}
    for username, role in (("old_staff", "staff"), ("old_admin", "admin"), ("old_resident", "resident")):
        users[username] = (await _sql("INSERT INTO account (username, display_name, password_hash, grid) "
                                      "VALUES ({}, {}, 'x', {}) RETURNING id", username, username, grids[1]))[0]["id"]
        await _sql('INSERT INTO user_role ("user", role) VALUES ({}, {})', users[username], role)
    category = (await _sql("INSERT INTO category (slug, name_zh, name_en) VALUES ('parking', '停车', 'Parking') "
                           "RETURNING id"))[0]["id"]
    topic = (await _sql("INSERT INTO topic (title, description, category, grid, author, state) "
                        "VALUES ('Old topic', 'An old description', {}, {}, {}, 'proposed') RETURNING id",
                        category, grids[1], users["old_resident"]))[0]["id"]
    vote = (await _sql("INSERT INTO vote (title, year) VALUES ('2026 vote', 2026) RETURNING id"))[0]["id"]
    return {"community": community, "grids": grids, "users": users, "topic": topic, "vote": vote}


def test_the_places_migration_keeps_every_row(empty_database):
    old = run(_old_install())
    counts = {t: run(_sql(f"SELECT COUNT(*) AS n FROM {t}"))[0]["n"] for t in ("account", "topic", "user_role", "vote")}
    run(_forwards("places"))
    assert {t: run(_sql(f"SELECT COUNT(*) AS n FROM {t}"))[0]["n"] for t in counts} == counts

    places = {r["id"]: r for r in run(_sql("SELECT id, parent, kind, name, path, households FROM place"))}
    grids = [places[g] for g in old["grids"]]  # each grid kept its id
    assert [(g["kind"], g["name"], g["households"]) for g in grids] == [("grid", "第一网格", 420), ("grid", "第二网格", 386)]
    community = places[grids[0]["parent"]]
    assert (community["kind"], community["name"]) == ("community", "幸福里社区")
    street = places[community["parent"]]
    district = places[street["parent"]]
    assert (street["kind"], district["kind"], district["parent"]) == ("street", "district", None)
    assert grids[1]["path"] == f"/{district['id']}/{street['id']}/{community['id']}/{grids[1]['id']}/"

    topic = run(_sql("SELECT grid FROM topic WHERE id = {}", old["topic"]))[0]
    assert topic["grid"] == old["grids"][1]
    roles = {r["role"]: r["place"] for r in run(_sql('SELECT role, place FROM user_role'))}
    assert roles == {"staff": district["id"], "resident": district["id"], "admin": None}
    assert run(_sql("SELECT place FROM vote WHERE id = {}", old["vote"]))[0]["place"] == community["id"]
    assert run(_sql("SELECT setup_done_at FROM install WHERE id = 1"))[0]["setup_done_at"] is not None
    tables = {r["name"] for r in run(_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'" if db.is_sqlite() else
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"))}
    assert {"grid", "community"}.isdisjoint(tables) and {"place", "department", "install"} <= tables
    # The foreign keys follow the rename: a topic cannot point at a place that does not exist.
    with pytest.raises(Exception):
        run(_sql("UPDATE topic SET grid = 999999 WHERE id = {}", old["topic"]))


def test_an_empty_database_migrates_to_an_empty_tree_waiting_for_setup(empty_database):
    for app_name in ("accounts", "topics", "voting", "notifications", "places"):
        run(_forwards(app_name))
    assert run(_sql("SELECT COUNT(*) AS n FROM place"))[0]["n"] == 0
    assert run(_sql("SELECT setup_done_at FROM install WHERE id = 1"))[0]["setup_done_at"] is None


def test_the_path_range_is_byte_ordered_and_topics_are_indexed_by_grid(app):
    """On PostgreSQL the path column is COLLATE "C" (a linguistic collation may sort '/'
    against digits otherwise and break "at or below"); on both engines topic.grid has an index."""
    if db.is_sqlite():
        indexes = {r["name"] for r in run(_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'topic'"))}
    else:
        collation = run(_sql("SELECT collation_name FROM information_schema.columns "
                             "WHERE table_name = 'place' AND column_name = 'path'"))[0]["collation_name"]
        assert collation == "C"
        indexes = {r["name"] for r in run(_sql("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'topic'"))}
    assert "topic_grid_idx" in indexes
    # The range itself: '/1/4/' covers '/1/4/9/' but not '/1/40/' nor '/1/5/'.
    from consult.places.tree import subtree_bounds

    low, high = subtree_bounds("/1/4/")
    assert low <= "/1/4/9/" < high and not (low <= "/1/40/" < high) and not (low <= "/1/5/" < high)
