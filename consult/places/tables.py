"""Places tables: the tree of places, the departments, and the install itself."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Place(Table):
    """One node of the tree (consult.places.tree): a district, street, community, grid or
    building. ``path`` is the ids from the root down (``/1/4/9/``), indexed. A place that
    has topics or people is never deleted, only deactivated.

    The settings columns hold this place's own value; NULL means "as the place above"
    (consult.places.settings resolves the chain)."""

    id = Serial(primary_key=True)
    parent = ForeignKey(references="self", null=True)
    kind = Varchar(length=20, default="grid")
    name = Varchar(length=100)
    path = Varchar(length=400, default="")
    households = Integer(default=0)
    active = Boolean(default=True)
    position = Integer(default=0)
    satisfaction_percent = Integer(null=True, default=None)
    min_ratings = Integer(null=True, default=None)
    evaluation_days = Integer(null=True, default=None)
    discussion_days = Integer(null=True, default=None)
    screening_days = Integer(null=True, default=None)
    other_grids_rate = Boolean(null=True, default=None)
    # the work-order clocks (consult.workorders; migration workorders_0001)
    ack_hours = Integer(null=True, default=None)
    response_hours = Integer(null=True, default=None)
    return_days = Integer(null=True, default=None)
    work_start_hour = Integer(null=True, default=None)
    work_end_hour = Integer(null=True, default=None)
    weekends_off = Boolean(null=True, default=None)


class Department(Table):
    """A functional department (职能部门: 住建局, 城管执法, a property company), attached to
    the level of the tree it serves."""

    id = Serial(primary_key=True)
    name = Varchar(length=100)
    place = ForeignKey(references=Place)
    active = Boolean(default=True)
    position = Integer(default=0)


class CalendarDay(Table):
    """A day of a place's own holiday calendar (consult.places.calendar_days): a holiday, or
    a weekend day worked (调休). One row per place and date (a raw unique index); the
    places below inherit it."""

    id = Serial(primary_key=True)
    place = ForeignKey(references=Place)
    day = Date()
    kind = Varchar(length=20, default="holiday")
    name = Varchar(length=40, default="")


class Install(Table):
    """One row (id 1): the install's name and whether first-run setup is finished."""

    id = Integer(primary_key=True)
    name = Varchar(length=100, default="")
    setup_done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
