"""Dashboard queries (reads only): one SQL aggregate per figure, on SQLite and PostgreSQL alike.

Every figure is about the topics selected by ``StatsFilters`` (year proposed in
Asia/Shanghai, grid). Nothing here loops over rows issuing queries: each function
is one query (two tiny look-ups give the category and grid names). Medians are taken
in SQL with window functions (ROW_NUMBER / COUNT OVER) over per-topic durations.

Durations are differences of day numbers: ``julianday()`` on SQLite (timestamps are
stored as ISO text in UTC), ``EXTRACT(EPOCH FROM ...) / 86400`` on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from consult import db
from consult.medians import middle_sql
from consult.cache import RevisionCache, at, content_revision
from consult.accounts.tables import Category
from consult.places.lookup import find_place, households, place_options
from consult.places.queries import grid_choices, subtree_sql, tree
from consult.places.tree import Kind, subtree_bounds
import consult.dashboard.domain as domain
from consult.dashboard.domain import (
    CategoryGridCount,
    CategorySatisfaction,
    CommunityFigures,
    MedianDays,
    MonthCount,
    OverdueShare,
    RoundSatisfaction,
    SecondedTopic,
    Stats,
    StatsFilters,
)
from consult.topics.clock import local_today, utcnow
from consult.topics.evaluation import Rating, unanswered_since
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
    if filters.path is not None:  # the place and everything below it: one indexed range
        clause, bounds = subtree_sql("t.grid", filters.path)
        parts.append(clause)
        args += list(bounds)
    if not parts:
        return "", []
    return f" {first} " + " AND ".join(parts), args


async def _raw(sql: str, *args) -> list[dict]:
    return await Topic.raw(sql, *args)


def _median_sql(durations: str) -> str:
    """The median (and count) of the ``days`` column of the subquery ``durations``."""
    return middle_sql(durations, "days")


def _median(rows: list[dict]) -> MedianDays:
    row = rows[0] if rows else {}
    n = int(row.get("n") or 0)
    middle = row["middle_sum"] / int(row["middle_count"]) if n else None
    return MedianDays(median_days=domain.days(middle), topics=n)


# ------------------------------------------------------------------ figures


async def topic_count(filters: StatsFilters) -> int:
    where, args = _where(filters)
    rows = await _raw("SELECT COUNT(*) AS n FROM topic t" + where, *args)
    return int(rows[0]["n"]) if rows else 0


async def topics_by_category_grid(filters: StatsFilters) -> list[CategoryGridCount]:
    where, args = _where(filters)
    rows = await _raw(
        "SELECT c.slug, c.name_zh, c.name_en, c.position, t.grid AS grid_id, COUNT(*) AS n "
        "FROM topic t JOIN category c ON c.id = t.category" + where
        + " GROUP BY c.slug, c.name_zh, c.name_en, c.position, t.grid ORDER BY c.position, c.slug, t.grid",
        *args,
    )
    t = await tree()  # a grid named with its community (several communities have a 第一网格)
    return [
        CategoryGridCount(category=r["slug"], category_zh=r["name_zh"], category_en=r["name_en"],
                          grid_id=int(r["grid_id"]), grid=t.label(int(r["grid_id"])), topics=int(r["n"]))
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


# ------------------------------------------------------------------ communities side by side

# Above a community (and for the whole install) the dashboard compares the communities below.
COMPARED_ABOVE = frozenset({Kind.district, Kind.street})


def _upper(column: str) -> str:
    """The end of the half-open range of paths below ``column`` (a path): its last '/' made '0'
    (consult.places.tree.subtree_bounds, in SQL)."""
    return f"substr({column}, 1, length({column}) - 1) || '0'"


def _comparison_sql(topic_where: str) -> str:
    """One row per community at or below a path: its topics joined through the path range of
    its grids, grouped by community. Ratings are counted by two scalar subqueries over the same
    range (joining them into the grouped rows would count each topic once per rating)."""
    in_grids = f"g.path >= c.path AND g.path < {_upper('c.path')}"
    rated = ("(SELECT {what} FROM topic_rating r JOIN topic t2 ON t2.id = r.topic JOIN place g2 ON g2.id = t2.grid "
             f"WHERE g2.path >= c.path AND g2.path < {_upper('c.path')}{topic_where.replace('t.', 't2.')})")
    return (
        "SELECT c.id, COUNT(t.id) AS topics, "
        f"SUM(CASE WHEN t.state NOT IN ({_TERMINAL}) THEN 1 ELSE 0 END) AS open_topics, "
        f"SUM(CASE WHEN t.state = '{_PROPOSED}' AND t.created_at < {{}} THEN 1 ELSE 0 END) AS unanswered, "
        f"SUM(CASE WHEN t.state IN ({_OPEN_PROJECTS}) THEN 1 ELSE 0 END) AS open_projects, "
        f"SUM(CASE WHEN t.state IN ({_OPEN_PROJECTS}) AND p.deadline < {{}} THEN 1 ELSE 0 END) AS overdue, "
        f"SUM(CASE WHEN t.state = '{_CLOSED}' THEN 1 ELSE 0 END) AS closed, "
        + rated.replace("{what}", f"SUM(CASE WHEN r.value IN ('{_SATISFIED}', '{_BASIC}') THEN 1 ELSE 0 END)")
        + " AS content, " + rated.replace("{what}", "COUNT(*)") + " AS ratings "
        f"FROM place c LEFT JOIN place g ON g.kind = '{Kind.grid.value}' AND {in_grids} "
        f"LEFT JOIN topic t ON t.grid = g.id{topic_where} LEFT JOIN project_sheet p ON p.topic = t.id "
        f"WHERE c.kind = '{Kind.community.value}' AND c.path >= {{}} AND c.path < {{}} "
        "GROUP BY c.id, c.path"
    )


async def community_comparison(filters: StatsFilters, today: date | None = None,
                               now: datetime | None = None) -> list[CommunityFigures]:
    """The communities at or below the filter's place (every community without one), side by
    side, from ONE query grouped by community; in tree order, each named with its street
    (below a street: by its own name)."""
    today = today or local_today()
    year_args = []
    topic_where = ""
    if filters.year is not None:
        topic_where = " AND t.created_at >= {} AND t.created_at < {}"
        year_args = list(domain.year_bounds(filters.year))
    low, high = subtree_bounds(filters.path or "/")  # every path starts with "/"
    # the placeholders in the order they are written: the columns', the two ratings
    # subqueries' years, the topic join's year, the communities' range
    args = [unanswered_since(now or utcnow()), today, *year_args, *year_args, *year_args, low, high]
    rows = {int(r["id"]): r for r in await _raw(_comparison_sql(topic_where), *args)}
    t = await tree()
    counts = households(t)
    above = t.get(filters.place) if filters.path else None
    # named from the level below the place: a street's communities by name, a district's with their street
    name_from = Kind.community if above is not None and above.kind == Kind.street else Kind.street
    out = []
    for node in t.below(above.id if above else None, Kind.community):
        r = rows.get(node.id)
        if r is None:
            continue
        content, ratings = int(r["content"] or 0), int(r["ratings"] or 0)
        out.append(CommunityFigures(
            place_id=node.id, name=t.label(node.id, name_from), households=counts[node.id], topics=int(r["topics"]),
            open_topics=int(r["open_topics"] or 0), unanswered=int(r["unanswered"] or 0),
            open_projects=int(r["open_projects"] or 0), overdue=int(r["overdue"] or 0), closed=int(r["closed"] or 0),
            ratings=ratings, satisfaction_percent=domain.percent(content, ratings),
        ))
    return out


# ------------------------------------------------------------------ the whole dashboard


async def resolved(filters: StatsFilters) -> StatsFilters:
    """``filters`` with the path of its place (NotFound for a place id that names no place)."""
    place = await find_place(filters.place)
    return dataclasses.replace(filters, path=place.path if place else None)


_STATS = RevisionCache("dashboard.stats", size=128)


async def stats(filters: StatsFilters, today: date | None = None) -> Stats:
    """Every figure for ``filters``, read once per content revision and day and shared by
    every viewer (the figures are public; callers treat them as read-only): at 100,000
    topics a street's figures take seconds to aggregate, a repeat view one tiny query."""
    today = today or local_today()
    revision = await content_revision()
    filters = await resolved(filters)
    return await _STATS.get_or_load(at(revision, filters, today), lambda: _stats(filters, today))


