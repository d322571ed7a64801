from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T18:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "content revision: bumped whenever a vote, its candidates or its reviews change"

# What the public vote page shows besides the (immutable, published) count. Ballots,
# participation and the roll are not watched: casting must not touch a shared row, and
# the page reads the viewer's own roll entry and ballot afresh.
WATCHED = ("vote", "candidate", "review")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="voting", description=DESCRIPTION)

    async def revision():
        from piccolo.engine.finder import engine_finder

        from consult.cache import install_revision_triggers

        await install_revision_triggers(engine_finder(), WATCHED)

    manager.add_raw(revision)

    return manager
