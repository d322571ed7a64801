"""Notification services: send (set-based), read, mark read, preferences, staff announcements.

Other features call `notify(...)` from inside their own `db.transaction()`: the nested
transaction joins the caller's, so the notifications commit or roll back with the change
that caused them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.roles import Role
from consult.places import queries as places
from consult.places.tree import WHOLE_INSTALL, covers
from consult.places.tree import Kind as PlaceKind
from consult.messages import NotFound, Refusal
from consult.notifications.domain import (
    ANNOUNCEMENT_MESSAGE,
    KINDS,
    MESSAGE_MAX,
    PER_PAGE,
    Kind,
    N_,
    Target,
    check_kind,
    check_link,
    read_ratio,
    roles_matching,
    validate_announcement,
)
from consult.notifications.tables import Announcement, Notification, NotificationPreference

STAFF_ROLES = (Role.staff.value,)  # admin passes every role check


def now() -> datetime:
    return datetime.now(timezone.utc)


def _cast(pg_type: str) -> str:
    """A PostgreSQL cast for a parameter whose type the SELECT list cannot infer; nothing on SQLite."""
    return "" if db.is_sqlite() else "::" + pg_type


def _id_set_sql() -> str:
    """A sub-select over one parameter holding a list of ids (a JSON text on SQLite, an
    integer array on PostgreSQL): any number of ids in one bound parameter."""
    if db.is_sqlite():
        return "SELECT value FROM json_each({})"
    return "SELECT unnest({}::integer[])"


def _id_set_arg(ids: list[int]) -> Any:
    return json.dumps(ids) if db.is_sqlite() else ids


# The recipients' columns of an INSERT ... SELECT over `account a`, and the opt-out filter.
_INSERT_HEAD = (
    'INSERT INTO notification ("user", kind, message, params, link, created_at, read_at, announcement) '
    "SELECT a.id, {}, {}, {}%(json)s, {}, {}%(ts)s, NULL, {}%(int)s FROM account a "
)
_NOT_OPTED_OUT = (
    " AND NOT EXISTS (SELECT 1 FROM notification_preference p "
    'WHERE p."user" = a.id AND p.kind = {} AND p.enabled = {})'
)


def _insert_head() -> str:
    return _INSERT_HEAD % {"json": _cast("json"), "ts": _cast("timestamptz"), "int": _cast("integer")}


# ---------------------------------------------------------------- sending


async def notify(
    user_ids: Iterable[int],
    kind: str,
    message: str,
    params: dict,
    link: str,
    actor_id: int | None = None,
) -> int:
    """Notify `user_ids` (duplicates ignored) with one INSERT ... SELECT; returns how many were notified.

    Leaves out the actor, inactive accounts and those who turned `kind` off. `message` is an
    English template marked with N_ where it is written; `params` fill its {placeholders}
    (a parameter named `..._label` is translated too); `link` is a path on this site.
    Call it inside the caller's `db.transaction()`; it joins that transaction."""
    check_kind(kind)
    check_link(link)
    if not message or len(message) > MESSAGE_MAX:
        raise ValueError("notification message must be 1 to 300 characters")
    params_json = json.dumps(params or {}, ensure_ascii=False)
    ids = sorted({int(u) for u in user_ids if u is not None} - {actor_id})
    if not ids:
        return 0
    sql = _insert_head() + "WHERE a.id IN (" + _id_set_sql() + ") AND a.active = {}" + _NOT_OPTED_OUT + " RETURNING id"
    async with db.transaction():
        rows = await Notification.raw(
            sql, kind, message, params_json, link, now(), None, _id_set_arg(ids), True, kind, False
        )
    return len(rows)


