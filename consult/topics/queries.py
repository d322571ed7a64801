"""Topic reads: the public list, one topic, the committee's queue and the annual vote's
candidates, counting in SQL (one query per list page, no query per row). The only
place the topics feature caches: what every viewer sees is read once per content
revision (``consult.cache``) and shared, so callers treat it as read-only.

Full-text search is a case-insensitive LIKE over title and description on both engines.
SQL state sets are the lifecycle's own (``OPEN_PROJECT_STATES``, ``LIVE_DEADLINES``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from consult.accounts.domain import Viewer
from consult.accounts.tables import Category, User
from consult.places.lookup import find_place, place_options
from consult.places.queries import grid_choices, grid_settings, subtree_sql, tree
from consult.places.settings import DEFAULTS
from consult.places.tree import Kind
from consult.fields import row_id
from consult.cache import RevisionCache, at, content_revision
from consult.messages import NotFound
from consult.numbers import percent_text
from consult.topics.clock import local_today, utcnow
from consult.topics.evaluation import Rating, is_overdue, is_unanswered, satisfaction_rate, unanswered_since
from consult.topics.forms import Stance
from consult.topics.lifecycle import (
    LIVE_DEADLINES, MERGE_TARGET_STATES, OPEN_PROJECT_STATES, FundingRoute, TopicState, state_values,
)
from consult.topics.permissions import ALL_COMMENTS
from consult.topics.tables import ProgressUpdate, ProjectSheet, SupervisionNote, Topic, TopicComment, TopicEvent
from consult.topics.tables import TopicRating, TopicSecond
from consult.topics.timeline import NO_TOPIC, topic_columns

PER_PAGE = 20
STATE_VALUES = [s.value for s in TopicState]
SORTS = ("newest", "seconds", "deadline")
FLAGS = ("overdue", "unanswered")

_CHOICES_CACHE = RevisionCache("topic_choices", size=8)
_DETAIL_CACHE = RevisionCache("topic_detail", size=512)
_LIST_CACHE = RevisionCache("topic_list", size=512)


async def filter_choices(revision: int | None) -> dict[str, list[dict]]:
    """``categories`` (active, in their order), ``grids`` (active, each with its community)
    and ``places`` (the tree, indented) for the list's filters and the proposal form, read at ``revision`` and shared: read-only. The list page passes
    the revision it read for its rows, so a page view reads it once."""

    async def read() -> dict[str, list[dict]]:
        return {
            "categories": await Category.select(Category.id, Category.slug, Category.name_zh, Category.name_en)
            .where(Category.active == True).order_by(Category.position),  # noqa: E712
            "grids": await grid_choices(),
            "places": place_options(await tree()),
        }

    return await _CHOICES_CACHE.get_or_load(at(revision, "filters"), read)


async def _cached_raw(revision: int | None, sql: str, *args: Any) -> list[dict]:
    """``Topic.raw`` remembered per content revision (callers copy rows before changing them)."""
    return await _LIST_CACHE.get_or_load(at(revision, sql, args), lambda: Topic.raw(sql, *args).run())


# ---------------------------------------------------------------- the list


def _int_or_none(value: Any) -> int | None:
    """A row id from a query string, or None (a number no row can have is None too)."""
    return row_id(value)[0]


@dataclass
class TopicFilters:
    q: str = ""
    state: str = ""
    category: str = ""  # slug
    place: int | None = None  # a place at any level: the topics of every grid at or below it
    flag: str = ""
    sort: str = "newest"
    mine: int | None = None  # author's user id

    @classmethod
    def parse(cls, q="", state="", category="", place="", flag="", sort="", mine_id=None) -> TopicFilters:
        """From query-string values; anything unusable is ignored, not an error (a place
        id that names no place is: ``list_topics`` refuses it with a 404)."""
        return cls(
            q=(q or "").strip()[:100],
            state=state if state in STATE_VALUES else "",
            category=(category or "").strip()[:40],
            place=_int_or_none(place) if place else None,
            flag=flag if flag in FLAGS else "",
            sort=sort if sort in SORTS else "newest",
            mine=mine_id,
        )

    def params(self) -> dict:
        return {
            "q": self.q, "state": self.state, "category": self.category, "place": self.place or "",
            "flag": self.flag, "sort": "" if self.sort == "newest" else self.sort,
            "mine": 1 if self.mine else "",
        }


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _in(states: Iterable[TopicState]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in state_values(states)) + ")"


_DEADLINE_COLUMNS = {"discussion_ends_on": "t.discussion_ends_on", "evaluation_ends_on": "t.evaluation_ends_on",
                     "deadline": "p.deadline"}
_LIVE_DEADLINE = "CASE " + " ".join(
    f"WHEN t.state IN {_in(states)} THEN {_DEADLINE_COLUMNS[column]}" for column, states in LIVE_DEADLINES.items()
) + " ELSE NULL END"
_STANCE_COUNTS = ", ".join(
    f"(SELECT COUNT(*) FROM topic_stance st WHERE st.topic = t.id AND st.value = '{s.value}') AS {s.value}"
    for s in Stance
)

# A grid named with its community (several communities have a 第一网格): Tree.label's text,
# in SQL so that every list, page, CSV and API row carries it without a look-up per row.
GRID_LABEL = "COALESCE(gc.name || ' · ', '') || g.name"

LIST_SQL = (
    "SELECT t.id, t.title, t.state, t.created_at, t.round, t.discussion_ends_on, t.evaluation_ends_on, "
    f"t.grid AS grid_id, {GRID_LABEL} AS grid_name, c.slug AS category, c.name_zh, c.name_en, "
    "p.deadline, p.title AS project_title, "
    "(SELECT COUNT(*) FROM topic_second s WHERE s.topic = t.id) AS seconds, "
    f"{_STANCE_COUNTS}, "
    "(SELECT COUNT(*) FROM topic_comment cm WHERE cm.topic = t.id) AS comments, "
    f"{_LIVE_DEADLINE} AS live_deadline "
    "FROM topic t JOIN category c ON c.id = t.category JOIN place g ON g.id = t.grid "
    "LEFT JOIN place gc ON gc.id = g.parent LEFT JOIN project_sheet p ON p.topic = t.id"
)
_OVERDUE_SQL = f"t.state IN {_in(OPEN_PROJECT_STATES)} AND p.deadline < {{}}"
_ORDERS = {
    "newest": "t.created_at DESC, t.id DESC",
    "seconds": "seconds DESC, t.created_at DESC, t.id DESC",
    # PostgreSQL allows an output alias in ORDER BY only on its own, not inside an expression
    "deadline": f"CASE WHEN ({_LIVE_DEADLINE}) IS NULL THEN 1 ELSE 0 END, {_LIVE_DEADLINE} ASC, t.id DESC",
}


def _flags(row: dict, today: date, now: datetime, clocks: dict[int, object] | None = None) -> dict:
    """The clock's flags of one row; ``clocks``: each grid's screening clock in days
    (``grid_settings("screening_days", ...)``; None: the built-in default)."""
    live = row.get("live_deadline")
    if isinstance(live, str):  # SQLite gives a computed column back untyped
        row["live_deadline"] = date.fromisoformat(live[:10])
    row["overdue"] = is_overdue(TopicState(row["state"]), row.get("deadline"), today)
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    days = int((clocks or {}).get(row["grid_id"], DEFAULTS.screening_days))  # type: ignore[call-overload]
    row["screening_hours"] = days * 24
    row["unanswered"] = is_unanswered(TopicState(row["state"]), created, now, hours=days * 24)
    return row


async def _clocks(revision: int | None) -> dict[int, object]:
    """Each grid's screening clock in days (read once per revision, with the tree)."""
    return await grid_settings("screening_days", revision)


