"""A place's holiday calendar (issue 15 point 3): ``calendar_day`` (place, date, kind
holiday|workday, name), one row per place and date, inherited by the places below."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "calendar_day: holidays and make-up working days per place"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="places", description=DESCRIPTION)

    async def create():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        serial = "INTEGER PRIMARY KEY NOT NULL" if isinstance(db, SQLiteEngine) else "SERIAL PRIMARY KEY"
        await db.run_ddl(
            f"CREATE TABLE calendar_day (id {serial}, "
            "place INTEGER NOT NULL REFERENCES place (id) ON DELETE RESTRICT, day DATE NOT NULL, "
            "kind VARCHAR(20) NOT NULL DEFAULT 'holiday', name VARCHAR(40) NOT NULL DEFAULT '')"
        )
        await db.run_ddl("CREATE UNIQUE INDEX calendar_day_once ON calendar_day (place, day)")

    manager.add_raw(create)
    return manager
