"""What the home page shows: what is happening now, at one place and below it.

Open discussions (closing soonest first), open votes, projects in progress (deadline and
latest progress), and a few figures. Four queries, read once per content revision and
place and shared between every viewer (callers treat the result as read-only). The
place is a path of ``consult.places.tree`` (WHOLE_INSTALL: everything); topics are
taken with one indexed range on the grid's path, votes when they belong to the place,
to a place above it (a street's vote concerns its communities), below it, or to nobody.
"""

from __future__ import annotations

from datetime import date, datetime

from consult.cache import RevisionCache, at, content_revision
from consult.dashboard.domain import rate_percent, year_bounds
from consult.places.queries import tree, within_sql
from consult.places.tree import WHOLE_INSTALL, ids_on
from consult.meetings.queries import meetings_since, upcoming_uncached as upcoming_meetings
from consult.topics.clock import local_today, utcnow
from consult.topics.evaluation import Rating
from consult.topics.lifecycle import TopicState
from consult.topics.tables import Topic
from consult.voting.lifecycle import VoteState

SHOWN = 5  # rows of each list on the home page

_NOW_CACHE = RevisionCache("home_now", size=64)

# SQL with {} placeholders; "{scope}" is replaced by a place condition.

_DISCUSSING = TopicState.discussing.value
_IMPLEMENTING = TopicState.implementing.value
_CLOSED = TopicState.closed.value

_FIGURES_SQL = (
    "SELECT "
    "(SELECT COUNT(*) FROM topic t WHERE t.created_at >= {} AND t.created_at < {} AND {scope}) AS topics_year, "
    f"(SELECT COUNT(*) FROM topic t WHERE t.state = '{_DISCUSSING}' AND {{scope}}) AS discussing, "
    f"(SELECT COUNT(*) FROM topic t WHERE t.state = '{_IMPLEMENTING}' AND {{scope}}) AS implementing, "
    f"(SELECT COUNT(*) FROM topic t WHERE t.state = '{_CLOSED}' AND {{scope}}) AS completed, "
    + ", ".join(
        f"(SELECT COUNT(*) FROM topic_rating r JOIN topic t ON t.id = r.topic WHERE r.value = '{v.value}' "
        f"AND {{scope}}) AS {v.value}"
        for v in Rating
    )
)

_DISCUSSIONS_SQL = (
    "SELECT t.id, t.title, t.grid AS grid_id, t.discussion_ends_on AS ends_on, "
    "(SELECT COUNT(*) FROM topic_comment cm WHERE cm.topic = t.id) AS comments, "
    "(SELECT COUNT(*) FROM topic_second s WHERE s.topic = t.id) AS seconds "
    f"FROM topic t WHERE t.state = '{_DISCUSSING}' AND {{scope}} "
    "ORDER BY t.discussion_ends_on ASC, t.id ASC LIMIT {}"
)

_PROJECTS_SQL = (
    "SELECT t.id, t.state, p.title, t.grid AS grid_id, p.deadline, p.responsible_unit, "
    "(SELECT u.percent FROM progress_update u WHERE u.topic = t.id "
    "ORDER BY u.on_date DESC, u.id DESC LIMIT 1) AS percent "
    f"FROM topic t JOIN project_sheet p ON p.topic = t.id WHERE t.state = '{_IMPLEMENTING}' AND {{scope}} "
    "ORDER BY p.deadline ASC, t.id ASC LIMIT {}"
)

_VOTES_SQL = (
    "SELECT v.id, v.title, v.year, v.seats, v.round, "
    "(SELECT COUNT(*) FROM candidate c WHERE c.vote = v.id) AS candidates "
    f"FROM vote v WHERE v.state = '{VoteState.open.value}' AND {{scope}} ORDER BY v.year DESC, v.id DESC"
)


def _topic_scope(path: str) -> tuple[str, tuple]:
    return within_sql("t.grid", (path,))


def _vote_scope(path: str) -> tuple[str, tuple]:
    """A vote of the place, of a place above it, below it, or of nobody (the whole install)."""
    if path == WHOLE_INSTALL:
        return "1 = 1", ()
    below, values = within_sql("v.place", (path,))
    above = ", ".join(str(i) for i in ids_on(path))  # ids from a stored path: integers only
    return f"(v.place IS NULL OR v.place IN ({above}) OR {below})", values


def _date(value) -> date | None:
    """A date column (SQLite may give it back as text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def _figures(path: str, year: int) -> dict:
    scope, values = _topic_scope(path)
    start, end = year_bounds(year)
    # Every sub-select takes the scope's values once, in the order they appear.
    args = [start, end, *values] + [*values] * (3 + len(Rating))
    row = (await Topic.raw(_FIGURES_SQL.replace("{scope}", scope), *args))[0]
    counts = {k: int(row[k] or 0) for k in row}
    rated = sum(counts[v.value] for v in Rating)
    return {
        "year": year, "topics_year": counts["topics_year"], "discussing": counts["discussing"],
        "implementing": counts["implementing"], "completed": counts["completed"], "ratings": rated,
        "satisfaction": rate_percent(counts[Rating.satisfied.value], counts[Rating.basically_satisfied.value],
                                     counts[Rating.unsatisfied.value]),
    }


async def _load(path: str, year: int, since: datetime) -> dict:
    places = await tree()
    scope, values = _topic_scope(path)
    discussions = await Topic.raw(_DISCUSSIONS_SQL.replace("{scope}", scope), *values, SHOWN)
    projects = await Topic.raw(_PROJECTS_SQL.replace("{scope}", scope), *values, SHOWN)
    vote_scope, vote_values = _vote_scope(path)
    votes = await Topic.raw(_VOTES_SQL.replace("{scope}", vote_scope), *vote_values)
    for row in (*discussions, *projects):
        row["place"] = places.label(row["grid_id"])
    for row in discussions:
        row["ends_on"] = _date(row["ends_on"])
        row["comments"], row["seconds"] = int(row["comments"]), int(row["seconds"])
    for row in projects:
        row["deadline"] = _date(row["deadline"])
        row["percent"] = None if row["percent"] is None else int(row["percent"])
    return {"figures": await _figures(path, year), "discussions": discussions, "projects": projects,
            "votes": votes, "meetings": await upcoming_meetings(path, since, places)}


async def now_happening(path: str = WHOLE_INSTALL, today: date | None = None) -> dict:
    """What the home page shows at ``path`` (and below), with the revision it was read at."""
    year = (today or local_today()).year
    since = meetings_since(utcnow())  # the upcoming meetings move on once an hour
    revision = await content_revision()
    data = await _NOW_CACHE.get_or_load(at(revision, path, year, since), lambda: _load(path, year, since))
    return {**data, "revision": revision, "path": path}
