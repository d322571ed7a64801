"""The demo's story time: each demo topic is written through the real commands in a
fraction of a second, then its rows are moved to the days the story says.

A story marks its steps (``at(days_ago)``) as it runs; ``settle`` maps every timestamp the
commands wrote for the topic (events, comments, seconds, stances, ratings, progress,
notes, flags, the project sheet) from load time onto story time, piecewise linearly
between the marks, so the order of everything is kept and each step lands on its day.
Without it every timeline event carried the load time: evaluation deadlines fell before
the events, the dashboard's medians were 0.0 days. The audit log is append-only and keeps
the real load times, as it should."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from consult import db

# (table, timestamp column, how the row names its topic)
TIMED = (
    ("topic_event", "at", "topic = {}"),
    ("topic_comment", "created_at", "topic = {}"),
    ("topic_comment", "hidden_at", "topic = {} AND hidden_at IS NOT NULL"),
    ("comment_flag", "created_at", "comment IN (SELECT id FROM topic_comment WHERE topic = {})"),
    ("topic_second", "created_at", "topic = {}"),
    ("topic_stance", "updated_at", "topic = {}"),
    ("topic_follower", "since", "topic = {}"),
    ("topic_rating", "created_at", "topic = {}"),
    ("progress_update", "created_at", "topic = {}"),
    ("supervision_note", "created_at", "topic = {}"),
    ("project_sheet", "created_at", "topic = {}"),
    ("topic", "created_at", "id = {}"),
    ("topic", "updated_at", "id = {}"),
    ("topic", "screened_at", "id = {} AND screened_at IS NOT NULL"),
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class StoryClock:
    """Marks (load time, story time) while a story runs; ``settle`` moves its rows."""

    def __init__(self, days_ago: float) -> None:
        self.story_now = _now()
        self.marks: list[tuple[datetime, datetime]] = []
        self.at(days_ago)

    def at(self, days_ago: float) -> None:
        """The steps after this call happened ``days_ago`` days before now."""
        self.marks.append((_now(), self.story_now - timedelta(days=days_ago)))

    def map(self, real: datetime) -> datetime:
        real = _aware(real)
        marks = self.marks
        if real <= marks[0][0]:
            return marks[0][1]
        for (r0, s0), (r1, s1) in zip(marks, marks[1:]):
            if real <= r1:
                span = (r1 - r0).total_seconds()
                share = (real - r0).total_seconds() / span if span else 1.0
                return s0 + (s1 - s0) * share
        return marks[-1][1]

    async def settle(self, *topic_ids: int | None, end_days_ago: float = 0) -> None:
        """Move the rows of ``topic_ids`` to story time; the story ended ``end_days_ago``."""
        self.at(end_days_ago)
        engine = db.engine()
        async with db.transaction():
            for topic_id in (t for t in topic_ids if t):
                for table, column, where in TIMED:
                    rows = await engine.run_querystring(_qs(
                        f"SELECT id, {column} AS t FROM {table} WHERE {where}", topic_id))
                    for row in rows:
                        if row["t"] is not None:
                            await engine.run_querystring(_qs(
                                f"UPDATE {table} SET {column} = {{}} WHERE id = {{}}", self.map(row["t"]), row["id"]))


def _qs(sql: str, *args):
    from piccolo.querystring import QueryString

    return QueryString(sql, *args)
