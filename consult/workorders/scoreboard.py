"""Reads for the public scoreboard (issue 15 point 5): every order's public fields (the open
data at ``/api/v1/work-orders``) and the scoreboard's counts, one SQL aggregate grouped by
grid and department, then added up per department and per place (a place rolls up
everything below it). Read once per content revision and filter, shared by every viewer.
No person is read: no requester, no actor. The rules are ``consult.workorders.rates``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from consult.cache import RevisionCache, at, content_revision
from consult.places import queries as places
from consult.places.lookup import find_place
from consult.places.tree import Tree, covers
from consult.workorders.calendar import LOCAL
from consult.workorders.lifecycle import OPEN_STATES, Rating
from consult.workorders.queries import department_names
from consult.workorders.rates import Counts, Figures, figures, local_start, period_bounds
from consult.workorders.review import APPROVED
from consult.workorders.steps import utcnow
from consult.workorders.tables import WorkOrder

_OPEN = ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATES))
_GOOD = f"'{Rating.satisfied.value}', '{Rating.basically_satisfied.value}'"

# One row per order: its public fields and what the events and the decisions add.
ORDERS_SQL = f"""
SELECT w.id, w.topic, w.grid, w.state, w.round, w.rating, w.created_at, w.dispatched_at, w.ack_due_at,
       w.acknowledged_at, w.deadline, w.replied_at, w.closed_at,
       (SELECT e.to_department FROM work_order_event e WHERE e.work_order = w.id AND e.action = 'dispatch'
        ORDER BY e.id DESC LIMIT 1) AS department,
       (SELECT COUNT(*) FROM work_order_event e WHERE e.work_order = w.id AND e.action = 'send_back') AS returned,
       CASE WHEN EXISTS (SELECT 1 FROM work_order_exclusion x WHERE x.work_order = w.id
                         AND x.decision = '{APPROVED}') THEN 1 ELSE 0 END AS excluded
