"""Work-order tables: the orders, every hop of each (the public timeline), and who works
in which department."""

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import Category, User
from consult.places.tables import Department, Place
from consult.topics.tables import Topic


class WorkOrder(Table):
    """A work order (工单): from a topic, or a plain service request (接诉即办) with its own
    title, description, category, grid and requester. Held by a place (a level) or by a
    department, never both; ``sent_by`` is the level that dispatched it (where 退回 goes),
    ``handler_department`` who last worked on it (where 不满意 sends it back)."""

    id = Serial(primary_key=True)
    topic = ForeignKey(references=Topic, null=True, default=None)
    title = Varchar(length=80)
    description = Text(default="")
    category = ForeignKey(references=Category, null=True, default=None)
    grid = ForeignKey(references=Place)  # the origin: a place of kind grid
    requester = ForeignKey(references=User, null=True, default=None)  # rates the reply; never shown
    created_by = ForeignKey(references=User, null=True, default=None)
    holder_place = ForeignKey(references=Place, null=True, default=None)
    holder_department = ForeignKey(references=Department, null=True, default=None)
    sent_by = ForeignKey(references=Place, null=True, default=None)
    handler_department = ForeignKey(references=Department, null=True, default=None)
    state = Varchar(length=20, default="at_level", index=True)
    round = Integer(default=1)
    deadline = Timestamptz(null=True, default=None)
    ack_due_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    dispatched_at = Timestamptz(null=True, default=None)
    acknowledged_at = Timestamptz(null=True, default=None)
    replied_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    result = Text(default="")
    rating = Varchar(length=20, default="")


class WorkOrderEvent(Table):
    """One hop of an order: who (an account, shown only by role), when, the action, the
    holders before and after, the reason and the deadline. Public, no private data."""

    id = Serial(primary_key=True)
    work_order = ForeignKey(references=WorkOrder)
    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(references=User, null=True, default=None)  # None: the system
    action = Varchar(length=20)
    from_state = Varchar(length=20, default="")
    to_state = Varchar(length=20, default="")
    from_place = ForeignKey(references=Place, null=True, default=None)
    from_department = ForeignKey(references=Department, null=True, default=None)
    to_place = ForeignKey(references=Place, null=True, default=None)
    to_department = ForeignKey(references=Department, null=True, default=None)
    reason = Text(default="")
    deadline = Timestamptz(null=True, default=None)
    round = Integer(default=1)


class DepartmentMember(Table):
    """A person works in a department: the ``department`` role, scoped to that department
    (one row per person and department; a raw unique index)."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=User)
    department = ForeignKey(references=Department)
    granted_by = ForeignKey(references=User, null=True, default=None)
    granted_at = Timestamptz(default=TimestamptzNow())
