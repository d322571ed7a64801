import os

from piccolo.conf.apps import AppConfig

from consult.meetings.tables import Meeting, MeetingAttendee, MeetingDecision, MeetingTopic

APP_CONFIG = AppConfig(
    app_name="meetings",
    migrations_folder_path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "piccolo_migrations"),
    table_classes=[Meeting, MeetingTopic, MeetingAttendee, MeetingDecision],
    migration_dependencies=["consult.topics.piccolo_app", "consult.places.piccolo_app"],
    commands=[],
)
