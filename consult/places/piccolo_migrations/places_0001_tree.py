"""Places become one tree: the grid table is renamed `place` and takes a parent, a kind
and a path; each row of `community` becomes a place under a default street and district
(which the administrator renames); `community` goes. Every column that pointed at a grid
(account.grid, topic.grid, announcement targets) keeps its values, because a grid keeps
its id. Role grants get a place (existing ones: the root, so nobody loses reach; an
administrator's: the whole install), votes get the place they belong to, and the
departments and the install's own row are created.
"""

import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "places as a tree; grants, votes and departments attached to places"

# Tables the public pages show: a write bumps the content revision (consult/cache.py).
# The grid table's triggers go with it; `place` takes them over.
WATCHED = ("place", "department", "install")

DEFAULT_DISTRICT = "本区"
DEFAULT_STREET = "本街道"
DEFAULT_COMMUNITY = "本社区"


async def _sqlite_drop_community_column(db) -> None:
    """SQLite cannot drop a column that carries a foreign key: take the REFERENCES clause
    out of the stored schema first, the documented way for removing a constraint
    (sqlite.org/lang_altertable.html, "other kinds of table schema changes")."""
    row = await db.run_querystring(_qs("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'place'"))
    sql = row[0]["sql"]
    stripped = re.sub(r'("community" INTEGER) REFERENCES "community" \("id"\)[A-Z ]*?(DEFAULT null)', r"\1 \2", sql)
    version = (await db.run_querystring(_qs("PRAGMA schema_version")))[0]["schema_version"]
    await db.run_ddl("PRAGMA writable_schema = ON")
    await db.run_querystring(_qs("UPDATE sqlite_master SET sql = {} WHERE type = 'table' AND name = 'place'", stripped))
    await db.run_ddl(f"PRAGMA schema_version = {int(version) + 1}")
    await db.run_ddl("PRAGMA writable_schema = OFF")
    await db.run_ddl('ALTER TABLE place DROP COLUMN "community"')


def _qs(sql, *args):
    from piccolo.querystring import QueryString

    return QueryString(sql, *args)


async def _insert(db, sql: str, *args) -> int:
    rows = await db.run_querystring(_qs(sql + " RETURNING id", *args))
    return int(rows[0]["id"])


async def _build_tree(db) -> int | None:
    """Attach every grid to its community and every community under the defaults; write
    every path. Returns the root's id (None on an empty database)."""
    communities = await db.run_querystring(_qs("SELECT id, name FROM community ORDER BY id"))
    grids = await db.run_querystring(_qs("SELECT id, community FROM place_old_grid ORDER BY id"))
    if not communities and not grids:
        return None
    district = await _insert(db, "INSERT INTO place (kind, name, path) VALUES ('district', {}, '')", DEFAULT_DISTRICT)
    street = await _insert(db, "INSERT INTO place (kind, name, parent, path) VALUES ('street', {}, {}, '')",
                           DEFAULT_STREET, district)
    mapped = {}
    for position, c in enumerate(communities):
        mapped[c["id"]] = await _insert(
            db, "INSERT INTO place (kind, name, parent, position, path) VALUES ('community', {}, {}, {}, '')",
            c["name"], street, position)
    fallback = None
    for g in grids:
        parent = mapped.get(g["community"])
        if parent is None:
            if fallback is None:
                fallback = await _insert(db, "INSERT INTO place (kind, name, parent, path) VALUES "
                                             "('community', {}, {}, '')", DEFAULT_COMMUNITY, street)
            parent = fallback
        await db.run_querystring(_qs("UPDATE place SET parent = {}, position = {} WHERE id = {}", parent, g["id"], g["id"]))
    rows = await db.run_querystring(_qs("SELECT id, parent FROM place"))
    parents = {r["id"]: r["parent"] for r in rows}

    def path(pid):
        return (path(parents[pid]) if parents[pid] else "/") + f"{pid}/"

    for pid in parents:
        await db.run_querystring(_qs("UPDATE place SET path = {} WHERE id = {}", path(pid), pid))
    return district


