"""Dashboard queries (reads only): one SQL aggregate per figure, on SQLite and PostgreSQL alike.

Every figure is about the topics selected by ``StatsFilters`` (year proposed in
Asia/Shanghai, grid). Nothing here loops over rows issuing queries: each function
is one query (two tiny look-ups give the category and grid names). Medians are taken
in SQL with window functions (ROW_NUMBER / COUNT OVER) over per-topic durations.

Durations are differences of day numbers: ``julianday()`` on SQLite (timestamps are
stored as ISO text in UTC), ``EXTRACT(EPOCH FROM ...) / 86400`` on PostgreSQL.
"""

from __future__ import annotations

from datetime import date

from consult import db
from consult.accounts.tables import Category
from consult.places.queries import grid_choices
import consult.dashboard.domain as domain
from consult.dashboard.domain import (
    CategoryGridCount,
    CategorySatisfaction,
    MedianDays,
    MonthCount,
    OverdueShare,
    RoundSatisfaction,
    SecondedTopic,
    Stats,
    StatsFilters,
)
from consult.topics.clock import local_today
from consult.topics.evaluation import Rating
from consult.topics.lifecycle import OPEN_PROJECT_STATES, TERMINAL_STATES, TopicState
from consult.topics.tables import Topic

# Constant lists of states, from the topics domain (not user input).
_OPEN_PROJECTS = ", ".join(f"'{s.value}'" for s in sorted(OPEN_PROJECT_STATES))
_TERMINAL = ", ".join(f"'{s.value}'" for s in sorted(TERMINAL_STATES))
_PROPOSED = TopicState.proposed.value
_PROJECT = TopicState.project.value
_CLOSED = TopicState.closed.value
_SATISFIED = Rating.satisfied.value
_BASIC = Rating.basically_satisfied.value
_UNSATISFIED = Rating.unsatisfied.value


def _day(column: str) -> str:
    """An expression giving ``column`` (a timestamptz) as a number of days."""
    if db.is_sqlite():
        return f"julianday({column})"
    return f"(EXTRACT(EPOCH FROM {column}) / 86400.0)"


def _month(column: str) -> str:
    """``column`` as 'YYYY-MM' in Asia/Shanghai."""
    if db.is_sqlite():
        return f"strftime('%Y-%m', {column}, '+8 hours')"
    return f"to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"


def _where(filters: StatsFilters, first: str = "WHERE") -> tuple[str, list]:
    """The filters as SQL on the topic alias ``t`` (placeholders ``{}``)."""
    parts, args = [], []
    if filters.year is not None:
        start, end = domain.year_bounds(filters.year)
        parts.append("t.created_at >= {} AND t.created_at < {}")
        args += [start, end]
    if filters.grid is not None:
        parts.append("t.grid = {}")
        args.append(filters.grid)
    if not parts:
        return "", []
    return f" {first} " + " AND ".join(parts), args


async def _raw(sql: str, *args) -> list[dict]:
    return await Topic.raw(sql, *args)


def _median_sql(durations: str) -> str:
    """The median (and count) of the ``days`` column of the subquery ``durations``."""
    return (
        f"WITH d AS ({durations}), "
        "r AS (SELECT days, ROW_NUMBER() OVER (ORDER BY days) AS rn, COUNT(*) OVER () AS n FROM d) "
        "SELECT AVG(days) AS median, MAX(n) AS n FROM r WHERE rn IN ((n + 1) / 2, (n + 2) / 2)"
    )


def _median(rows: list[dict]) -> MedianDays:
    row = rows[0] if rows else {}
    n = int(row.get("n") or 0)
    return MedianDays(median_days=domain.days(row.get("median")) if n else None, topics=n)


# ------------------------------------------------------------------ figures


async def topic_count(filters: StatsFilters) -> int:
    where, args = _where(filters)
    rows = await _raw("SELECT COUNT(*) AS n FROM topic t" + where, *args)
    return int(rows[0]["n"]) if rows else 0


