from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T13:50:40:914876"
VERSION = "1.38.0"
DESCRIPTION = "ballot.sealed: the encrypted receipt and choices while the vote is open (voting.sealing)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="voting", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Ballot",
        tablename="ballot",
        column_name="sealed",
        db_column_name="sealed",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
