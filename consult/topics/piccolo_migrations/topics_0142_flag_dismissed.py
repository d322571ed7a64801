from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T09:42:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "comment_flag.dismissed: a flag the committee looked at and dismissed (kept as history)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="topics", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="CommentFlag",
        tablename="comment_flag",
        column_name="dismissed",
        db_column_name="dismissed",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
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