async def topics_by_category_grid(filters: StatsFilters) -> list[CategoryGridCount]:
    where, args = _where(filters)
    rows = await _raw(
        "SELECT c.slug, c.name_zh, c.name_en, c.position, g.id AS grid_id, g.name AS grid_name, COUNT(*) AS n "
        "FROM topic t JOIN category c ON c.id = t.category JOIN place g ON g.id = t.grid" + where
        + " GROUP BY c.slug, c.name_zh, c.name_en, c.position, g.id, g.name ORDER BY c.position, c.slug, g.id",
        *args,
    )
    return [
        CategoryGridCount(category=r["slug"], category_zh=r["name_zh"], category_en=r["name_en"],
                          grid_id=int(r["grid_id"]), grid=r["grid_name"], topics=int(r["n"]))
        for r in rows
    ]


async def opened_per_month(filters: StatsFilters) -> list[MonthCount]:
    where, args = _where(filters)
    month = _month("t.created_at")
    rows = await _raw(f"SELECT {month} AS month, COUNT(*) AS n FROM topic t{where} GROUP BY {month}", *args)
    return domain.month_series({r["month"]: int(r["n"]) for r in rows}, filters.year)


async def days_to_screening(filters: StatsFilters) -> MedianDays:
    """Proposal → the first timeline entry out of ``proposed``."""
    where, args = _where(filters, "AND")
    durations = (
        f"SELECT MIN({_day('e.at')}) - {_day('t.created_at')} AS days "
        "FROM topic t JOIN topic_event e ON e.topic = t.id "
        f"WHERE e.from_state = '{_PROPOSED}' AND e.to_state <> '{_PROPOSED}'{where} "
        "GROUP BY t.id, t.created_at"
    )
    return _median(await _raw(_median_sql(durations), *args))


async def days_project_to_closing(filters: StatsFilters) -> MedianDays:
    """First entry into ``project`` → entry into ``closed``, for closed topics."""
    where, args = _where(filters, "AND")
    durations = (
        f"SELECT MAX(CASE WHEN e.to_state = '{_CLOSED}' THEN {_day('e.at')} END) "
        f"- MIN(CASE WHEN e.to_state = '{_PROJECT}' THEN {_day('e.at')} END) AS days "
        "FROM topic t JOIN topic_event e ON e.topic = t.id "
        f"WHERE t.state = '{_CLOSED}' AND e.to_state IN ('{_PROJECT}', '{_CLOSED}') "
        f"AND e.from_state <> e.to_state{where} "
        "GROUP BY t.id "
        f"HAVING COUNT(CASE WHEN e.to_state = '{_PROJECT}' THEN 1 END) > 0 "
        f"AND COUNT(CASE WHEN e.to_state = '{_CLOSED}' THEN 1 END) > 0"
    )
    return _median(await _raw(_median_sql(durations), *args))


async def overdue_share(filters: StatsFilters, today: date | None = None) -> OverdueShare:
    """Open projects and those past their deadline (the topics domain's ``is_overdue``:
    an open project state and ``today > deadline``)."""
    today = today or local_today()
    where, args = _where(filters, "AND")
    rows = await _raw(
        "SELECT COUNT(*) AS n, SUM(CASE WHEN p.deadline < {} THEN 1 ELSE 0 END) AS overdue "
        "FROM topic t JOIN project_sheet p ON p.topic = t.id "
        f"WHERE t.state IN ({_OPEN_PROJECTS}){where}",
        today, *args,
    )
    n = int(rows[0]["n"] or 0) if rows else 0
    overdue = int(rows[0]["overdue"] or 0) if rows else 0
    return OverdueShare(open_projects=n, overdue=overdue, share_percent=domain.percent(overdue, n))


