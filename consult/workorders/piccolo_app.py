import os

from piccolo.conf.apps import AppConfig

from consult.workorders.review_tables import WorkOrderExclusion, WorkOrderFollowUp
from consult.workorders.tables import DepartmentMember, WorkOrder, WorkOrderEvent

APP_CONFIG = AppConfig(
    app_name="workorders",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=[WorkOrder, WorkOrderEvent, DepartmentMember, WorkOrderFollowUp, WorkOrderExclusion],
    migration_dependencies=["consult.places.piccolo_app"],
    commands=[],
)