async def _stats(filters: StatsFilters, today: date) -> Stats:
    """Ten small aggregates, one after the other (run concurrently they save little on
    SQLite and would take ten pooled connections at once on PostgreSQL)."""
    place = (await tree()).get(filters.place)
    return Stats(
        year=filters.year,
        grid_id=filters.place if place is not None and place.kind == Kind.grid else None,
        place_id=filters.place,
        topics=await topic_count(filters),
        topics_by_category_grid=await topics_by_category_grid(filters),
        opened_per_month=await opened_per_month(filters),
        days_to_screening=await days_to_screening(filters),
        days_project_to_closing=await days_project_to_closing(filters),
        overdue=await overdue_share(filters, today),
        satisfaction_by_round=await satisfaction_by_round(filters),
        satisfaction_by_category=await satisfaction_by_category(filters),
        most_seconded_open=await most_seconded_open(filters),
        communities=await community_comparison(filters, today) if place is None or place.kind in COMPARED_ABOVE
        else [],
    )


async def choices(place_id: int | None = None) -> dict:
    """What the filter form offers: places (the tree) and years from the first topic to now;
    ``grids``: the active grids at or below the chosen place (the matrix's columns)."""
    t = await tree()
    grids = await grid_choices(place_id)
    span = await _raw("SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM topic")
    first = domain.local_year(span[0]["first"]) if span else None
    last = domain.local_year(span[0]["last"]) if span else None
    return {"grids": grids, "places": place_options(t, place_id),
            "years": domain.year_choices(first, last, local_today().year)}


async def categories() -> list[dict]:
    """Active categories in their order (rows of the category × grid table)."""
    return await Category.select(Category.slug, Category.name_zh, Category.name_en).where(
        Category.active == True  # noqa: E712
    ).order_by(Category.position)