_TALLY = (
    f"SUM(CASE WHEN r.value = '{_SATISFIED}' THEN 1 ELSE 0 END) AS satisfied, "
    f"SUM(CASE WHEN r.value = '{_BASIC}' THEN 1 ELSE 0 END) AS basic, "
    f"SUM(CASE WHEN r.value = '{_UNSATISFIED}' THEN 1 ELSE 0 END) AS unsatisfied, "
    "COUNT(*) AS total"
)


def _tally(r: dict) -> dict:
    s, b, u = int(r["satisfied"] or 0), int(r["basic"] or 0), int(r["unsatisfied"] or 0)
    return {"satisfied": s, "basically_satisfied": b, "unsatisfied": u, "total": int(r["total"]),
            "rate_percent": domain.rate_percent(s, b, u)}


async def satisfaction_by_round(filters: StatsFilters) -> list[RoundSatisfaction]:
    where, args = _where(filters)
    rows = await _raw(
        f"SELECT r.round AS round, {_TALLY} FROM topic_rating r JOIN topic t ON t.id = r.topic{where} "
        "GROUP BY r.round ORDER BY r.round",
        *args,
    )
    return [RoundSatisfaction(round=int(r["round"]), **_tally(r)) for r in rows]


async def satisfaction_by_category(filters: StatsFilters) -> list[CategorySatisfaction]:
    where, args = _where(filters)
    rows = await _raw(
        f"SELECT c.slug, c.name_zh, c.name_en, c.position, {_TALLY} "
        f"FROM topic_rating r JOIN topic t ON t.id = r.topic JOIN category c ON c.id = t.category{where} "
        "GROUP BY c.slug, c.name_zh, c.name_en, c.position ORDER BY c.position, c.slug",
        *args,
    )
    return [
        CategorySatisfaction(category=r["slug"], category_zh=r["name_zh"], category_en=r["name_en"], **_tally(r))
        for r in rows
    ]


async def most_seconded_open(filters: StatsFilters, limit: int = domain.TOP_SECONDED) -> list[SecondedTopic]:
    where, args = _where(filters, "AND")
    rows = await _raw(
        "SELECT t.id, t.title, t.state, COUNT(*) AS seconds "
        "FROM topic t JOIN topic_second s ON s.topic = t.id "
        f"WHERE t.state NOT IN ({_TERMINAL}){where} "
        "GROUP BY t.id, t.title, t.state ORDER BY seconds DESC, t.id ASC LIMIT {}",
        *args, limit,
    )
    return [SecondedTopic(id=int(r["id"]), title=r["title"], state=r["state"], seconds=int(r["seconds"]),
                          url=f"/topics/{int(r['id'])}") for r in rows]


# ------------------------------------------------------------------ the whole dashboard


async def stats(filters: StatsFilters, today: date | None = None) -> Stats:
    """Every figure for ``filters``: nine small aggregates, one after the other (run
    concurrently they save little on SQLite and would take nine pooled connections
    at once on PostgreSQL)."""
    return Stats(
        year=filters.year,
        grid_id=filters.grid,
        topics=await topic_count(filters),
        topics_by_category_grid=await topics_by_category_grid(filters),
        opened_per_month=await opened_per_month(filters),
        days_to_screening=await days_to_screening(filters),
        days_project_to_closing=await days_project_to_closing(filters),
        overdue=await overdue_share(filters, today),
        satisfaction_by_round=await satisfaction_by_round(filters),
        satisfaction_by_category=await satisfaction_by_category(filters),
        most_seconded_open=await most_seconded_open(filters),
    )


async def choices() -> dict:
    """What the filter form offers: grids, and years from the first topic to now."""
    grids = await grid_choices()
    span = await _raw("SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM topic")
    first = domain.local_year(span[0]["first"]) if span else None
    last = domain.local_year(span[0]["last"]) if span else None
    return {"grids": grids, "years": domain.year_choices(first, last, local_today().year)}


async def categories() -> list[dict]:
    """Active categories in their order (rows of the category × grid table)."""
    return await Category.select(Category.slug, Category.name_zh, Category.name_en).where(
        Category.active == True  # noqa: E712
    ).order_by(Category.position)
