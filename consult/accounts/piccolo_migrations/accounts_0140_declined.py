from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T10:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account.declined_at / declined_reason: staff declined a registration, with the reason the newcomer reads"

_PARAMS = {
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_column(
        table_class_name="User", tablename="account", column_name="declined_at", db_column_name="declined_at",
        column_class_name="Timestamptz", column_class=Timestamptz,
        params={**_PARAMS, "default": None, "null": True}, schema=None,
    )
    manager.add_column(
        table_class_name="User", tablename="account", column_name="declined_reason",
        db_column_name="declined_reason", column_class_name="Text", column_class=Text,
        params={**_PARAMS, "default": "", "null": False}, schema=None,
    )
    return manager