async def announce(
    sender: Viewer,
    title: str,
    body: str,
    grid_ids: list[int],
    role: str | None,
    everyone: bool,
) -> int:
    """Staff send an announcement to several grids, one role, or everyone (exactly one).

    Recipients: active accounts that match, except the sender and those who turned
    announcements off. The announcement and all its notifications are written in one
    transaction; the notifications by ONE INSERT ... SELECT. Returns the announcement's id.
    Raises NotificationInputError (field errors) on bad input, Refusal(403) for non-staff."""
    if not sender.signed_in or not sender.has(*STAFF_ROLES):
        raise Refusal(N_("Only community staff may send announcements."), status_code=403)
    # Only the grids of the places the sender serves; "everyone" and "a role" mean the
    # people of those places (an administrator's: the whole install).
    scopes = sender.scopes_of(*STAFF_ROLES)
    known_grids = {g["id"] for g in await sender_grids(sender)}
    draft = validate_announcement(
        title, body, grid_ids, role, everyone, known_grids, {r.value for r in Role}
    )
    target = draft.target
    where, where_args = _target_filter(target, scopes)
    sent_at = now()
    async with db.transaction():
        announcement = Announcement(
            sender=sender.id,
            title=draft.title,
            body=draft.body,
            target=json.dumps(target.describe()),
            recipient_count=0,
            created_at=sent_at,
        )
        await announcement.save()
        aid = announcement.id
        params_json = json.dumps({"title": draft.title}, ensure_ascii=False)
        sql = _insert_head() + "WHERE a.active = {} AND a.id <> {}" + where + _NOT_OPTED_OUT
        await Notification.raw(
            sql, Kind.announcement.value, ANNOUNCEMENT_MESSAGE, params_json, f"/announcements/{aid}", sent_at,
            aid, True, sender.id, *where_args, Kind.announcement.value, False,
        )
        counted = await Notification.raw("SELECT COUNT(*) AS n FROM notification WHERE announcement = {}", aid)
        recipients = int(counted[0]["n"])
        await Announcement.update({Announcement.recipient_count: recipients}).where(Announcement.id == aid)
        await audit.record(
            sender.id, "announcement.sent", "announcement", aid, recipients=recipients, within=list(scopes),
            **target.describe()
        )
    return aid


async def sender_grids(sender: Viewer) -> list[dict]:
    """The active grids of the places the sender serves as staff (an administrator: every
    grid), each named with its community: what an announcement may target."""
    tree = await places.tree()
    scopes = sender.scopes_of(*STAFF_ROLES)
    return [{"id": n.id, "name": tree.label(n.id), "households": n.households}
            for n in tree.below(None, PlaceKind.grid, active_only=True) if any(covers(s, n.path) for s in scopes)]


async def served_places(sender: Viewer) -> list[str]:
    """The places the sender serves as staff, named with their street ([] for an
    administrator, who serves the whole install)."""
    scopes = sender.scopes_of(*STAFF_ROLES)
    if WHOLE_INSTALL in scopes:
        return []
    tree = await places.tree()
    by_path = {n.path: n.id for n in tree.nodes.values()}
    return [tree.label(by_path[s], PlaceKind.street) for s in scopes if s in by_path]


def _target_filter(target: Target, scopes: tuple[str, ...]) -> tuple[str, list]:
    """The recipients' condition: the grids chosen (already checked to lie in the sender's
    places), or everyone / a role within the sender's places (one path range each)."""
    within, within_args = places.within_sql("a.grid", scopes)
    if target.everyone:
        return f" AND {within}", list(within_args)
    if target.role:
        roles = roles_matching(target.role)
        marks = ", ".join("{}" for _ in roles)
        return (
            f' AND {within} AND EXISTS (SELECT 1 FROM user_role r WHERE r."user" = a.id AND r.role IN ({marks}))',
            [*within_args, *roles],
        )
    marks = ", ".join("{}" for _ in target.grid_ids)
    return f" AND a.grid IN ({marks})", list(target.grid_ids)


# ---------------------------------------------------------------- reading


@dataclass
class NotificationPage:
    items: list[dict]
    page: int
    has_next: bool
    unread: int


async def unread_count(user_id: int) -> int:
    return await Notification.count().where(
        (Notification.user == user_id) & (Notification.read_at.is_null())
    )


async def list_for(user_id: int, page: int = 1) -> NotificationPage:
    """A user's notifications, newest first, PER_PAGE a page."""
    page = max(1, min(int(page), 10_000))
    rows = await (
        Notification.select(
            Notification.id, Notification.kind, Notification.message, Notification.params,
            Notification.link, Notification.created_at, Notification.read_at,
        )
        .where(Notification.user == user_id)
        .order_by(Notification.id, ascending=False)
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
        .output(load_json=True)
    )
    return NotificationPage(
        items=rows[:PER_PAGE], page=page, has_next=len(rows) > PER_PAGE, unread=await unread_count(user_id)
    )


async def get_for(user_id: int, notification_id: int) -> dict:
    row = await (
        Notification.select(
            Notification.id, Notification.kind, Notification.message, Notification.params,
            Notification.link, Notification.created_at, Notification.read_at,
        )
        .where((Notification.id == notification_id) & (Notification.user == user_id))
        .first()
        .output(load_json=True)
    )
    if row is None:
        raise NotFound(N_("There is no such notification."))
    return row


# ---------------------------------------------------------------- marking read


