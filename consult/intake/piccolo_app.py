import os

from piccolo.conf.apps import AppConfig

from consult.intake.tables import AssistedAct, Intake

APP_CONFIG = AppConfig(
    app_name="intake",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=[Intake, AssistedAct],
    migration_dependencies=["consult.workorders.piccolo_app"],
    commands=[],
)
