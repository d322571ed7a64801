"""Tables of follow-ups (回访) and of proposals that an order is unreasonable (诉求不合理):
kept beside the order tables (``consult.workorders.tables``) so each concept has its module."""

from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import User
from consult.places.tables import Place
from consult.workorders.tables import WorkOrder


class WorkOrderFollowUp(Table):
    """A call or a visit after (or during) the handling: codes only, public on the order's
    timeline with the level's name; ``actor`` is never shown."""

    id = Serial(primary_key=True)
    work_order = ForeignKey(references=WorkOrder)
    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(references=User, null=True, default=None)
    level = ForeignKey(references=Place, null=True, default=None)  # the order's level then
    channel = Varchar(length=20)
    outcome = Varchar(length=20)
    reason = Varchar(length=20)


class WorkOrderExclusion(Table):
    """A proposal that an order is unreasonable and its decision by the level above
    (``decision``: '' waiting, approved, declined). An approved one takes the order out of
    the rates. At most one waits per order (a raw partial unique index)."""

    id = Serial(primary_key=True)
    work_order = ForeignKey(references=WorkOrder)
    level = ForeignKey(references=Place, null=True, default=None)  # the order's level
    proposed_by = ForeignKey(references=User, null=True, default=None)
    proposed_at = Timestamptz(default=TimestamptzNow())
    reason = Text(default="")
    approver_level = ForeignKey(references=Place, null=True, default=None)  # the level above
    decided_by = ForeignKey(references=User, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decision = Varchar(length=20, default="")
    decision_reason = Text(default="")
