import os

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="photos",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=table_finder(["consult.photos.tables"], exclude_imported=True),
    migration_dependencies=["consult.accounts.piccolo_app"],
    commands=[],
)
