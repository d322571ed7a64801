from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T13:50:41:000000"
VERSION = "1.38.0"
DESCRIPTION = "triggers: ballots and participation cannot be changed or removed, except the close-time rewrite"

# The close-time rewrite (commands.close_vote) is the one path that deletes ballots: inside
# its transaction it inserts a row here for the vote, deletes and re-inserts the vote's
# ballots, and deletes the row again, so no other transaction ever sees it. A row can be
# inserted only for a closed vote (close_vote sets the state first).
GUARD_TABLE = "CREATE TABLE ballot_rewrite (vote INTEGER NOT NULL PRIMARY KEY REFERENCES vote (id))"
REWRITING = "EXISTS (SELECT 1 FROM ballot_rewrite WHERE vote = {row}.vote)"
NOT_OPEN = "COALESCE((SELECT state FROM vote WHERE id = NEW.vote), '') <> 'open'"
NOT_CLOSED = "COALESCE((SELECT state FROM vote WHERE id = NEW.vote), '') <> 'closed'"

# (trigger name, event, table, condition under which the statement is refused, message)
SQLITE_RULES = [
    ("ballot_no_update", "UPDATE", "ballot", "1", "a cast ballot cannot be changed"),
    ("ballot_no_delete", "DELETE", "ballot", "NOT " + REWRITING.format(row="OLD"),
     "a cast ballot cannot be removed"),
    ("ballot_only_while_open", "INSERT", "ballot", f"NOT {REWRITING.format(row='NEW')} AND {NOT_OPEN}",
     "a ballot can be cast only while its vote is open"),
    ("participation_no_update", "UPDATE", "participation", "1", "participation cannot be changed"),
    ("participation_no_delete", "DELETE", "participation", "1", "participation cannot be removed"),
    ("ballot_rewrite_only_closed", "INSERT", "ballot_rewrite", NOT_CLOSED,
     "ballots are rewritten only when their vote closes"),
    ("ballot_rewrite_no_update", "UPDATE", "ballot_rewrite", "1", "the rewrite guard cannot be changed"),
]

PG_FUNCTION = """
CREATE FUNCTION ballot_guard() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'ballot' THEN
    IF TG_OP = 'UPDATE' THEN
      RAISE EXCEPTION 'a cast ballot cannot be changed';
    ELSIF TG_OP = 'DELETE' THEN
      IF NOT EXISTS (SELECT 1 FROM ballot_rewrite WHERE vote = OLD.vote) THEN
        RAISE EXCEPTION 'a cast ballot cannot be removed';
      END IF;
      RETURN OLD;
    ELSIF TG_OP = 'INSERT' THEN
      IF NOT EXISTS (SELECT 1 FROM ballot_rewrite WHERE vote = NEW.vote)
         AND COALESCE((SELECT state FROM vote WHERE id = NEW.vote), '') <> 'open' THEN
        RAISE EXCEPTION 'a ballot can be cast only while its vote is open';
      END IF;
      RETURN NEW;
    END IF;
  ELSIF TG_TABLE_NAME = 'ballot_rewrite' THEN
    IF TG_OP = 'INSERT' THEN
      IF COALESCE((SELECT state FROM vote WHERE id = NEW.vote), '') <> 'closed' THEN
        RAISE EXCEPTION 'ballots are rewritten only when their vote closes';
      END IF;
      RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the rewrite guard cannot be changed';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION '% cannot be changed', TG_TABLE_NAME;
  END IF;
  RAISE EXCEPTION '% cannot be removed', TG_TABLE_NAME;
END; $$ LANGUAGE plpgsql
"""
PG_TRIGGERS = [
    "CREATE TRIGGER ballot_guard BEFORE INSERT OR UPDATE OR DELETE ON ballot FOR EACH ROW EXECUTE FUNCTION ballot_guard()",
    "CREATE TRIGGER participation_guard BEFORE UPDATE OR DELETE ON participation "
    "FOR EACH ROW EXECUTE FUNCTION ballot_guard()",
    "CREATE TRIGGER ballot_rewrite_guard BEFORE INSERT OR UPDATE OR DELETE ON ballot_rewrite "
    "FOR EACH ROW EXECUTE FUNCTION ballot_guard()",
    # TRUNCATE skips row triggers: refuse it as a statement.
    *(f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION ballot_guard()"
      for t in ("ballot", "participation", "ballot_rewrite")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="voting", description=DESCRIPTION)

    async def guards():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        await db.run_ddl(GUARD_TABLE)
        if isinstance(db, SQLiteEngine):
            for name, event, table, refused_when, message in SQLITE_RULES:
                await db.run_ddl(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {refused_when} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
            return
        await db.run_ddl(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            await db.run_ddl(statement)

    manager.add_raw(guards)

    return manager
