"""Intake on a resident's behalf (issue 16 point 1): what was entered for a resident, with
their sealed contact and the keyed hash of the tracking code, and the assisted seconds and
ratings."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "intake on a resident's behalf, assisted acts"

# The topic page and the tracking page show the channel: a write bumps the content revision.
WATCHED = ("intake", "assisted_act")


def _fk(table: str, null: bool = True) -> str:
    return f"INTEGER {'NULL' if null else 'NOT NULL'} REFERENCES {table} (id) ON DELETE RESTRICT"


async def _forwards(db, sqlite: bool) -> None:
    from consult.cache import install_revision_triggers

    serial = "INTEGER PRIMARY KEY NOT NULL" if sqlite else "SERIAL PRIMARY KEY"
    now = "current_timestamp"
    await db.run_ddl(
        f"CREATE TABLE intake (id {serial}, topic {_fk('topic')}, work_order {_fk('work_order')}, "
        f"grid {_fk('place', False)}, channel VARCHAR(20) NOT NULL, order_number VARCHAR(30) NOT NULL DEFAULT '', "
        "contact TEXT NOT NULL, code_digest VARCHAR(64) NOT NULL UNIQUE, "
        f"entered_by {_fk('account', False)}, created_at TIMESTAMPTZ NOT NULL DEFAULT {now}, "
        f"attached_to {_fk('account')}, attached_at TIMESTAMPTZ NULL)"
    )
    for column in ("topic", "work_order", "grid", "entered_by"):
        await db.run_ddl(f"CREATE INDEX intake_{column}_idx ON intake ({column})")
    await db.run_ddl(
        f"CREATE TABLE assisted_act (id {serial}, topic {_fk('topic', False)}, resident {_fk('account', False)}, "
        f"act VARCHAR(10) NOT NULL, assisted_by {_fk('account', False)}, consent BOOLEAN NOT NULL DEFAULT TRUE, "
        f"note TEXT NOT NULL DEFAULT '', created_at TIMESTAMPTZ NOT NULL DEFAULT {now})"
    )
    await db.run_ddl("CREATE INDEX assisted_act_topic_idx ON assisted_act (topic)")
    await install_revision_triggers(db, WATCHED)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="intake", description=DESCRIPTION)

    async def create():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        await _forwards(db, isinstance(db, SQLiteEngine))

    manager.add_raw(create)
    return manager
