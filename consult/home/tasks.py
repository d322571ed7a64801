"""What waits for a person, by the roles they hold and the places those roles reach.

Committee: topics waiting for screening (oldest first), flagged comments, discussions
ending. Staff: residents waiting for verification, role requests, projects to start,
evaluations to open, overdue projects; both: the open work orders of their levels, the
least time left first. Representatives: open votes they are on the roll
of and have not cast, projects under way to supervise. Every list is limited to the
places where the person holds the role (``Viewer.scopes_of`` and one path range per
place, ``within_sql``); a vote's roll is its own scope. One query per list, never per
row; nothing here is cached (it is one person's, and must be as of now).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from consult.accounts.domain import Viewer
from consult.accounts.grants import verification_queue
from consult.places.queries import tree, within_sql
from consult.roles import Role
from consult.topics.clock import local_today, utcnow
from consult.topics.evaluation import is_overdue, is_unanswered
from consult.topics.lifecycle import OPEN_PROJECT_STATES, FundingRoute, TopicState, state_values
from consult.topics.tables import Topic
from consult.voting.lifecycle import VoteState
from consult.workorders import queries as work_orders

SHOWN = 10  # rows of each list; the count says how many there are in all
ENDING_DAYS = 7  # a discussion "ends soon" when its end date is at most this many days away
DONE_PERCENT = 100  # latest progress at which an evaluation may be opened

TASK_ROLES = (Role.committee.value, Role.staff.value, Role.representative.value)

_OPEN_PROJECTS = ", ".join(f"'{s}'" for s in state_values(OPEN_PROJECT_STATES))
_LATEST_PERCENT = ("(SELECT u.percent FROM progress_update u WHERE u.topic = t.id "
                   "ORDER BY u.on_date DESC, u.id DESC LIMIT 1)")

# SQL with {} placeholders; "{scope}" is replaced by a place condition (``_with``).
_SCREENING_SQL = (
    "SELECT t.id, t.title, t.grid AS grid_id, t.created_at, COUNT(*) OVER () AS total FROM topic t "
    f"WHERE t.state = '{TopicState.proposed.value}' AND {{scope}} ORDER BY t.created_at ASC, t.id ASC LIMIT {{}}"
)
_FLAGGED_SQL = (
    "SELECT c.id, c.topic AS topic_id, t.title, COUNT(*) AS flags, COUNT(*) OVER () AS total "
    "FROM comment_flag f JOIN topic_comment c ON c.id = f.comment JOIN topic t ON t.id = c.topic "
    "WHERE c.hidden = {} AND {scope} GROUP BY c.id, c.topic, t.title ORDER BY flags DESC, c.id ASC LIMIT {}"
)
_ENDING_SQL = (
    "SELECT t.id, t.title, t.grid AS grid_id, t.discussion_ends_on AS ends_on, COUNT(*) OVER () AS total "
    f"FROM topic t WHERE t.state = '{TopicState.discussing.value}' AND t.discussion_ends_on <= {{}} "
    "AND {scope} ORDER BY t.discussion_ends_on ASC, t.id ASC LIMIT {}"
)
_PROJECTS_SQL = (
    "SELECT t.id, t.state, p.title, t.grid AS grid_id, p.deadline, p.funding_route, "
    f"{_LATEST_PERCENT} AS percent FROM topic t JOIN project_sheet p ON p.topic = t.id "
    f"WHERE t.state IN ({_OPEN_PROJECTS}) AND {{scope}} ORDER BY p.deadline ASC, t.id ASC"
)
_BALLOTS_SQL = (
    "SELECT v.id, v.title, v.year, v.round FROM vote v JOIN roll_entry r ON r.vote = v.id "
    f"WHERE r.\"user\" = {{}} AND v.state = '{VoteState.open.value}' "
    "AND NOT EXISTS (SELECT 1 FROM participation pa WHERE pa.vote = v.id AND pa.\"user\" = {}) "
    "ORDER BY v.year DESC, v.id DESC"
)


def _with(sql: str, scopes: tuple[str, ...]) -> tuple[str, tuple]:
    """``sql`` limited to topics in the grids under ``scopes``, and the condition's values."""
    scope, values = within_sql("t.grid", scopes)
    return sql.replace("{scope}", scope), values


@dataclass
class TaskList:
    """One kind of task: up to SHOWN rows, and how many there are in all."""

    rows: list[dict] = field(default_factory=list)
    total: int = 0

    @classmethod
    def of(cls, rows: list[dict], total: int | None = None) -> "TaskList":
        shown = rows[:SHOWN]
        if total is None:
            total = int(rows[0]["total"]) if rows and "total" in rows[0] else len(rows)
        return cls(shown, int(total))


