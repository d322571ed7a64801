from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T18:03:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "index: the photos of one owner"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="photos", description=DESCRIPTION)

    async def index():
        from piccolo.engine.finder import engine_finder

        await engine_finder().run_ddl("CREATE INDEX photo_owner_idx ON photo (owner_type, owner_id, position)")

    manager.add_raw(index)
    return manager
