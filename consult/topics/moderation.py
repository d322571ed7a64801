"""The committee's moderation reads: the queue of flagged comments in the places a member
serves, and what was recently done there (hidden, shown again, flags dismissed). Not cached:
only committee members read it, and it must show a flag the moment it is raised.

Scope: the topic's grid lies under one of the places where the viewer holds ``committee``
(``Viewer.scopes_of``; an administrator: the whole install), as one indexed range per place.
"""

from __future__ import annotations

import json
from typing import Any

from consult.accounts.domain import Viewer
from consult.places.queries import within_sql
from consult.roles import Role
from consult.topics.tables import TopicComment

QUEUE_LIMIT = 100
RECENT_LIMIT = 20
MODERATION_ACTIONS = ("comment.hide", "comment.unhide", "comment.flags_dismissed")

_QUEUE_SQL = (
    "SELECT c.id, c.topic AS topic_id, c.body, c.created_at, u.display_name AS author_name, "
    "t.title AS topic_title, t.state AS topic_state, g.name AS grid_name, "
    "COUNT(f.id) AS flags, MIN(f.created_at) AS first_flag "
    "FROM topic_comment c JOIN topic t ON t.id = c.topic JOIN place g ON g.id = t.grid "
    'JOIN account u ON u.id = c.author '
    "JOIN comment_flag f ON f.comment = c.id AND NOT f.dismissed "
    "WHERE NOT c.hidden AND {where} "
    "GROUP BY c.id, c.topic, c.body, c.created_at, u.display_name, t.title, t.state, g.name "
    "ORDER BY COUNT(f.id) DESC, MIN(f.created_at) ASC, c.id ASC LIMIT {limit}"
)

_RECENT_SQL = (
    "SELECT a.id, a.at, a.action, a.detail, u.display_name AS actor_name, c.id AS comment_id, "
    "c.topic AS topic_id, c.hidden, t.title AS topic_title "
    "FROM audit_entry a JOIN topic_comment c ON a.target_type = 'comment' AND a.target_id = CAST(c.id AS TEXT) "
    "JOIN topic t ON t.id = c.topic LEFT JOIN account u ON u.id = a.actor "
    "WHERE a.action IN ({actions}) AND {where} ORDER BY a.id DESC LIMIT {limit}"
)


def _scope(viewer: Viewer) -> tuple[str, tuple]:
    return within_sql("t.grid", viewer.scopes_of(Role.committee))


async def flag_queue(viewer: Viewer) -> list[dict]:
    """Comments with open flags in the viewer's places, most flagged first, then the longest waiting."""
    where, values = _scope(viewer)
    sql = _QUEUE_SQL.format(where=where, limit=QUEUE_LIMIT)
    rows = await TopicComment.raw(sql, *values)
    return [{**r, "flags": int(r["flags"])} for r in rows]


def _detail(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except (TypeError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


async def recent_moderation(viewer: Viewer) -> list[dict]:
    """The latest moderation steps in the viewer's places, newest first (the audit log's own rows)."""
    where, values = _scope(viewer)
    actions = ", ".join(f"'{a}'" for a in MODERATION_ACTIONS)
    sql = _RECENT_SQL.format(actions=actions, where=where, limit=RECENT_LIMIT)
    rows = await TopicComment.raw(sql, *values)
    return [{**r, "detail": _detail(r["detail"]), "kind": r["action"].split(".", 1)[1]} for r in rows]
