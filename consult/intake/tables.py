"""Intake tables: what was entered on a resident's behalf, and the seconds and ratings a
resident gave through staff or a grid worker (assisted acts)."""

from piccolo.columns import Boolean, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import User
from consult.places.tables import Place
from consult.topics.tables import Topic
from consult.workorders.tables import WorkOrder


class Intake(Table):
    """A topic or a service request entered for a resident (代办). ``contact`` is the
    sealed name and phone (consult.intake.secrecy), ``code_digest`` the HMAC of the
    tracking code (unique); the channel and the 12345 order number are public."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic, null=True, default=None)
    work_order = ForeignKey(references=WorkOrder, null=True, default=None)
    grid = ForeignKey(references=Place)
    channel = Varchar(length=20)
    order_number = Varchar(length=30, default="")
    contact = Text()
    code_digest = Varchar(length=64, unique=True)
    entered_by = ForeignKey(references=User)
    created_at = Timestamptz(default=TimestamptzNow())
    attached_to = ForeignKey(references=User, null=True, default=None)
    attached_at = Timestamptz(null=True, default=None)


class AssistedAct(Table):
    """A second or a rating that is the resident's own row (TopicSecond / TopicRating),
    entered by someone else with the resident's agreement."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    resident = ForeignKey(references=User)
    act = Varchar(length=10)
    assisted_by = ForeignKey(references=User)
    consent = Boolean(default=True)
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
