"""The write steps every topic command shares: load a topic or comment (inside the
command's transaction), follow it, record a timeline entry, take a transition, and
tell who should hear of it (``consult.notifications``, in the same transaction).

Followers of a topic are its author and everyone who seconded it, took a stance or
commented (``TopicFollower``).

* ``topic_state``: every transition (people's and the system's) notifies the topic's
  followers, except the actor.
* ``evaluation_open``: opening an evaluation notifies who may rate it: representatives
  (any grid, unless the place's ``other_grids_rate`` is off) and residents / party
  members of the topic's grid, by granted role (an
  admin is not counted in, as for announcements). Extending the window notifies the
  same people again, except those who already rated this round: it is a reminder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import date
from typing import Any

from consult import audit
from consult.messages import N_, NotFound
from consult.notifications.domain import Kind as NoticeKind
from consult.notifications.services import notify
from consult.places.settings import DEFAULTS, PlaceSettings
from consult.roles import SYSTEM, Role, RolesHere, effective_roles
from consult.topics.clock import utcnow
from consult.topics.labels import STATE_LABELS
from consult.topics.lifecycle import (
    ACTIVITY_RULES,
    Action,
    Activity,
    TopicState,
    TransitionRefused,
    next_state,
    round_after,
)
from consult.topics.tables import Topic, TopicComment, TopicEvent, TopicFollower

SYSTEM_ROLES = frozenset({SYSTEM})
NO_OTHER_GRIDS = replace(DEFAULTS, other_grids_rate=False)

# Notification messages (English templates, translated when shown; ``state_label`` too).
STATE_NOTICE = N_("Topic “{title}” is now {state_label}.")
EVALUATION_OPEN_NOTICE = N_("The evaluation of “{title}” is open until {end_date}: you may rate it.")
EVALUATION_EXTENDED_NOTICE = N_("The evaluation of “{title}” is extended until {end_date}: you may still rate it.")

NO_TOPIC = N_("There is no topic number {topic_id}.")


def topic_path(topic_id: int) -> str:
    return f"/topics/{topic_id}"


def topic_columns() -> tuple:
    """A topic's columns and ``place_path``, the path of its grid: what every check of who
    may act on it reads (``roles_here``)."""
    return (*Topic.all_columns(), Topic.grid.path.as_alias("place_path"))


async def load_topic(topic_id: int) -> dict:
    row = await Topic.select(*topic_columns()).where(Topic.id == topic_id).first()
    if row is None:
        raise NotFound(NO_TOPIC, topic_id=topic_id)
    return row


# A decision taken at a meeting (consult.meetings): the roles the meeting decides with, and
# what the timeline entry and the audit entry of the transition taken inside say about it.
_OCCASION: ContextVar[tuple[frozenset[str], dict] | None] = ContextVar("topic_occasion", default=None)


@contextmanager
def decided_at_meeting(roles: Iterable[str], **detail: Any) -> Iterator[None]:
    """Inside: ``roles_here`` adds ``roles`` (the meeting's authority) and every transition
    carries ``detail`` (the meeting, its day, the show of hands) on the timeline."""
    token = _OCCASION.set((frozenset(roles), detail))
    try:
        yield
    finally:
        _OCCASION.reset(token)


def roles_here(viewer, topic: dict) -> frozenset[str]:
    """The viewer's roles that reach the topic's place: the committee of another community,
    or the staff of another street, hold nothing here (plus a meeting's, inside
    ``decided_at_meeting``)."""
    here = viewer.granted_at(topic["place_path"])
    occasion = _OCCASION.get()
    if occasion is None:
        return here
    return RolesHere.of(here | occasion[0], viewer.granted)


async def load_comment(topic_id: int, comment_id: int) -> dict:
    row = await TopicComment.select().where((TopicComment.id == comment_id) & (TopicComment.topic == topic_id)).first()
    if row is None:
        raise NotFound(N_("There is no such comment on this topic."))
    return row


async def follow(topic_id: int, user_id: int) -> None:
    if not await TopicFollower.exists().where((TopicFollower.topic == topic_id) & (TopicFollower.user == user_id)):
        await TopicFollower.insert(TopicFollower(topic=topic_id, user=user_id))


async def event(
    topic_id: int, actor_id: int | None, action: str, from_state: str, to_state: str, round_: int,
    note: str = "", **detail: Any,
) -> None:
    await TopicEvent.insert(
        TopicEvent(
            topic=topic_id, actor=actor_id, action=str(action), from_state=str(from_state), to_state=str(to_state),
            note=note, detail={k: (str(v) if isinstance(v, date) else v) for k, v in detail.items()}, round=round_,
        )
    )


async def notify_followers(topic: dict, state: TopicState, actor_id: int | None) -> int:
    rows = await TopicFollower.select(TopicFollower.user).where(TopicFollower.topic == topic["id"])
    return await notify(
        [r["user"] for r in rows], NoticeKind.topic_state.value, STATE_NOTICE,
        {"title": topic["title"], "state_label": STATE_LABELS[state]}, topic_path(topic["id"]), actor_id,
    )


def _granted_for(roles: frozenset[str]) -> str:
    """The granted roles that act as one of ``roles`` (an admin is not counted in), as SQL."""
    granted = [r.value for r in Role if r is not Role.admin and effective_roles([r]) & roles]
    return "(" + ", ".join(f"'{r}'" for r in granted) + ")"


def _raters_sql(rule) -> str:
    """Who may rate a topic, by granted role (see the module doc; the lifecycle's rule for
    ``rate`` at the topic's place), without those who already rated this round: one query."""
    anywhere = (f"EXISTS (SELECT 1 FROM user_role r WHERE r.\"user\" = a.id AND r.role IN {_granted_for(rule.roles)}) OR "
                if rule.roles else "")
    return (
        f"SELECT a.id FROM account a WHERE a.active AND ({anywhere}"
        "(a.grid = {} AND EXISTS (SELECT 1 FROM user_role r WHERE r.\"user\" = a.id "
        f"AND r.role IN {_granted_for(rule.grid_roles)}))) "
        "AND NOT EXISTS (SELECT 1 FROM topic_rating tr WHERE tr.topic = {} AND tr.\"user\" = a.id AND tr.round = {})"
    )


_RATERS_SQL = {anywhere: _raters_sql(ACTIVITY_RULES[Activity.rate].at(DEFAULTS if anywhere else NO_OTHER_GRIDS))
               for anywhere in (True, False)}


async def notify_raters(topic: dict, message: str, end_date: date, actor_id: int | None,
                        settings: PlaceSettings | None = None) -> int:
    """``topic`` as read in this transaction (opening or extending a window keeps its round);
    ``settings``: those of its grid (whether representatives of other grids may rate)."""
    sql = _RATERS_SQL[(settings or DEFAULTS).other_grids_rate]
    rows = await Topic.raw(sql, topic["grid"], topic["id"], topic["round"])
    return await notify(
        [r["id"] for r in rows], NoticeKind.evaluation_open.value, message,
        {"title": topic["title"], "end_date": end_date.isoformat()}, topic_path(topic["id"]), actor_id,
    )


async def transition(
    topic: dict, action: Action, roles: Iterable[str], actor_id: int | None, *,
    note: str = "", values: dict | None = None, **detail: Any,
) -> TopicState:
    """Move ``topic`` by ``action``: refuse by the lifecycle, update only if the state is
    still the one read (a concurrent transition loses), write timeline, notices and
    audit. Call inside a transaction."""
    occasion = _OCCASION.get()
    if occasion is not None:
        detail = {**occasion[1], **detail}
    current = TopicState(topic["state"])
    target = next_state(current, action, roles)
    new_round = round_after(Action(action), topic["round"])
    updates: dict = {Topic.state: target.value, Topic.updated_at: utcnow(), Topic.round: new_round}
    updates.update(values or {})
    changed = (
        await Topic.update(updates).where((Topic.id == topic["id"]) & (Topic.state == current.value)).returning(Topic.id)
    )
    if not changed:
        fresh = await load_topic(topic["id"])
        raise TransitionRefused("wrong_state", action=action, state=TopicState(fresh["state"]))
    await event(topic["id"], actor_id, action, current, target, new_round, note, **detail)
    await notify_followers(topic, target, actor_id)
    await audit.record(
        actor_id, f"topic.{action}", "topic", topic["id"],
        from_state=current.value, to_state=target.value, round=new_round, note=note, **detail,
    )
    return target
