from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "paper ballots: one box per vote, one reading per staff member, triggers that freeze them"

# The rules of consult.voting.paper the database keeps on its own (as voting_0006 does for
# ballots): a box is opened only while its vote is open and never changed or removed; a
# paper entry is written only while its vote is open and its box opened, and never changed
# or removed (so nothing of them changes after the close); a desk sign-in (participation
# with the channel "paper") only while the vote is open and its box not yet opened.
INDEXES = [
    "CREATE UNIQUE INDEX paper_box_vote ON paper_box (vote)",
    "CREATE UNIQUE INDEX paper_entry_reader ON paper_entry (vote, serial, entered_by)",
    "CREATE UNIQUE INDEX paper_entry_resolution ON paper_entry (vote, serial) WHERE kind = 'resolution'",
    "CREATE INDEX participation_channel ON participation (vote, channel)",
]
NOT_OPEN = "COALESCE((SELECT state FROM vote WHERE id = NEW.vote), '') <> 'open'"
BOX_OPENED = "EXISTS (SELECT 1 FROM paper_box WHERE vote = NEW.vote)"

# (trigger name, event, table, condition under which the statement is refused, message)
SQLITE_RULES = [
    ("paper_box_only_open", "INSERT", "paper_box", NOT_OPEN, "a box is opened only while its vote is open"),
    ("paper_box_no_update", "UPDATE", "paper_box", "1", "an opened box cannot be changed"),
    ("paper_box_no_delete", "DELETE", "paper_box", "1", "an opened box cannot be removed"),
    ("paper_entry_only_open_box", "INSERT", "paper_entry", f"{NOT_OPEN} OR NOT {BOX_OPENED}",
     "paper ballots are entered only while the vote is open and its box opened"),
    ("paper_entry_no_update", "UPDATE", "paper_entry", "1", "a paper entry cannot be changed"),
    ("paper_entry_no_delete", "DELETE", "paper_entry", "1", "a paper entry cannot be removed"),
    ("participation_paper_desk", "INSERT", "participation", f"NEW.channel = 'paper' AND ({NOT_OPEN} OR {BOX_OPENED})",
     "the desk signs people in only while the vote is open and its box is not opened"),
]

PG_FUNCTION = f"""
CREATE FUNCTION paper_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- nested IFs: PL/pgSQL may evaluate NEW.channel on a row that has no such field otherwise
    IF TG_TABLE_NAME = 'paper_box' THEN
      IF {NOT_OPEN} THEN
        RAISE EXCEPTION 'a box is opened only while its vote is open';
      END IF;
    ELSIF TG_TABLE_NAME = 'paper_entry' THEN
      IF {NOT_OPEN} OR NOT {BOX_OPENED} THEN
        RAISE EXCEPTION 'paper ballots are entered only while the vote is open and its box opened';
      END IF;
    ELSIF TG_TABLE_NAME = 'participation' THEN
      IF NEW.channel = 'paper' THEN
        IF {NOT_OPEN} OR {BOX_OPENED} THEN
          RAISE EXCEPTION 'the desk signs people in only while the vote is open and its box is not opened';
        END IF;
      END IF;
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION '% cannot be changed', TG_TABLE_NAME;
  END IF;
  RAISE EXCEPTION '% cannot be removed', TG_TABLE_NAME;
END; $$ LANGUAGE plpgsql
"""
PG_TRIGGERS = [
    *(f"CREATE TRIGGER {t}_guard BEFORE INSERT OR UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION paper_guard()"
      for t in ("paper_box", "paper_entry")),
    "CREATE TRIGGER participation_paper_guard BEFORE INSERT ON participation FOR EACH ROW EXECUTE FUNCTION paper_guard()",
    *(f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION paper_guard()"
      for t in ("paper_box", "paper_entry")),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="voting", description=DESCRIPTION)

    async def guards():
        from piccolo.engine.finder import engine_finder
        from piccolo.engine.sqlite import SQLiteEngine

        db = engine_finder()
        for statement in INDEXES:
            await db.run_ddl(statement)
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