FROM work_order w"""

COUNTS_SQL = f"""
SELECT o.grid, o.department, COUNT(*) AS orders,
  SUM(CASE WHEN o.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS dispatched,
  SUM(CASE WHEN o.dispatched_at IS NOT NULL AND o.acknowledged_at IS NOT NULL
           AND o.acknowledged_at <= o.ack_due_at THEN 1 ELSE 0 END) AS acknowledged_in_time,
  SUM(CASE WHEN o.deadline IS NOT NULL AND (o.replied_at IS NOT NULL OR o.deadline <= {{}}) THEN 1 ELSE 0 END) AS due,
  SUM(CASE WHEN o.deadline IS NOT NULL AND o.replied_at IS NOT NULL AND o.replied_at <= o.deadline
           THEN 1 ELSE 0 END) AS resolved_in_time,
  SUM(CASE WHEN o.rating <> '' THEN 1 ELSE 0 END) AS rated,
  SUM(CASE WHEN o.rating IN ({_GOOD}) THEN 1 ELSE 0 END) AS satisfied,
  SUM(CASE WHEN o.state IN ({_OPEN}) AND o.deadline IS NOT NULL AND o.deadline < {{}} THEN 1 ELSE 0 END) AS overdue,
  SUM(o.returned) AS returned
FROM ({{orders}}) o WHERE o.excluded = 0 GROUP BY o.grid, o.department"""


@dataclass(frozen=True)
class Scope:
    """What the scoreboard is about: the place (None: everywhere) and the local dates."""

    place: int | None = None
    period: str = "all"
    start: date | None = None
    end: date | None = None  # inclusive


def _where(scope: Scope, path: str | None, today: date) -> tuple[str, list]:
    parts, args = [], []
    first, after = period_bounds(scope.period, scope.start, scope.end, today)
    if first is not None:
        parts.append("w.created_at >= {}")
        args.append(local_start(first, LOCAL))
    if after is not None:
        parts.append("w.created_at < {}")
        args.append(local_start(after, LOCAL))
    if path is not None:
        clause, bounds = places.subtree_sql("w.grid", path)
        parts.append(clause)
        args += list(bounds)
    return (" WHERE " + " AND ".join(parts)) if parts else "", args


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


_TIMES = ("created_at", "dispatched_at", "ack_due_at", "acknowledged_at", "deadline", "replied_at", "closed_at")


async def order_rows(scope: Scope, today: date | None = None) -> list[dict]:
    """Every order's public fields in ``scope`` (oldest first)."""
    today = today or utcnow().astimezone(LOCAL).date()
    node = await find_place(scope.place)
    where, args = _where(scope, node.path if node else None, today)
    rows = await WorkOrder.raw(ORDERS_SQL + where + " ORDER BY w.id", *args)
    for r in rows:
        for name in _TIMES:
            r[name] = _aware(r[name])
        r["excluded"], r["returned"] = bool(r["excluded"]), int(r["returned"] or 0)
    return rows


def _seconds(later: datetime | None, earlier: datetime | None) -> int | None:
    if later is None or earlier is None:
        return None
    return int((later - earlier).total_seconds())


async def _grouped(scope: Scope, now: datetime, today: date) -> dict[tuple[int, int | None], Counts]:
    node = await find_place(scope.place)
    where, args = _where(scope, node.path if node else None, today)
    sql = COUNTS_SQL.replace("{orders}", ORDERS_SQL + where)
    # the two {} of the outer query come after the inner ones in the text: now, now
    outer_first = sql.index("FROM (")
    n_before = sql[:outer_first].count("{}")
    values = [now] * n_before + args
    groups: dict[tuple[int, int | None], Counts] = {}
    for r in await WorkOrder.raw(sql, *values):
        groups[(r["grid"], r["department"])] = Counts(**{k: int(r[k] or 0) for k in (
            "orders", "dispatched", "acknowledged_in_time", "due", "resolved_in_time", "rated", "satisfied",
            "overdue", "returned")})
    for r in await order_rows(scope, today):  # the durations for the medians
        if r["excluded"]:
            continue
        c = groups.setdefault((r["grid"], r["department"]), Counts())
        ack = _seconds(r["acknowledged_at"], r["dispatched_at"])
        if ack is not None:
            c.ack_seconds.append(ack)
        resolve = _seconds(r["replied_at"], r["created_at"])
        if resolve is not None:
            c.resolve_seconds.append(resolve)
    return groups


@dataclass(frozen=True)
class Row:
    id: int | None
    name: str
    level: str  # a department's place, or a place's kind
    figures: Figures


@dataclass(frozen=True)
class Board:
    place: int | None
    period: str
    start: date | None
    end: date | None  # the last day (inclusive)
    total: Figures
    departments: list[Row]
    places: list[Row]


def _sum(groups, keep) -> Counts:
    total = Counts()
    for key, c in groups.items():
        if keep(key):
            total.add(c)
    return total


def _board(scope: Scope, groups, tree: Tree, deps: dict[int, dict], today: date) -> Board:
    dep_rows = []
    for dep_id in sorted({d for _g, d in groups if d is not None}, key=lambda d: (deps.get(d, {}).get("name", ""), d)):
        dep = deps.get(dep_id, {})
        dep_rows.append(Row(dep_id, dep.get("name", "?"), tree.label(dep.get("place")) if dep else "",
                            figures(_sum(groups, lambda k, d=dep_id: k[1] == d))))
    place_rows = []
    for child in (tree.children(scope.place) if scope.place is not None else tree.roots()):
        c = _sum(groups, lambda k, p=child.path: covers(p, tree.path_of(k[0]) or "\0"))
        place_rows.append(Row(child.id, child.name, str(child.kind), figures(c)))
    first, after = period_bounds(scope.period, scope.start, scope.end, today)
    last = after - timedelta(days=1) if after else None
    return Board(scope.place, scope.period, first, last, figures(_sum(groups, lambda k: True)), dep_rows,
                 place_rows)


_BOARDS = RevisionCache("workorders.scoreboard", size=128)


async def board(scope: Scope, now: datetime | None = None) -> Board:
    """The scoreboard for ``scope``, once per content revision, scope and minute (the
    overdue and due counts depend on the time)."""
    now = now or utcnow()
    today = now.astimezone(LOCAL).date()
    revision = await content_revision()
    await find_place(scope.place)  # an unknown place is a 404 before anything is cached
    minute = now.replace(second=0, microsecond=0)

    async def load() -> Board:
        tree, deps = await places.tree(), await department_names()
        return _board(scope, await _grouped(scope, minute, today), tree, deps, today)

    return await _BOARDS.get_or_load(at(revision, scope, minute), load)