def unanswered_sql(now: datetime, clocks: dict[int, object], grid_column: str = "t.grid",
                   created_column: str = "t.created_at", state_column: str = "t.state") -> tuple[str, list[Any]]:
    """A SQL condition (``{}`` placeholders) and its values: a topic still proposed past its
    grid's screening clock. ``clocks``: each grid's clock in days. One condition for one
    query: a branch per distinct clock (the most common one covers every other grid), so
    a thousand grids with the same clock stay one comparison."""
    groups: dict[int, list[int]] = {}
    for grid, days in clocks.items():
        groups.setdefault(int(days), []).append(int(grid))  # type: ignore[call-overload]
    state = f"{state_column} = '{TopicState.proposed.value}'"
    if len(groups) <= 1:
        days = next(iter(groups), DEFAULTS.screening_days)
        return f"{state} AND {created_column} < {{}}", [unanswered_since(now, days * 24)]
    common = max(groups, key=lambda d: (len(groups[d]), -d))
    others = sorted(g for d, ids in groups.items() if d != common for g in ids)
    parts = [f"({grid_column} NOT IN ({', '.join(map(str, others))}) AND {created_column} < {{}})"]
    args: list[Any] = [unanswered_since(now, common * 24)]
    for days in sorted(d for d in groups if d != common):
        parts.append(f"({grid_column} IN ({', '.join(map(str, sorted(groups[days])))}) AND {created_column} < {{}})")
        args.append(unanswered_since(now, days * 24))
    return f"{state} AND ({' OR '.join(parts)})", args


