"""Topics tables: the topic, its timeline, discussion, project sheet, progress and ratings.

"One per person" rules (second, stance, flag, rating per round) and the one project
sheet per topic are raw unique indexes in ``topics_0002_constraints`` (Piccolo's
composite ``Unique`` fails to create on SQLite).
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import Category, User
from consult.places.tables import Place


class Topic(Table):
    """A topic (议题) and the facts its transitions set."""

    id = Serial(primary_key=True)
    title = Varchar(length=80)
    description = Text()
    category = ForeignKey(references=Category)
    grid = ForeignKey(references=Place)  # a place of kind grid
    author = ForeignKey(references=User)
    state = Varchar(length=20, default="proposed", index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    screened_at = Timestamptz(null=True, default=None)
    # discussing
    discussion_ends_on = Date(null=True, default=None)
    # rejected / referred / merged
    reject_reason = Text(default="")
    department = Varchar(length=100, default="")
    reference_number = Varchar(length=50, default="")
    merged_into = ForeignKey(references="self", null=True, default=None)
    # project
    consensus_summary = Text(default="")
    # evaluation: the handling round (二次办理 adds one), the window and whether it was extended
    round = Integer(default=1)
    evaluation_ends_on = Date(null=True, default=None)
    evaluation_extended = Boolean(default=False)
    vote_id = Integer(null=True, default=None)


class TopicEvent(Table):
    """The public timeline: one row per transition (and per evaluation extension)."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(references=User, null=True, default=None)  # None: the system
    action = Varchar(length=40)
    from_state = Varchar(length=20, default="")
    to_state = Varchar(length=20, default="")
    note = Text(default="")  # what the actor wrote (reason, summary, ...), shown as text
    detail = JSON(default="{}")  # facts the page words itself (tallies, vote, merge target)
    round = Integer(default=1)


class ProjectSheet(Table):
    """问题清单 + 责任清单; one per topic (unique index)."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    title = Varchar(length=80)
    scope = Text()
    estimated_cost = BigInt(default=0)  # whole yuan
    responsible_unit = Varchar(length=100)
    responsible_person = Varchar(length=50)
    deadline = Date()
    funding_route = Varchar(length=20)
    created_at = Timestamptz(default=TimestamptzNow())


class TopicSecond(Table):
    """附议: one per resident per topic (unique index)."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    user = ForeignKey(references=User)
    created_at = Timestamptz(default=TimestamptzNow())
    carried_from = Integer(null=True, default=None)  # the merged topic it came from


class TopicStance(Table):
    """One stance per resident per topic (unique index), changeable while discussing."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    user = ForeignKey(references=User)
    value = Varchar(length=10)
    updated_at = Timestamptz(default=TimestamptzNow())


class TopicFollower(Table):
    """Who follows a topic: its author and everyone who seconded, took a stance or
    commented. Carried over on a merge; the notifications feature reads it."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    user = ForeignKey(references=User)
    since = Timestamptz(default=TimestamptzNow())


class TopicComment(Table):
    """A comment, or a reply (``parent`` set, one level only)."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    author = ForeignKey(references=User)
    parent = ForeignKey(references="self", null=True, default=None)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    party_badge = Boolean(default=False)  # the author was a verified party member when posting
    guidance = Boolean(default=False)
    pinned = Boolean(default=False)
    hidden = Boolean(default=False)
    hidden_reason = Text(default="")
    hidden_by = ForeignKey(references=User, null=True, default=None)
    hidden_at = Timestamptz(null=True, default=None)
    # The role under which it was hidden ("committee", "staff", "admin"): the page says
    # who hid it by role, never by name; "" for comments hidden before this was kept.
    hidden_by_role = Varchar(length=20, default="")


class CommentFlag(Table):
    """A resident flags a comment once (unique index)."""

    id = Serial(primary_key=True)
    comment = ForeignKey(references=TopicComment)
    user = ForeignKey(references=User)
    created_at = Timestamptz(default=TimestamptzNow())
    # The committee looked and kept the comment (dismissed, or un-hid it): the flag stays as
    # history and still counts as "once per comment", but no longer counts as open.
    dismissed = Boolean(default=False)


class ProgressUpdate(Table):
    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    author = ForeignKey(references=User)
    percent = Integer(default=0)
    note = Text()
    on_date = Date()
    round = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class SupervisionNote(Table):
    """监督意见 from a representative or a resident."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    author = ForeignKey(references=User)
    body = Text()
    author_is_representative = Boolean(default=False)
    round = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class TopicRating(Table):
    """满意 / 基本满意 / 不满意: one per person per topic per round (unique index)."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic)
    user = ForeignKey(references=User)
    round = Integer(default=1)
    value = Varchar(length=24)
    comment = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = [
    Topic,
    TopicEvent,
    ProjectSheet,
    TopicSecond,
    TopicStance,
    TopicFollower,
    TopicComment,
    CommentFlag,
    ProgressUpdate,
    SupervisionNote,
    TopicRating,
]
