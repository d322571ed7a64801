"""Piccolo configuration: the engine comes from DATABASE_URL (read by consult.settings).

consult.db.use_database() replaces DB at run time (tests, `consult --database`).
"""

from piccolo.conf.apps import AppRegistry

from consult.engines import make_engine
from consult.settings import database_url

DB = make_engine(database_url())

APP_REGISTRY = AppRegistry(
    apps=[
        "consult.accounts.piccolo_app",
        "consult.topics.piccolo_app",
        "consult.voting.piccolo_app",
        "consult.notifications.piccolo_app",
        "consult.places.piccolo_app",
        "consult.photos.piccolo_app",
        "consult.workorders.piccolo_app",
        "consult.intake.piccolo_app",
        "consult.meetings.piccolo_app",
    ]
)