async def _forwards(db, sqlite: bool) -> None:
    from consult.cache import install_revision_triggers

    # Keep each grid's community aside before the column goes.
    await db.run_ddl("CREATE TABLE place_old_grid AS SELECT id, community FROM grid")
    for verb in ("insert", "update", "delete"):
        await db.run_ddl(f"DROP TRIGGER IF EXISTS content_rev_grid_{verb}" + ("" if sqlite else " ON grid"))
    if not sqlite:
        await db.run_ddl("DROP TRIGGER IF EXISTS content_rev_grid ON grid")
    await db.run_ddl("ALTER TABLE grid RENAME TO place")  # every foreign key follows
    if sqlite:
        await _sqlite_drop_community_column(db)
    else:
        await db.run_ddl('ALTER TABLE place DROP COLUMN "community"')
        await db.run_ddl("ALTER SEQUENCE grid_id_seq RENAME TO place_id_seq")
    for column in (
        "parent INTEGER NULL REFERENCES place (id) ON DELETE RESTRICT DEFAULT NULL" if sqlite else
        "parent INTEGER NULL REFERENCES place (id) ON DELETE RESTRICT",
        "kind VARCHAR(20) NOT NULL DEFAULT 'grid'",
        "path VARCHAR(400) NOT NULL DEFAULT ''",
        "active BOOLEAN NOT NULL DEFAULT true",
        "position INTEGER NOT NULL DEFAULT 0",
        "satisfaction_percent INTEGER NULL", "min_ratings INTEGER NULL", "evaluation_days INTEGER NULL",
        "discussion_days INTEGER NULL", "screening_days INTEGER NULL", "other_grids_rate BOOLEAN NULL",
    ):
        await db.run_ddl(f"ALTER TABLE place ADD COLUMN {column}")
    root = await _build_tree(db)
    await db.run_ddl("DROP TABLE place_old_grid")
    await db.run_ddl("DROP TABLE community")
    await db.run_ddl("CREATE INDEX place_path_idx ON place (path)")
    await db.run_ddl("CREATE INDEX place_parent_idx ON place (parent)")

    serial = "INTEGER PRIMARY KEY NOT NULL" if sqlite else "SERIAL PRIMARY KEY"
    await db.run_ddl(
        f'CREATE TABLE department (id {serial}, name VARCHAR(100) NOT NULL DEFAULT \'\', '
        "place INTEGER NOT NULL REFERENCES place (id) ON DELETE RESTRICT, "
        "active BOOLEAN NOT NULL DEFAULT true, position INTEGER NOT NULL DEFAULT 0)"
    )
    await db.run_ddl("CREATE INDEX department_place_idx ON department (place)")
    await db.run_ddl(
        "CREATE TABLE install (id INTEGER PRIMARY KEY NOT NULL, name VARCHAR(100) NOT NULL DEFAULT '', "
        "setup_done_at TIMESTAMPTZ NULL DEFAULT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    # An install that already has places was set up before this release: it stays set up.
    if root is not None:
        await db.run_querystring(_qs("INSERT INTO install (id, name, setup_done_at) VALUES (1, '', current_timestamp)"))
    else:
        await db.run_querystring(_qs("INSERT INTO install (id, name) VALUES (1, '')"))

    await db.run_ddl('ALTER TABLE user_role ADD COLUMN place INTEGER NULL REFERENCES place (id) ON DELETE RESTRICT'
                     + (" DEFAULT NULL" if sqlite else ""))
    if root is not None:
        await db.run_querystring(_qs("UPDATE user_role SET place = {} WHERE role <> 'admin'", root))
    await db.run_ddl('ALTER TABLE vote ADD COLUMN place INTEGER NULL REFERENCES place (id) ON DELETE RESTRICT'
                     + (" DEFAULT NULL" if sqlite else ""))
    first = await db.run_querystring(_qs("SELECT id FROM place WHERE kind = 'community' ORDER BY id LIMIT 1"))
    if first:
        await db.run_querystring(_qs("UPDATE vote SET place = {}", first[0]["id"]))
    await install_revision_triggers(db, WATCHED)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="places", description=DESCRIPTION)

    async def tree():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        await _forwards(db, isinstance(db, SQLiteEngine))

    manager.add_raw(tree)
    return manager
