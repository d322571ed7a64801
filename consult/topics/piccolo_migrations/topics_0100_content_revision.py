from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "content revision: one number the database bumps whenever public topic data changes"

# Every table whose rows appear on the public topic pages (list, topic page, CSV, API).
# A write to any of them bumps content_revision.value in the same transaction, so a
# cache keyed on that number (consult/cache.py) can never serve data older than the
# last commit. Accounts only matter for their display name.
WATCHED = (
    "topic", "topic_event", "project_sheet", "topic_second", "topic_stance", "topic_comment",
    "comment_flag", "progress_update", "supervision_note", "topic_rating", "category", "grid",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="topics", description=DESCRIPTION)

    async def revision():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        await db.run_ddl("CREATE TABLE content_revision (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)")
        await db.run_ddl("INSERT INTO content_revision (id, value) VALUES (1, 1)")
        bump = "UPDATE content_revision SET value = value + 1 WHERE id = 1"
        if isinstance(db, SQLiteEngine):
            # SQLite has one writer at a time: a plain row trigger is enough.
            for table in WATCHED:
                for verb in ("INSERT", "UPDATE", "DELETE"):
                    await db.run_ddl(
                        f"CREATE TRIGGER content_rev_{table}_{verb.lower()} AFTER {verb} ON {table} "
                        f"BEGIN {bump}; END"
                    )
            await db.run_ddl(
                "CREATE TRIGGER content_rev_account_name AFTER UPDATE OF display_name ON account "
                f"BEGIN {bump}; END"
            )
        else:
            # PostgreSQL: bump at COMMIT (deferred constraint trigger) so the revision row
            # is always the last lock a transaction takes (no lock-order deadlocks with
            # topic rows), and only once per transaction (a bulk COPY of 100,000 comments
            # must not write 100,000 row versions).
            await db.run_ddl(
                "CREATE FUNCTION content_revision_bump() RETURNS trigger AS $$ BEGIN "
                "IF current_setting('consult.revision_bumped', true) IS DISTINCT FROM 'yes' THEN "
                f"{bump}; "
                "PERFORM set_config('consult.revision_bumped', 'yes', true); "
                "END IF; RETURN NULL; END; $$ LANGUAGE plpgsql"
            )
            for table in WATCHED:
                await db.run_ddl(
                    f"CREATE CONSTRAINT TRIGGER content_rev_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION content_revision_bump()"
                )
            await db.run_ddl(
                "CREATE CONSTRAINT TRIGGER content_rev_account_name AFTER UPDATE OF display_name ON account "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION content_revision_bump()"
            )

    manager.add_raw(revision)

    return manager
