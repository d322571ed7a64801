"""Reads for the public scoreboard (issue 15 point 5): every order's public fields (the open
data at ``/api/v1/work-orders``) and the scoreboard's counts, one SQL aggregate grouped by
grid and department, then added up per department and per place (a place rolls up
everything below it), and the medians, one SQL query with window functions for every
group at once (a median does not add up). Read once per content revision and filter,
shared by every viewer.
No person is read: no requester, no actor. The rules are ``consult.workorders.rates``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from consult import db
from consult.cache import RevisionCache, at, content_revision
from consult.medians import middle_sql
from consult.places import queries as places
from consult.places.lookup import find_place
from consult.places.tree import Tree, covers, subtree_bounds
from consult.workorders.calendar import LOCAL
from consult.workorders.lifecycle import OPEN_STATES, Rating
from consult.workorders.queries import department_names
from consult.workorders.rates import Counts, Figures, Middle, figures, local_start, period_bounds
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


async def _orders_sql(scope: Scope, today: date) -> tuple[str, list]:
    """ORDERS_SQL for the orders in ``scope``, and its values: what every read here is over."""
    node = await find_place(scope.place)
    where, args = _where(scope, node.path if node else None, today)
    return ORDERS_SQL + where, args


async def order_rows(scope: Scope, today: date | None = None) -> list[dict]:
    """Every order's public fields in ``scope`` (oldest first)."""
    orders, args = await _orders_sql(scope, today or utcnow().astimezone(LOCAL).date())
    rows = await WorkOrder.raw(orders + " ORDER BY w.id", *args)
    for r in rows:
        for name in _TIMES:
            r[name] = _aware(r[name])
        r["excluded"], r["returned"] = bool(r["excluded"]), int(r["returned"] or 0)
    return rows


def _microseconds(column: str) -> str:
    """``column`` (a timestamptz) as whole microseconds since 1970, exactly: PostgreSQL's
    epoch is numeric; SQLite keeps ISO text, so its seconds (strftime on the text without
    the fraction: strftime itself rounds .9995 up) plus the six digits Python writes after
    the point (absent when they are all zero)."""
    if not db.is_sqlite():
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
    fraction = f"substr({column}, 20, 1) = '.'"
    whole = f"substr({column}, 1, 19) || CASE WHEN {fraction} THEN substr({column}, 27) ELSE substr({column}, 20) END"
    return (f"(CAST(strftime('%s', {whole}) AS INTEGER) * 1000000 "
            f"+ CASE WHEN {fraction} THEN CAST(substr({column}, 21, 6) AS INTEGER) ELSE 0 END)")


def _span(later: str, earlier: str) -> str:
    return f"({_microseconds('o.' + later)} - {_microseconds('o.' + earlier)})"


def _medians_sql() -> str:
    """The middle one or two durations of every group at once (``consult.medians``): each
    duration is listed once per group it belongs to (its department, the child place it
    lies under, the total). Built per call: the dialect is the engine's, chosen after this
    module is imported."""
    durations = f"""
WITH o AS ({{orders}}),
s AS (SELECT o.department AS dep, {{child}} AS child,
             {_span("acknowledged_at", "dispatched_at")} AS ack, {_span("replied_at", "created_at")} AS res
      FROM o JOIN place g ON g.id = o.grid WHERE o.excluded = 0)
SELECT 'ack' AS measure, 'department' AS kind, dep AS k, ack AS us FROM s WHERE ack IS NOT NULL AND dep IS NOT NULL
UNION ALL SELECT 'ack', 'place', child, ack FROM s WHERE ack IS NOT NULL AND child IS NOT NULL
UNION ALL SELECT 'ack', 'total', 0, ack FROM s WHERE ack IS NOT NULL
UNION ALL SELECT 'res', 'department', dep, res FROM s WHERE res IS NOT NULL AND dep IS NOT NULL
UNION ALL SELECT 'res', 'place', child, res FROM s WHERE res IS NOT NULL AND child IS NOT NULL
UNION ALL SELECT 'res', 'total', 0, res FROM s WHERE res IS NOT NULL"""
    return middle_sql(durations, "us", ("measure", "kind", "k"))


Middles = dict[tuple[str, str, int], Middle]  # (measure, kind, key) → the middle values


def _child_sql(children) -> tuple[str, list]:
    """A CASE naming the child place (of the scope) a grid ``g`` lies under, or NULL."""
    if not children:
        return "NULL", []
    parts, args = [], []
    for child in children:
        parts.append(f"WHEN g.path >= {{}} AND g.path < {{}} THEN {int(child.id)}")
        args += list(subtree_bounds(child.path))
    return "CASE " + " ".join(parts) + " END", args


async def _middles(scope: Scope, children, today: date) -> Middles:
    orders, args = await _orders_sql(scope, today)
    child, child_args = _child_sql(children)
    sql = _medians_sql().replace("{orders}", orders).replace("{child}", child)
    return {(r["measure"], r["kind"], int(r["k"])): Middle(int(r["middle_sum"]), int(r["middle_count"]))
            for r in await WorkOrder.raw(sql, *args, *child_args)}


async def _grouped(scope: Scope, now: datetime, today: date) -> dict[tuple[int, int | None], Counts]:
    orders, args = await _orders_sql(scope, today)
    sql = COUNTS_SQL.replace("{orders}", orders)
    # the two {} of the outer query come after the inner ones in the text: now, now
    outer_first = sql.index("FROM (")
    n_before = sql[:outer_first].count("{}")
    values = [now] * n_before + args
    groups: dict[tuple[int, int | None], Counts] = {}
    for r in await WorkOrder.raw(sql, *values):
        groups[(r["grid"], r["department"])] = Counts(**{k: int(r[k] or 0) for k in (
            "orders", "dispatched", "acknowledged_in_time", "due", "resolved_in_time", "rated", "satisfied",
            "overdue", "returned")})
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


def _children(scope: Scope, tree: Tree):
    return tree.children(scope.place) if scope.place is not None else tree.roots()


def _figures(counts: Counts, middles: Middles, kind: str, key: int) -> Figures:
    return figures(counts, middles.get(("ack", kind, key), Middle()), middles.get(("res", kind, key), Middle()))


def _board(scope: Scope, groups, middles: Middles, tree: Tree, deps: dict[int, dict], today: date) -> Board:
    dep_rows = []
    for dep_id in sorted({d for _g, d in groups if d is not None}, key=lambda d: (deps.get(d, {}).get("name", ""), d)):
        dep = deps.get(dep_id, {})
        dep_rows.append(Row(dep_id, dep.get("name", "?"), tree.label(dep.get("place")) if dep else "",
                            _figures(_sum(groups, lambda k, d=dep_id: k[1] == d), middles, "department", dep_id)))
    place_rows = []
    for child in _children(scope, tree):
        c = _sum(groups, lambda k, p=child.path: covers(p, tree.path_of(k[0]) or "\0"))
        place_rows.append(Row(child.id, child.name, str(child.kind), _figures(c, middles, "place", child.id)))
    first, after = period_bounds(scope.period, scope.start, scope.end, today)
    last = after - timedelta(days=1) if after else None
    return Board(scope.place, scope.period, first, last, _figures(_sum(groups, lambda k: True), middles, "total", 0),
                 dep_rows, place_rows)


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
        groups, middles = await _grouped(scope, minute, today), await _middles(scope, _children(scope, tree), today)
        return _board(scope, groups, middles, tree, deps, today)

    return await _BOARDS.get_or_load(at(revision, scope, minute), load)
