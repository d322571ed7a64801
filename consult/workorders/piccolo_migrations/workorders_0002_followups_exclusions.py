"""Follow-ups (回访) and proposals that an order is unreasonable (诉求不合理), issue 15 point 4."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "work-order follow-ups and unreasonable-order proposals"

# Public on the order page and the scoreboard: a write bumps the content revision.
WATCHED = ("work_order_follow_up", "work_order_exclusion")


def _fk(table: str, null: bool = True) -> str:
    return f"INTEGER {'NULL' if null else 'NOT NULL'} REFERENCES {table} (id) ON DELETE RESTRICT"


async def _forwards(db, sqlite: bool) -> None:
    from consult.cache import install_revision_triggers

    serial = "INTEGER PRIMARY KEY NOT NULL" if sqlite else "SERIAL PRIMARY KEY"
    now = "current_timestamp"
    await db.run_ddl(
        f"CREATE TABLE work_order_follow_up (id {serial}, work_order {_fk('work_order', False)}, "
        f"at TIMESTAMPTZ NOT NULL DEFAULT {now}, actor {_fk('account')}, level {_fk('place')}, "
        "channel VARCHAR(20) NOT NULL, outcome VARCHAR(20) NOT NULL, reason VARCHAR(20) NOT NULL)"
    )
    await db.run_ddl("CREATE INDEX work_order_follow_up_order_idx ON work_order_follow_up (work_order)")
    await db.run_ddl(
        f"CREATE TABLE work_order_exclusion (id {serial}, work_order {_fk('work_order', False)}, "
        f"level {_fk('place')}, proposed_by {_fk('account')}, proposed_at TIMESTAMPTZ NOT NULL DEFAULT {now}, "
        f"reason TEXT NOT NULL DEFAULT '', approver_level {_fk('place')}, decided_by {_fk('account')}, "
        "decided_at TIMESTAMPTZ NULL, decision VARCHAR(20) NOT NULL DEFAULT '', "
        "decision_reason TEXT NOT NULL DEFAULT '')"
    )
    await db.run_ddl("CREATE INDEX work_order_exclusion_order_idx ON work_order_exclusion (work_order)")
    # one waiting proposal per order, and one approval
    await db.run_ddl("CREATE UNIQUE INDEX work_order_exclusion_waiting ON work_order_exclusion (work_order) "
                     "WHERE decision = ''")
    await db.run_ddl("CREATE UNIQUE INDEX work_order_exclusion_approved ON work_order_exclusion (work_order) "
                     "WHERE decision = 'approved'")
    await install_revision_triggers(db, WATCHED)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workorders", description=DESCRIPTION)

    async def create():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        await _forwards(db, isinstance(db, SQLiteEngine))

    manager.add_raw(create)
    return manager
