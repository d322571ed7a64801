from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T15:08:44:000000"
VERSION = "1.38.0"
DESCRIPTION = "one second/stance/flag/rating per person, one project sheet per topic; list indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="topics", description=DESCRIPTION)

    async def constraints():
        from piccolo.engine.finder import engine_finder

        db = engine_finder()
        for sql in (
            'CREATE UNIQUE INDEX topic_second_uniq ON topic_second (topic, "user")',
            'CREATE UNIQUE INDEX topic_stance_uniq ON topic_stance (topic, "user")',
            'CREATE UNIQUE INDEX topic_follower_uniq ON topic_follower (topic, "user")',
            'CREATE UNIQUE INDEX comment_flag_uniq ON comment_flag (comment, "user")',
            'CREATE UNIQUE INDEX topic_rating_uniq ON topic_rating (topic, "user", round)',
            "CREATE UNIQUE INDEX project_sheet_topic_uniq ON project_sheet (topic)",
            "CREATE INDEX topic_created_idx ON topic (created_at)",
            "CREATE INDEX topic_event_topic_idx ON topic_event (topic, at)",
            "CREATE INDEX topic_comment_topic_idx ON topic_comment (topic, created_at)",
            "CREATE INDEX progress_update_topic_idx ON progress_update (topic)",
            "CREATE INDEX supervision_note_topic_idx ON supervision_note (topic)",
        ):
            await db.run_ddl(sql)

    manager.add_raw(constraints)

    return manager
