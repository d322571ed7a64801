from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T15:07:49:000000"
VERSION = "1.38.0"
DESCRIPTION = "one participation per (vote, user); unique roll entries, candidates' topics and reviews; indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="voting", description=DESCRIPTION)

    async def constraints():
        from piccolo.engine.finder import engine_finder

        db = engine_finder()
        # The real invariant of "one ballot per representative per round": enforced by the database.
        await db.run_ddl('CREATE UNIQUE INDEX participation_vote_user_uniq ON participation (vote, "user")')
        await db.run_ddl('CREATE UNIQUE INDEX roll_entry_vote_user_uniq ON roll_entry (vote, "user")')
        await db.run_ddl('CREATE UNIQUE INDEX review_candidate_user_uniq ON review (candidate, "user")')
        await db.run_ddl("CREATE INDEX candidate_vote_idx ON candidate (vote)")
        await db.run_ddl("CREATE INDEX ballot_vote_idx ON ballot (vote)")

    manager.add_raw(constraints)

    return manager