def _where(filters: TopicFilters, today: date, now: datetime, path: str | None,
           clocks: dict[int, object]) -> tuple[list[str], list[Any]]:
    where, args = [], []
    if path is not None:  # the place and everything below it: one indexed range on place.path
        clause, bounds = subtree_sql("t.grid", path)
        where.append(clause)
        args += list(bounds)
    if filters.q:
        where.append("(LOWER(t.title) LIKE {} ESCAPE '\\' OR LOWER(t.description) LIKE {} ESCAPE '\\')")
        args += [_like(filters.q), _like(filters.q)]
    for clause, value in (("t.state = {}", filters.state), ("c.slug = {}", filters.category),
                          ("t.author = {}", filters.mine)):
        if value:
            where.append(clause)
            args.append(value)
    if filters.flag == "overdue":
        where.append(_OVERDUE_SQL)
        args.append(today)
    elif filters.flag == "unanswered":
        sql, values = unanswered_sql(now, clocks)
        where.append(sql)
        args += values
    return where, args


async def list_topics(
    filters: TopicFilters, page: int = 1, per_page: int = PER_PAGE,
    today: date | None = None, now: datetime | None = None,
) -> dict:
    """One page of the public list (问题清单), with every count, in ONE query."""
    today = today or local_today()
    now = now or utcnow()
    page = max(1, min(int(page), 10_000))
    place = await find_place(filters.place)  # an unknown place is a 404, not an empty list
    revision = await content_revision()
    clocks = await _clocks(revision) if filters.flag == "unanswered" else None
    where, args = _where(filters, today, now, place.path if place else None, clocks or {})
    where_sql = " WHERE " + " AND ".join(where) if where else ""
    # The total is its own COUNT, joining only what the filters need: a COUNT(*) OVER ()
    # in the page query made SQLite compute every row's counts before the LIMIT.
    joins = (" JOIN category c ON c.id = t.category" if filters.category else "") + (
        " LEFT JOIN project_sheet p ON p.topic = t.id" if filters.flag == "overdue" else "")
    counted = await _cached_raw(revision, f"SELECT COUNT(*) AS n FROM topic t{joins}{where_sql}", *args)
    total = int(counted[0]["n"])
    sql = LIST_SQL + where_sql + f" ORDER BY {_ORDERS[filters.sort]} LIMIT {{}} OFFSET {{}}"
    args += [per_page, (page - 1) * per_page]
    found = await _cached_raw(revision, sql, *args)
    if clocks is None and any(r["state"] == TopicState.proposed.value for r in found):
        clocks = await _clocks(revision)
    rows = [_flags(dict(r), today, now, clocks) for r in found]
    for r in rows:
        r["total"] = total
        for key in ("seconds", "support", "oppose", "neutral", "comments"):
            r[key] = int(r[key])
    return {
        "rows": rows, "page": page, "per_page": per_page, "total": total,
        "has_next": page * per_page < total, "has_prev": page > 1, "revision": revision,
    }


# ---------------------------------------------------------------- the committee's queue


