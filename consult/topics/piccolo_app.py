import os

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="topics",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["consult.accounts.piccolo_app"],
    commands=[],
)
