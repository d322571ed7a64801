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
NAME_ONLY = {"account": "display_name"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="topics", description=DESCRIPTION)

    async def revision():
        from piccolo.engine.finder import engine_finder

        from consult.cache import install_revision_triggers

        await install_revision_triggers(engine_finder(), WATCHED, NAME_ONLY)

    manager.add_raw(revision)

    return manager