async def screening_queue(now: datetime | None = None, today: date | None = None) -> dict:
    """Proposed topics, longest waiting first, flagged past their grid's screening clock;
    and discussions to close."""
    now = now or utcnow()
    today = today or local_today()
    clocks = await _clocks(await content_revision())
    waiting = await Topic.raw(LIST_SQL + f" WHERE t.state = '{TopicState.proposed.value}' "
                              "ORDER BY t.created_at ASC, t.id ASC")
    rows = []
    for r in waiting:
        r = _flags(dict(r), today, now, clocks)
        created = r["created_at"] if r["created_at"].tzinfo else r["created_at"].replace(tzinfo=timezone.utc)
        r["waiting_hours"] = int((now - created).total_seconds() // 3600)
        r["seconds"] = int(r["seconds"])
        rows.append(r)
    discussing = await Topic.raw(
        LIST_SQL + f" WHERE t.state = '{TopicState.discussing.value}' ORDER BY t.discussion_ends_on ASC, t.id ASC"
    )
    return {"waiting": rows, "discussing": [_flags(dict(r), today, now, clocks) for r in discussing]}


async def merge_targets(topic: dict) -> list[dict]:
    """The topics ``topic`` may be merged into: open ones (``MERGE_TARGET_STATES``) of its own
    community, newest first, not itself (the merge form's picker; the command still checks)."""
    places = await tree()
    community = places.of_kind_above(topic["grid"], Kind.community)
    path = places.path_of(community.id) if community else None
    if path is None:
        return []
    within, bounds = subtree_sql("t.grid", path)
    return await Topic.raw(
        f"SELECT t.id, t.title, t.state FROM topic t WHERE t.state IN {_in(MERGE_TARGET_STATES)} "
        f"AND t.id <> {{}} AND {within} ORDER BY t.id DESC LIMIT 200", topic["id"], *bounds,
    )


# ---------------------------------------------------------------- the annual vote's candidates


async def annual_vote_projects() -> list[dict]:
    """Projects on the ``annual_vote`` route still in state ``project``: the vote's candidates.
    ``title`` is the project sheet's title; ``support`` = seconds + support stances; ``grid``
    the topic's grid (a vote takes the projects at or below its place)."""
    rows = await Topic.raw(
        "SELECT t.id, t.grid, p.title, p.scope, p.estimated_cost, p.responsible_unit, "
        "(SELECT COUNT(*) FROM topic_second s WHERE s.topic = t.id) "
        "+ (SELECT COUNT(*) FROM topic_stance st WHERE st.topic = t.id AND st.value = {}) AS support "
        "FROM topic t JOIN project_sheet p ON p.topic = t.id "
        "WHERE t.state = {} AND p.funding_route = {} ORDER BY t.id",
        Stance.support.value, TopicState.project.value, FundingRoute.annual_vote.value,
    )
    return [
        {
            "id": r["id"], "title": r["title"], "scope": r["scope"], "estimated_cost": int(r["estimated_cost"]),
            "support": int(r["support"]), "responsible_unit": r["responsible_unit"], "grid": r["grid"],
        }
        for r in rows
    ]


# ---------------------------------------------------------------- one topic


def _json(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


async def _names(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return {}
    rows = await User.select(User.id, User.display_name).where(User.id.is_in(ids))
    return {r["id"]: r["display_name"] for r in rows}


_SUMMARY_KEYS = ("grid_name", "category", "name_zh", "name_en", "seconds", "support", "oppose", "neutral", "comments",
                 "overdue", "unanswered", "screening_hours", "live_deadline")


async def topic_detail(topic_id: int, viewer: Viewer | None = None, today: date | None = None,
                       now: datetime | None = None) -> dict:
    """Everything the topic page and the API show.

    What every viewer sees is read once per content revision and shared: callers treat
    it as read-only. The flags that depend on the clock and the viewer's own marks are
    worked out on every call. ``revision`` in the result is the content revision the
    shared part belongs to (None: not cacheable)."""
    today = today or local_today()
    now = now or utcnow()
    revision = await content_revision()
    shared = await _DETAIL_CACHE.get_or_load(at(revision, topic_id), lambda: _topic_detail_shared(topic_id))
    topic = shared["topic"]
    proposed = shared["summary"]["state"] == TopicState.proposed.value
    summary = _flags(dict(shared["summary"]), today, now, await _clocks(revision) if proposed else None)
    mine = await _viewer_marks(topic_id, topic["round"], viewer)
    return {
        **{k: v for k, v in shared.items() if k != "summary"},
        "topic": {**topic, **{k: summary[k] for k in _SUMMARY_KEYS}},
        "mine": mine,
        "revision": revision,
    }


def _evaluation_rounds(rating_rows: list[dict], rating_comments: list[dict]) -> tuple[dict[int, dict], list[dict]]:
    """Ratings per round, each with its satisfaction rate and what raters wrote."""
    rounds: dict[int, dict[str, int]] = {}
    for r in rating_rows:
        rounds.setdefault(int(r["round"]), {v.value: 0 for v in Rating})[r["value"]] = int(r["n"])
    evaluation = []
    for number in sorted(rounds):
        tally = rounds[number]
        rate = satisfaction_rate(tally[Rating.satisfied], tally[Rating.basically_satisfied], tally[Rating.unsatisfied])
        evaluation.append({
            "round": number, **tally, "total": sum(tally.values()),
            # one decimal, half up (consult.numbers); shown and sent as a number
            "rate_percent": None if rate is None else float(percent_text(rate)),
            "comments": [c for c in rating_comments if int(c["round"]) == number],
        })
    return rounds, evaluation


def _comments_by_author(comments: list[dict]) -> dict[int | None, frozenset[int]]:
    """Each author's comment ids, and every comment's under ``ALL_COMMENTS``: read once per
    revision, so what one viewer may flag is two set operations, not a walk of the threads."""
    by_author: dict[int | None, set[int]] = {}
    for c in comments:
        by_author.setdefault(c["author"], set()).add(c["id"])
    out = {author: frozenset(ids) for author, ids in by_author.items()}
    out[ALL_COMMENTS] = frozenset(c["id"] for c in comments)
    return out


def _threads(comments: list[dict], names: dict[int, str], flags: dict[int, int]) -> list[dict]:
    """Top-level comments (pinned first, then oldest first), each with its replies."""
    by_parent: dict[int | None, list[dict]] = {}
    for c in comments:
        c["author_name"] = names.get(c["author"], "")
        c["flags"] = flags.get(c["id"], 0)
        by_parent.setdefault(c["parent"], []).append(c)
    threads = sorted(by_parent.get(None, []), key=lambda c: (not c["pinned"], c["id"]))
    for c in threads:
        c["replies"] = sorted(by_parent.get(c["id"], []), key=lambda r: (not r["pinned"], r["id"]))
    return threads


async def _rows_of(topic_id: int) -> dict[str, Any]:
    """Every row the topic page shows, one query each."""
    return {
        "sheet": await ProjectSheet.select().where(ProjectSheet.topic == topic_id).first(),
        "comments": await TopicComment.select().where(TopicComment.topic == topic_id).order_by(TopicComment.id),
        "flags": await TopicComment.raw(
            "SELECT f.comment, COUNT(*) AS n FROM comment_flag f JOIN topic_comment c ON c.id = f.comment "
            "WHERE c.topic = {} AND NOT f.dismissed GROUP BY f.comment", topic_id,
        ),
        "progress": await ProgressUpdate.select().where(ProgressUpdate.topic == topic_id).order_by(
            ProgressUpdate.on_date, ascending=False
        ).order_by(ProgressUpdate.id, ascending=False),
        "notes": await SupervisionNote.select().where(SupervisionNote.topic == topic_id).order_by(SupervisionNote.id),
        "events": await TopicEvent.select().where(TopicEvent.topic == topic_id).order_by(TopicEvent.id),
        "ratings": await TopicRating.raw(
            "SELECT round, value, COUNT(*) AS n FROM topic_rating WHERE topic = {} GROUP BY round, value", topic_id
        ),
        # What raters wrote, shown without their names (a rating is a personal judgement),
        # so staff going into second handling can see why residents were not satisfied.
        "rating_comments": await TopicRating.select(TopicRating.round, TopicRating.value, TopicRating.comment).where(
            (TopicRating.topic == topic_id) & (TopicRating.comment != "")
        ).order_by(TopicRating.round).order_by(TopicRating.id),
    }


async def _topic_detail_shared(topic_id: int) -> dict:
    """The part of the topic page that is the same for every viewer and every minute."""
    summaries = await Topic.raw(LIST_SQL + " WHERE t.id = {}", topic_id)
    topic = await Topic.select(*topic_columns()).where(Topic.id == topic_id).first()
    if not summaries or topic is None:
        raise NotFound(NO_TOPIC, topic_id=topic_id)
    rows = await _rows_of(topic_id)
    progress, notes, events = rows["progress"], rows["notes"], rows["events"]
    names = await _names(
        [topic["author"]] + [c["author"] for c in rows["comments"]] + [p["author"] for p in progress]
        + [n["author"] for n in notes] + [e["actor"] for e in events]
    )
    rounds, evaluation = _evaluation_rounds(rows["ratings"], rows["rating_comments"])
    threads = _threads(rows["comments"], names, {r["comment"]: int(r["n"]) for r in rows["flags"]})
    for e in events:
        e["actor_name"] = names.get(e["actor"]) if e["actor"] else None
        e["detail"] = _json(e["detail"])
    for item in (*progress, *notes):
        item["author_name"] = names.get(item["author"], "")
    merged_into = None
    if topic["merged_into"]:
        merged_into = await Topic.select(Topic.id, Topic.title).where(Topic.id == topic["merged_into"]).first()
    merged_from = await Topic.select(Topic.id, Topic.title).where(Topic.merged_into == topic_id).order_by(Topic.id)
    return {
        "topic": topic, "summary": dict(summaries[0]), "author_name": names.get(topic["author"], ""),
        "sheet": rows["sheet"], "threads": threads, "comments_by_author": _comments_by_author(rows["comments"]),
        "progress": progress,
        "latest_percent": progress[0]["percent"] if progress else None,
        "notes": notes, "events": events, "evaluation": evaluation,
        "current_tally": rounds.get(topic["round"], {v.value: 0 for v in Rating}),
        "merged_into": merged_into, "merged_from": merged_from,
    }


async def _viewer_marks(topic_id: int, round_number: int, viewer: Viewer | None) -> dict[str, Any]:
    """What the signed-in viewer has done on this topic (never cached)."""
    mine: dict[str, Any] = {"seconded": False, "stance": None, "flagged": frozenset(), "rated": False}
    if viewer is not None and viewer.signed_in:
        rows = await TopicSecond.raw(
            'SELECT (SELECT COUNT(*) FROM topic_second WHERE topic = {} AND "user" = {}) AS seconded, '
            '(SELECT value FROM topic_stance WHERE topic = {} AND "user" = {}) AS stance, '
            '(SELECT COUNT(*) FROM topic_rating WHERE topic = {} AND "user" = {} AND round = {}) AS rated',
            topic_id, viewer.id, topic_id, viewer.id, topic_id, viewer.id, round_number,
        )
        mine["seconded"] = int(rows[0]["seconded"]) > 0
        mine["stance"] = rows[0]["stance"]
        mine["rated"] = int(rows[0]["rated"]) > 0
        flagged = await TopicComment.raw(
            'SELECT f.comment FROM comment_flag f JOIN topic_comment c ON c.id = f.comment '
            'WHERE c.topic = {} AND f."user" = {}', topic_id, viewer.id,
        )
        mine["flagged"] = frozenset(r["comment"] for r in flagged)
    return mine




_MEETINGS_SQL = ("SELECT m.id, m.title, m.state, m.starts_at, m.location FROM meeting m JOIN meeting_topic mt ON "
                 "mt.meeting = m.id WHERE mt.topic = {} AND m.state != 'cancelled' ORDER BY m.starts_at DESC, m.id")


async def meetings_of(topic_id: int) -> list[dict]:
    """The meetings with the topic on their agenda (raw table names: consult.meetings imports topics)."""
    rows = await Topic.raw(_MEETINGS_SQL, topic_id)
    return [{**r, "starts_at": datetime.fromisoformat(str(r["starts_at"]))} for r in rows]
