"""Meetings (issue 16 point 3): meetings of a place, their agenda, attendance and decisions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "meetings, their agenda of topics, attendance and decisions"

# Tables the public pages show: a write bumps the content revision (consult/cache.py).
WATCHED = ("meeting", "meeting_topic", "meeting_attendee", "meeting_decision")


def _fk(table: str, null: bool = True) -> str:
    return f"INTEGER {'NULL' if null else 'NOT NULL'} REFERENCES {table} (id) ON DELETE RESTRICT"


async def _forwards(db, sqlite: bool) -> None:
    from consult.cache import install_revision_triggers

    serial = "INTEGER PRIMARY KEY NOT NULL" if sqlite else "SERIAL PRIMARY KEY"
    now = "current_timestamp"
    await db.run_ddl(
        f"CREATE TABLE meeting (id {serial}, place {_fk('place', False)}, kind VARCHAR(20) NOT NULL, "
        "title VARCHAR(80) NOT NULL, location VARCHAR(100) NOT NULL, starts_at TIMESTAMPTZ NOT NULL, "
        "state VARCHAR(20) NOT NULL DEFAULT 'scheduled', minutes TEXT NOT NULL DEFAULT '', "
        "head_count INTEGER NOT NULL DEFAULT 0, cancel_reason TEXT NOT NULL DEFAULT '', "
        f"created_by {_fk('account')}, recorded_by {_fk('account')}, "
        f"created_at TIMESTAMPTZ NOT NULL DEFAULT {now}, updated_at TIMESTAMPTZ NOT NULL DEFAULT {now})"
    )
    await db.run_ddl("CREATE INDEX meeting_state_idx ON meeting (state)")
    await db.run_ddl("CREATE INDEX meeting_place_idx ON meeting (place, starts_at)")
    await db.run_ddl(
        f"CREATE TABLE meeting_topic (id {serial}, meeting {_fk('meeting', False)}, topic {_fk('topic', False)}, "
        "position INTEGER NOT NULL DEFAULT 0)"
    )
    await db.run_ddl("CREATE UNIQUE INDEX meeting_topic_once ON meeting_topic (meeting, topic)")
    await db.run_ddl("CREATE INDEX meeting_topic_topic_idx ON meeting_topic (topic)")
    await db.run_ddl(
        f'CREATE TABLE meeting_attendee (id {serial}, meeting {_fk("meeting", False)}, "user" {_fk("account", False)})'
    )
    await db.run_ddl('CREATE UNIQUE INDEX meeting_attendee_once ON meeting_attendee (meeting, "user")')
    await db.run_ddl(
        f"CREATE TABLE meeting_decision (id {serial}, meeting {_fk('meeting', False)}, topic {_fk('topic', False)}, "
        "action VARCHAR(30) NOT NULL, hands_for INTEGER NULL, hands_against INTEGER NULL, hands_abstain INTEGER NULL, "
        f"decided_by {_fk('account')}, decided_at TIMESTAMPTZ NOT NULL DEFAULT {now})"
    )
    await db.run_ddl("CREATE UNIQUE INDEX meeting_decision_once ON meeting_decision (meeting, topic)")
    await install_revision_triggers(db, WATCHED)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="meetings", description=DESCRIPTION)

    async def create():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        await _forwards(db, isinstance(db, SQLiteEngine))

    manager.add_raw(create)
    return manager
