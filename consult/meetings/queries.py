"""Meeting reads: one meeting with its agenda and decisions (public), who was present (staff
of the place only), the upcoming meetings at a place and above or
below it (cached per content revision: the list and the home page show them; the
topic page reads its meetings in consult.topics.queries), and the
choices of the scheduling and recording forms."""

from __future__ import annotations

from datetime import datetime, timedelta

from consult.cache import RevisionCache, at, content_revision
from consult.meetings.lifecycle import AGENDA_STATES, MeetingState
from consult.meetings.tables import Meeting, MeetingAttendee, MeetingDecision, MeetingTopic
from consult.messages import N_, NotFound
from consult.places.queries import tree, within_sql
from consult.places.tree import WHOLE_INSTALL, ids_on
from consult.topics.lifecycle import state_values
from consult.topics.tables import Topic

NO_MEETING = N_("There is no meeting number {meeting_id}.")
UPCOMING_SHOWN = 5

_UPCOMING = RevisionCache("upcoming_meetings", size=64)


def _when(value) -> datetime:
    """A timestamp column (SQLite may give it back as text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def meeting_columns() -> tuple:
    return (*Meeting.all_columns(), Meeting.place.path.as_alias("place_path"))


async def load(meeting_id: int) -> dict:
    row = await Meeting.select(*meeting_columns()).where(Meeting.id == meeting_id).first()
    if row is None:
        raise NotFound(NO_MEETING, meeting_id=meeting_id)
    row["starts_at"] = _when(row["starts_at"])
    return row


async def agenda(meeting_id: int) -> list[dict]:
    """The agenda in order, each topic with its state and the decision taken on it (if any)."""
    rows = await Topic.raw(
        "SELECT t.id, t.title, t.state, t.grid, d.action, d.hands_for, d.hands_against, d.hands_abstain "
        "FROM meeting_topic mt JOIN topic t ON t.id = mt.topic "
        "LEFT JOIN meeting_decision d ON d.meeting = mt.meeting AND d.topic = mt.topic "
        "WHERE mt.meeting = {} ORDER BY mt.position, mt.id", meeting_id)
    return rows


async def agenda_ids(meeting_id: int) -> list[int]:
    rows = await MeetingTopic.select(MeetingTopic.topic).where(MeetingTopic.meeting == meeting_id).order_by(
        MeetingTopic.position)
    return [r["topic"] for r in rows]


async def attendees(meeting_id: int) -> list[dict]:
    """Who was present, by account: private (staff of the place only; never on the public page)."""
    return await MeetingAttendee.raw(
        'SELECT a.id, a.display_name, a.username FROM meeting_attendee m JOIN account a ON a.id = m."user" '
        "WHERE m.meeting = {} ORDER BY a.display_name, a.id", meeting_id)


async def attendee_count(meeting_id: int) -> int:
    return await MeetingAttendee.count().where(MeetingAttendee.meeting == meeting_id)


async def agenda_choices(path: str) -> list[dict]:
    """Topics at or below the place that can still move, newest first (the agenda's choices)."""
    scope, values = within_sql("t.grid", (path,))
    states = ", ".join(f"'{s}'" for s in state_values(AGENDA_STATES))
    return await Topic.raw(
        f"SELECT t.id, t.title, t.state FROM topic t WHERE t.state IN ({states}) AND {scope} "
        "ORDER BY t.id DESC LIMIT 200", *values)


async def place_accounts(path: str) -> list[dict]:
    """Active accounts of the place's grids: whom the attendance list offers (staff only)."""
    scope, values = within_sql("a.grid", (path,))
    return await Topic.raw(
        f"SELECT a.id, a.display_name, a.username FROM account a WHERE a.active AND {scope} "
        "ORDER BY a.display_name, a.id LIMIT 500", *values)


def _public(row: dict) -> dict:
    return {"id": row["id"], "title": row["title"], "kind": row["kind"], "state": row["state"],
            "starts_at": _when(row["starts_at"]), "location": row["location"]}


def _scope(path: str) -> tuple[str, tuple]:
    """A meeting of the place, of a place above it (a street's meeting concerns its
    communities) or below it; everywhere for the whole install."""
    if path == WHOLE_INSTALL:
        return "1 = 1", ()
    below, values = within_sql("m.place", (path,))
    above = ", ".join(str(i) for i in ids_on(path))  # ids from a stored path: integers only
    return f"(m.place IN ({above}) OR {below})", values


def meetings_since(now: datetime) -> datetime:
    """From when a meeting counts as upcoming: the start of the hour, two hours back (a
    meeting under way still shows; the value changes once an hour, so it can key a cache)."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)


async def upcoming_uncached(path: str, since: datetime, places=None) -> list[dict]:
    """As ``upcoming`` without the cache; ``places``: the tree, when the caller has read it."""
    scope, values = _scope(path)
    rows = await Meeting.raw(
        "SELECT m.id, m.title, m.kind, m.state, m.starts_at, m.location, m.place FROM meeting m "
        f"WHERE m.state = {{}} AND m.starts_at >= {{}} AND {scope} ORDER BY m.starts_at, m.id LIMIT {{}}",
        MeetingState.scheduled.value, since, *values, UPCOMING_SHOWN)
    places = places or await tree()
    return [{**_public(r), "place": places.label(r["place"], "street")} for r in rows]


async def upcoming(path: str, now: datetime) -> list[dict]:
    """The next scheduled meetings at ``path`` (above or below it), from ``meetings_since``."""
    since = meetings_since(now)
    return await _UPCOMING.get_or_load(at(await content_revision(), path, since),
                                       lambda: upcoming_uncached(path, since))


async def recent(limit: int) -> list[dict]:
    """The latest meetings held, newest first (the list page)."""
    rows = await Meeting.raw(
        "SELECT m.id, m.title, m.kind, m.state, m.starts_at, m.location, m.place FROM meeting m "
        "WHERE m.state = {} ORDER BY m.starts_at DESC, m.id DESC LIMIT {}", MeetingState.held.value, limit)
    places = await tree()
    return [{**_public(r), "place": places.label(r["place"], "street")} for r in rows]


async def decision_of(meeting_id: int, topic_id: int) -> bool:
    return await MeetingDecision.exists().where((MeetingDecision.meeting == meeting_id) & (MeetingDecision.topic == topic_id))


async def followers_and_residents(path: str, topic_ids: list[int]) -> list[int]:
    """Whom a meeting's notice goes to: the accounts of the place's grids and the followers of
    its agenda topics (``notify`` leaves out the inactive and those who turned it off)."""
    scope, values = within_sql("a.grid", (path,))
    rows = await Topic.raw(f"SELECT a.id FROM account a WHERE a.active AND {scope}", *values)
    ids = {r["id"] for r in rows}
    if topic_ids:
        marks = ", ".join("{}" for _ in topic_ids)
        rows = await Topic.raw(f'SELECT DISTINCT "user" AS id FROM topic_follower WHERE topic IN ({marks})', *topic_ids)
        ids |= {r["id"] for r in rows}
    return sorted(ids)
