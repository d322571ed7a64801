from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T13:50:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "PostgreSQL: the append-only audit log refuses TRUNCATE too"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def no_truncate():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        # SQLite has no TRUNCATE: its "DELETE FROM audit_entry" meets the DELETE trigger
        # of accounts_0002. PostgreSQL's TRUNCATE skips row triggers, so it needs its own.
        if isinstance(db, SQLiteEngine):
            return
        await db.run_ddl(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()"
        )

    manager.add_raw(no_truncate)

    return manager
