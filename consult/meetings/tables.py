"""Meeting tables: a meeting of a place, its agenda of topics, who was present (private:
staff of the place only) and the decision taken on each agenda topic."""

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import User
from consult.places.tables import Place
from consult.topics.tables import Topic


class Meeting(Table):
    """A meeting (议事会 · 红色议事厅 · 民情分析会) of a place. ``head_count``: people present
    who were not recorded by account (not online); the minutes are public once held."""

    id = Serial(primary_key=True)
    place = ForeignKey(references=Place)
    kind = Varchar(length=20)
    title = Varchar(length=80)
    location = Varchar(length=100)
    starts_at = Timestamptz()
    state = Varchar(length=20, default="scheduled", index=True)
    minutes = Text(default="")
    head_count = Integer(default=0)
    cancel_reason = Text(default="")
    created_by = ForeignKey(references=User, null=True, default=None)
    recorded_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class MeetingTopic(Table):
    """One topic on a meeting's agenda (once per meeting: a unique index)."""

    id = Serial(primary_key=True)
    meeting = ForeignKey(references=Meeting)
    topic = ForeignKey(references=Topic)
    position = Integer(default=0)


class MeetingAttendee(Table):
    """An account present at the meeting. Private: shown to staff of the place only."""

    id = Serial(primary_key=True)
    meeting = ForeignKey(references=Meeting)
    user = ForeignKey(references=User)


class MeetingDecision(Table):
    """The decision the meeting took on one agenda topic: the topic's lifecycle action, and
    the show-of-hands count when there was one (NULL: no count)."""

    id = Serial(primary_key=True)
    meeting = ForeignKey(references=Meeting)
    topic = ForeignKey(references=Topic)
    action = Varchar(length=30)
    hands_for = Integer(null=True, default=None)
    hands_against = Integer(null=True, default=None)
    hands_abstain = Integer(null=True, default=None)
    decided_by = ForeignKey(references=User, null=True, default=None)
    decided_at = Timestamptz(default=TimestamptzNow())
