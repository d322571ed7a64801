import os

from piccolo.conf.apps import AppConfig

from consult.places.tables import CalendarDay, Department, Install, Place

APP_CONFIG = AppConfig(
    app_name="places",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=[Place, Department, Install, CalendarDay],
    # Runs after every other app: its first migration turns their community and grid
    # tables into the tree and points their columns at it.
    migration_dependencies=[
        "consult.accounts.piccolo_app", "consult.topics.piccolo_app",
        "consult.voting.piccolo_app", "consult.notifications.piccolo_app",
    ],
    commands=[],
)
