import os

from piccolo.conf.apps import AppConfig

from consult.accounts.tables import (
    AuditEntry,
    Category,
    LoginCounter,
    RoleRequest,
    SessionRecord,
    User,
    UserRole,
)

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=[Category, User, UserRole, RoleRequest, AuditEntry, SessionRecord, LoginCounter],
    migration_dependencies=[],
    commands=[],
)
