from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T14:56:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (user, role); append-only audit log; indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def constraints():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        await db.run_ddl("CREATE UNIQUE INDEX user_role_user_role_uniq ON user_role (\"user\", role)")
        await db.run_ddl("CREATE INDEX audit_entry_at_idx ON audit_entry (at)")
        await db.run_ddl("CREATE INDEX session_record_expires_idx ON session_record (expires_at)")
        # The audit log is append-only: the database itself refuses UPDATE and DELETE.
        if isinstance(db, SQLiteEngine):
            for verb in ("UPDATE", "DELETE"):
                await db.run_ddl(
                    f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
                )
        else:
            await db.run_ddl(
                "CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql"
            )
            await db.run_ddl(
                "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
                "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
            )

    manager.add_raw(constraints)

    return manager
