"""The path range ("at or below a place": ``path >= '/1/4/' AND path < '/1/40'``) needs
byte order, where '/' sorts just before '0'. SQLite compares text bytewise already; on
PostgreSQL the column takes the database's collation, and a linguistic one (en_US, ICU)
may order punctuation otherwise. So the column is declared COLLATE "C" (its index is
rebuilt with it). And topics are found by their grid: every place filter joins
``topic.grid`` to the range, which had no index (a community's count scanned every topic)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "place.path in byte order on PostgreSQL; an index on topic.grid"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="places", description=DESCRIPTION)

    async def path_order():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        if not isinstance(db, SQLiteEngine):
            await db.run_ddl('ALTER TABLE place ALTER COLUMN path TYPE VARCHAR(400) COLLATE "C"')
        await db.run_ddl("CREATE INDEX topic_grid_idx ON topic (grid)")

    manager.add_raw(path_order)
    return manager
