from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T15:11:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "one preference per (user, kind); indexes for the bell, the list and announcement read counts"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def constraints():
        from piccolo.engine.finder import engine_finder

        db = engine_finder()
        await db.run_ddl(
            'CREATE UNIQUE INDEX notification_preference_user_kind_uniq ON notification_preference ("user", kind)'
        )
        # The bell: unread count per user.
        await db.run_ddl('CREATE INDEX notification_user_read_idx ON notification ("user", read_at)')
        # The list: a user's notifications newest first.
        await db.run_ddl('CREATE INDEX notification_user_id_idx ON notification ("user", id)')
        # Staff's read counts per announcement (only announcement rows are indexed).
        await db.run_ddl(
            "CREATE INDEX notification_announcement_idx ON notification (announcement, read_at) "
            "WHERE announcement IS NOT NULL"
        )
        await db.run_ddl("CREATE INDEX announcement_created_idx ON announcement (created_at)")

    manager.add_raw(constraints)

    return manager
