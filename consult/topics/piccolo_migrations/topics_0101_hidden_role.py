from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "topic_comment.hidden_by_role: the role under which a comment was hidden (committee, staff, admin)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="topics", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="TopicComment",
        tablename="topic_comment",
        column_name="hidden_by_role",
        db_column_name="hidden_by_role",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
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