@dataclass
class Tasks:
    """Every list for one person; a role's lists are None when the person does not hold it."""

    committee: dict[str, TaskList] | None = None
    staff: dict[str, TaskList] | None = None
    representative: dict[str, TaskList] | None = None
    work_orders: TaskList | None = None  # open work orders the committee's or staff's levels hold or sent

    @property
    def count(self) -> int:
        return sum(t.total for part in (self.committee, self.staff, self.representative) if part
                   for t in part.values()) + (self.work_orders.total if self.work_orders else 0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def _label(rows: list[dict]) -> list[dict]:
    places = await tree()
    for row in rows:
        if "grid_id" in row:
            row["place"] = places.label(row["grid_id"])
    return rows


async def _committee(scopes: tuple[str, ...], today: date, now: datetime) -> dict[str, TaskList]:
    sql, values = _with(_SCREENING_SQL, scopes)
    waiting = await Topic.raw(sql, *values, SHOWN)
    for row in waiting:
        created = _aware(row["created_at"])
        row["waiting_hours"] = max(0, int((now - created).total_seconds() // 3600))
        row["unanswered"] = is_unanswered(TopicState.proposed, created, now)
    sql, values = _with(_FLAGGED_SQL, scopes)
    flagged = await Topic.raw(sql, False, *values, SHOWN)
    sql, values = _with(_ENDING_SQL, scopes)
    ending = await Topic.raw(sql, today + timedelta(days=ENDING_DAYS), *values, SHOWN)
    for row in ending:
        row["ends_on"] = _date(row["ends_on"])
        row["days_left"] = (row["ends_on"] - today).days
    return {"screening": TaskList.of(await _label(waiting)), "flagged": TaskList.of(flagged),
            "ending": TaskList.of(await _label(ending))}


def _project_lists(rows: list[dict], today: date) -> dict[str, list[dict]]:
    """Open projects sorted into what staff do next with them (a project may be in two)."""
    lists: dict[str, list[dict]] = {"to_start": [], "to_evaluate": [], "overdue": []}
    for row in rows:
        row["deadline"] = _date(row["deadline"])
        row["percent"] = None if row["percent"] is None else int(row["percent"])
        state = TopicState(row["state"])
        if state is TopicState.project and row["funding_route"] == FundingRoute.community.value:
            lists["to_start"].append(row)  # an annual-vote project waits for the vote
        if state is TopicState.implementing and row["percent"] == DONE_PERCENT:
            lists["to_evaluate"].append(row)
        if is_overdue(state, row["deadline"], today):
            row["days_over"] = (today - row["deadline"]).days
            lists["overdue"].append(row)
    return lists


async def _staff(viewer: Viewer, scopes: tuple[str, ...], today: date) -> dict[str, TaskList]:
    queue = await verification_queue(viewer)
    sql, values = _with(_PROJECTS_SQL, scopes)
    projects = await _label(await Topic.raw(sql, *values))
    return {
        "unverified": TaskList.of(queue["unverified"]), "requests": TaskList.of(queue["requests"]),
        **{name: TaskList.of(rows) for name, rows in _project_lists(projects, today).items()},
    }


async def _representative(viewer: Viewer, scopes: tuple[str, ...], today: date) -> dict[str, TaskList]:
    ballots = await Topic.raw(_BALLOTS_SQL, viewer.id, viewer.id)
    sql, values = _with(_PROJECTS_SQL, scopes)
    projects = await _label(await Topic.raw(sql, *values))
    under_way = [r for r in projects if r["state"] == TopicState.implementing.value]
    for row in under_way:
        row["deadline"] = _date(row["deadline"])
        row["percent"] = None if row["percent"] is None else int(row["percent"])
        row["overdue"] = is_overdue(TopicState.implementing, row["deadline"], today)
    return {"ballots": TaskList.of(ballots), "supervision": TaskList.of(under_way)}


async def tasks_for(viewer: Viewer, today: date | None = None, now: datetime | None = None) -> Tasks:
    """What waits for ``viewer``, by role, in the places each role reaches."""
    today = today or local_today()
    now = now or utcnow()
    tasks = Tasks()
    if not viewer.signed_in:
        return tasks
    if scopes := viewer.scopes_of(Role.committee.value):
        tasks.committee = await _committee(scopes, today, now)
    if scopes := viewer.scopes_of(Role.staff.value):
        tasks.staff = await _staff(viewer, scopes, today)
    if scopes := viewer.scopes_of(Role.representative.value):
        tasks.representative = await _representative(viewer, scopes, today)
    if scopes := viewer.scopes_of(Role.committee.value, Role.staff.value):
        tasks.work_orders = TaskList.of(await work_orders.held_by_levels(scopes, now))  # by time left
    return tasks


def holds_task_role(viewer: Viewer) -> bool:
    return viewer.signed_in and viewer.has(*TASK_ROLES)


async def landing_after_sign_in(viewer: Viewer | None, target: str, tasks_url: str, queue_url: str = "") -> str:
    """Where a person lands after signing in: someone with tasks who was going to the home
    page (the default, or the sign-in link on it) lands on the task view, and else a
    department's person on their queue; everyone else, and anyone on the way to a
    particular page (a ballot, a topic), goes where they were going."""
    if viewer is None or target != "/":
        return target
    if holds_task_role(viewer) and (await tasks_for(viewer)).count:
        return tasks_url
    return queue_url if viewer.in_department and queue_url else target
