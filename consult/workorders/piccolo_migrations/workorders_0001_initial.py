"""Work orders (issue 15): the orders, their hops, who works in which department, and the
work-order clocks as place settings (columns of ``place``: NULL = as the place above)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "work orders, their hops, department members, the work-order clocks per place"

# Tables the public pages show: a write bumps the content revision (consult/cache.py).
WATCHED = ("work_order", "work_order_event", "department_member")

CLOCK_COLUMNS = ("ack_hours", "response_hours", "return_days", "work_start_hour", "work_end_hour",
                 "weekends_off")


def _fk(table: str, null: bool = True) -> str:
    return f"INTEGER {'NULL' if null else 'NOT NULL'} REFERENCES {table} (id) ON DELETE RESTRICT"


async def _forwards(db, sqlite: bool) -> None:
    from consult.cache import install_revision_triggers

    serial = "INTEGER PRIMARY KEY NOT NULL" if sqlite else "SERIAL PRIMARY KEY"
    now = "current_timestamp"
    await db.run_ddl(
        f"CREATE TABLE work_order (id {serial}, topic {_fk('topic')}, title VARCHAR(80) NOT NULL DEFAULT '', "
        f"description TEXT NOT NULL DEFAULT '', category {_fk('category')}, grid {_fk('place', False)}, "
        f"requester {_fk('account')}, created_by {_fk('account')}, holder_place {_fk('place')}, "
        f"holder_department {_fk('department')}, sent_by {_fk('place')}, handler_department {_fk('department')}, "
        "state VARCHAR(20) NOT NULL DEFAULT 'at_level', round INTEGER NOT NULL DEFAULT 1, "
        "deadline TIMESTAMPTZ NULL, ack_due_at TIMESTAMPTZ NULL, "
        f"created_at TIMESTAMPTZ NOT NULL DEFAULT {now}, dispatched_at TIMESTAMPTZ NULL, "
        "acknowledged_at TIMESTAMPTZ NULL, replied_at TIMESTAMPTZ NULL, closed_at TIMESTAMPTZ NULL, "
        "result TEXT NOT NULL DEFAULT '', rating VARCHAR(20) NOT NULL DEFAULT '')"
    )
    for column in ("state", "topic", "holder_place", "holder_department", "grid"):
        await db.run_ddl(f"CREATE INDEX work_order_{column}_idx ON work_order ({column})")
    await db.run_ddl(
        f"CREATE TABLE work_order_event (id {serial}, work_order {_fk('work_order', False)}, "
        f"at TIMESTAMPTZ NOT NULL DEFAULT {now}, actor {_fk('account')}, action VARCHAR(20) NOT NULL, "
        "from_state VARCHAR(20) NOT NULL DEFAULT '', to_state VARCHAR(20) NOT NULL DEFAULT '', "
        f"from_place {_fk('place')}, from_department {_fk('department')}, to_place {_fk('place')}, "
        f"to_department {_fk('department')}, reason TEXT NOT NULL DEFAULT '', deadline TIMESTAMPTZ NULL, "
        "round INTEGER NOT NULL DEFAULT 1)"
    )
    await db.run_ddl("CREATE INDEX work_order_event_order_idx ON work_order_event (work_order)")
    await db.run_ddl(
        f'CREATE TABLE department_member (id {serial}, "user" {_fk("account", False)}, '
        f"department {_fk('department', False)}, granted_by {_fk('account')}, "
        f"granted_at TIMESTAMPTZ NOT NULL DEFAULT {now})"
    )
    await db.run_ddl('CREATE UNIQUE INDEX department_member_once ON department_member ("user", department)')
    for column in CLOCK_COLUMNS:
        kind = "BOOLEAN" if column == "weekends_off" else "INTEGER"
        await db.run_ddl(f"ALTER TABLE place ADD COLUMN {column} {kind} NULL")
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