async def mark_read(user_id: int, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; another person's is NotFound. True if it changed."""
    async with db.transaction():
        row = await (
            Notification.select(Notification.id, Notification.read_at)
            .where((Notification.id == notification_id) & (Notification.user == user_id))
            .first()
        )
        if row is None:
            raise NotFound(N_("There is no such notification."))
        if row["read_at"] is not None:
            return False
        await Notification.update({Notification.read_at: now()}).where(
            (Notification.id == notification_id) & (Notification.user == user_id) & (Notification.read_at.is_null())
        )
    return True


async def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user read; returns how many."""
    async with db.transaction():
        rows = await (
            Notification.update({Notification.read_at: now()})
            .where((Notification.user == user_id) & (Notification.read_at.is_null()))
            .returning(Notification.id)
        )
    return len(rows)


# ---------------------------------------------------------------- preferences


async def preferences_of(user_id: int) -> dict[str, bool]:
    """Every kind with the user's choice (on unless turned off)."""
    rows = await NotificationPreference.select(NotificationPreference.kind, NotificationPreference.enabled).where(
        NotificationPreference.user == user_id
    )
    chosen = {r["kind"]: bool(r["enabled"]) for r in rows}
    return {kind: chosen.get(kind, True) for kind in KINDS}


async def set_preferences(user_id: int, choices: dict[str, bool]) -> None:
    """Turn kinds on or off for the user (kinds not named keep their setting); one upsert."""
    for kind in choices:
        if kind not in KINDS:
            raise Refusal(N_("Unknown notification kind: {kind}."), status_code=400, kind=kind)
    if not choices:
        return
    values = ", ".join("({}, {}, {})" for _ in choices)
    args: list[Any] = []
    for kind, enabled in sorted(choices.items()):
        args += [user_id, kind, bool(enabled)]
    async with db.transaction():
        await NotificationPreference.raw(
            f'INSERT INTO notification_preference ("user", kind, enabled) VALUES {values} '
            'ON CONFLICT ("user", kind) DO UPDATE SET enabled = excluded.enabled',
            *args,
        )
        await audit.record(
            user_id, "notification.preferences", "user", user_id,
            off=sorted(k for k, v in choices.items() if not v), on=sorted(k for k, v in choices.items() if v),
        )


# ---------------------------------------------------------------- announcements (reading)


@dataclass(frozen=True)
class AnnouncementStats:
    recipients: int
    read: int
    ratio: float


async def announcement_stats(announcement_id: int) -> AnnouncementStats:
    row = await Announcement.select(Announcement.recipient_count).where(Announcement.id == announcement_id).first()
    if row is None:
        raise NotFound(N_("There is no such announcement."))
    read = await Notification.count().where(
        (Notification.announcement == announcement_id) & (Notification.read_at.is_not_null())
    )
    return AnnouncementStats(row["recipient_count"], read, read_ratio(row["recipient_count"], read))


async def list_announcements(limit: int = 50, offset: int = 0) -> list[dict]:
    """Newest first, each with its sender, recipients, read count and read ratio (one query)."""
    rows = await Announcement.raw(
        "SELECT a.id, a.title, a.body, a.target, a.recipient_count, a.created_at, s.display_name AS sender_name, "
        "(SELECT COUNT(*) FROM notification n WHERE n.announcement = a.id AND n.read_at IS NOT NULL) AS read_count "
        "FROM announcement a JOIN account s ON s.id = a.sender "
        "ORDER BY a.id DESC LIMIT {} OFFSET {}",
        limit,
        offset,
    )
    for row in rows:
        target = row["target"]
        row["target"] = json.loads(target) if isinstance(target, str) else (target or {})
        row["read_count"] = int(row["read_count"])
        row["ratio"] = read_ratio(row["recipient_count"], row["read_count"])
    return rows


async def open_announcement(viewer: Viewer, announcement_id: int) -> dict:
    """An announcement for one of its recipients or for staff. Opening it is reading it:
    the recipient's notification is marked read (what staff's read count counts)."""
    row = await (
        Announcement.select(
            Announcement.id, Announcement.title, Announcement.body, Announcement.created_at,
            Announcement.sender.display_name.as_alias("sender_name"),
        )
        .where(Announcement.id == announcement_id)
        .first()
    )
    mine = await (
        Notification.select(Notification.id, Notification.read_at)
        .where((Notification.announcement == announcement_id) & (Notification.user == viewer.id))
        .first()
    )
    if row is None or not (mine or viewer.has(*STAFF_ROLES)):
        raise NotFound(N_("There is no such announcement."))
    if mine and mine["read_at"] is None:
        async with db.transaction():
            await Notification.update({Notification.read_at: now()}).where(
                (Notification.id == mine["id"]) & (Notification.read_at.is_null())
            )
    return row
