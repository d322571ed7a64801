"""Notifications grouped: a person's unread ones by subject (``domain.group_unread``), the
read ones a page at a time, and marking one group read.

A subject is what a notification is about (``domain.subject_of``): every announcement
together, anything else the page it links to without its #part. In SQL that is
``kind = 'announcement'``, or the link equal to the path or starting with ``path#``.
"""

from __future__ import annotations

from consult import audit, db
from consult.notifications.domain import ANNOUNCEMENTS, PER_PAGE, Group, Kind, check_subject, group_unread
from consult.notifications.services import now, unread_count
from consult.notifications.tables import Notification

UNREAD_SHOWN = 300  # unread notifications read to form the groups (the newest); marking read reaches all

_COLUMNS = (
    Notification.id, Notification.kind, Notification.message, Notification.params,
    Notification.link, Notification.created_at, Notification.read_at,
)


def _like_prefix(path: str) -> str:
    escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "#%"


def _subject_sql(subject: str) -> tuple[str, list]:
    """The SQL condition (``{}`` placeholders) for notifications about ``subject``, and its values."""
    if subject == ANNOUNCEMENTS:
        return "kind = {}", [Kind.announcement.value]
    return "kind <> {} AND (link = {} OR link LIKE {} ESCAPE '\\')", [
        Kind.announcement.value, subject, _like_prefix(subject)]


async def unread_groups(user_id: int) -> tuple[list[Group], int]:
    """The person's unread notifications grouped by subject (the newest UNREAD_SHOWN), and
    how many are unread in all."""
    rows = await (
        Notification.select(*_COLUMNS)
        .where((Notification.user == user_id) & (Notification.read_at.is_null()))
        .order_by(Notification.id, ascending=False)
        .limit(UNREAD_SHOWN)
        .output(load_json=True)
    )
    total = len(rows) if len(rows) < UNREAD_SHOWN else await unread_count(user_id)
    return group_unread(rows), total


async def read_page(user_id: int, page: int = 1) -> tuple[list[dict], int, bool]:
    """One page of the person's notifications already read, newest first: (rows, page, has_next)."""
    page = max(1, min(int(page), 10_000))
    rows = await (
        Notification.select(*_COLUMNS)
        .where((Notification.user == user_id) & (Notification.read_at.is_not_null()))
        .order_by(Notification.id, ascending=False)
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
        .output(load_json=True)
    )
    return rows[:PER_PAGE], page, len(rows) > PER_PAGE


async def mark_group_read(user_id: int, subject: str) -> int:
    """Mark every unread notification of the person about ``subject`` read; returns how many.
    A subject that is not one (a link to another site, a #part) is a ValueError."""
    condition, values = _subject_sql(check_subject(subject))
    async with db.transaction():
        rows = await Notification.raw(
            "UPDATE notification SET read_at = {} WHERE \"user\" = {} AND read_at IS NULL AND "
            + condition + " RETURNING id",
            now(), user_id, *values,
        )
        if rows:
            await audit.record(user_id, "notification.group_read", "user", user_id, subject=subject, count=len(rows))
    return len(rows)
