"""Work-order commands: open an order (from a topic, or a plain service request entered by
staff) and take a move (dispatch, escalate, handle, acknowledge, send back, reply, rate).
Each is one transaction with its hop on the public timeline, its notices and its audit
entry; the lifecycle table decides (``consult.workorders.lifecycle``), and a refusal
changes nothing.

Decisions where the issue is silent:

* An order starts at the community of its grid (the level that knows the place).
* One open work order per topic: a second is refused while the first is not closed.
* A dispatch's deadline is a date: the order is due at the end of that day (local time).
* The 签收 clock, the return window and the working day are those of the level that
  dispatched (``sent_by``); the first-response clock that of the order's grid.
* 不满意 sends the order back to the department that replied, waiting for its 签收 again
  with a fresh acknowledge clock; a level that handled it itself handles it again.
* The resident's comment with a rating is kept in the audit log only: the public
  timeline carries no resident's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.accounts.tables import Category
from consult.messages import N_, NotFound, Refusal
from consult.places import queries as places
from consult.places.tables import Department
from consult.places.tree import Kind, Tree, covers
from consult.roles import Role
from consult.topics.tables import Topic
from consult.workorders.calendar import LOCAL
from consult.workorders.clocks import ack_due, return_open
from consult.workorders.forms import OrderInputError, parse_action, parse_request
from consult.workorders.labels import STATE_LABELS
from consult.workorders.lifecycle import OPEN_STATES, OrderAction, OrderRefused, OrderState, after_rating
from consult.workorders.steps import (
    asker_of, check_move, departments_of, hop, level_people, load_order, members_of, roles_on, tell, utcnow,
)
from consult.workorders.tables import WorkOrder, WorkOrderEvent
from consult.workorders.workcal import clock_settings
from consult.photos import commands as photos_commands
from consult.photos.owners import OwnerType

W, A, S = WorkOrder, OrderAction, OrderState
PEOPLE_ACTIONS = frozenset({A.dispatch, A.escalate, A.handle, A.acknowledge, A.send_back, A.reply, A.rate})
LEVEL_ROLES = frozenset({Role.committee, Role.staff})
TOPIC_HAS_ORDER = N_("This topic already has an open work order.")
NO_TOPIC_ORDER = N_("Only the committee or staff of the topic's place may open a work order for it.")
NO_REQUEST = N_("Only the staff of the place may enter a service request there.")
CLOSED_TOPIC = N_("A rejected or merged topic cannot have a work order.")


def local_today(now: datetime) -> date:
    return now.astimezone(LOCAL).date()


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), LOCAL)


def _level_roles_at(viewer: Viewer, path: str | None) -> frozenset[str]:
    return viewer.roles_at(path) & LEVEL_ROLES


# ---------------------------------------------------------------- opening an order


async def _open(viewer: Viewer, values: dict[str, Any], now: datetime, tree: Tree) -> int:
    community = tree.of_kind_above(values["grid"], Kind.community)
    holder = community.id if community else values["grid"]
    row = WorkOrder(**values, holder_place=holder, created_by=viewer.id, state=S.at_level.value, created_at=now)
    await row.save()
    order = await load_order(row.id)
    order["state"], order["holder_place"] = "", None
    await hop(order, viewer.id, "create", S.at_level, to_place=holder, at=now)
    await audit.record(viewer.id, "work_order.created", "work_order", row.id, topic=values.get("topic"), place=holder)
    await tell(await level_people(holder), order, STATE_LABELS[S.at_level], viewer.id)
    return row.id


async def create_from_topic(viewer: Viewer, topic_id: int, now: datetime | None = None) -> int:
    """The committee or staff of the topic's place open a work order for it."""
    now = now or utcnow()
    async with db.transaction():
        topic = await Topic.select(Topic.id, Topic.title, Topic.description, Topic.category, Topic.grid,
                                   Topic.state, Topic.grid.path.as_alias("place_path")).where(Topic.id == topic_id).first()
        if topic is None:
            raise NotFound(N_("There is no topic number {topic_id}."), topic_id=topic_id)
        if not _level_roles_at(viewer, topic["place_path"]):
            raise Refusal(NO_TOPIC_ORDER, status_code=403)
        if topic["state"] in ("rejected", "merged"):
            raise Refusal(CLOSED_TOPIC, status_code=409)
        if await WorkOrder.exists().where((W.topic == topic_id) & W.state.is_in([s.value for s in OPEN_STATES | {S.replied}])):
            raise Refusal(TOPIC_HAS_ORDER, status_code=409)
        values = {"topic": topic_id, "title": topic["title"], "description": topic["description"],
                  "category": topic["category"], "grid": topic["grid"]}
        return await _open(viewer, values, now, await places.tree())


async def create_request(viewer: Viewer, form: Mapping[str, object], requester_id: int | None = None,
                         now: datetime | None = None, roles: tuple[str, ...] = (Role.staff,)) -> int:
    """Staff enter a plain service request (接诉即办) for a grid they serve (intake on a
    resident's behalf passes its own ``roles``: the grid worker of the grid too)."""
    now = now or utcnow()
    async with db.transaction():
        tree = await places.tree()
        grids = {n.id for n in tree.below(None, Kind.grid, active_only=True) if viewer.has_at(n.path, *roles)}
        if not grids:
            raise Refusal(NO_REQUEST, status_code=403)
        categories = {r["id"] for r in await Category.select(Category.id).where(Category.active == True)}  # noqa: E712
        data = parse_request(form, categories, grids)
        values = {"title": data.title, "description": data.description, "category": data.category_id,
                  "grid": data.grid_id, "requester": requester_id}
        return await _open(viewer, values, now, tree)


# ---------------------------------------------------------------- the moves


@dataclass
class Move:
    state: str
    values: dict = field(default_factory=dict)
    to_place: int | None = None
    to_department: int | None = None
    reason: str = ""
    deadline: datetime | None = None
    round: int | None = None
    tell: list[int] = field(default_factory=list)


async def department_choices(order: dict, tree: Tree) -> dict[int, dict]:
    """The active departments at or below the level that holds the order, by id."""
    path = tree.path_of(order["holder_place"])
    if path is None:
        return {}
    rows = await Department.select(Department.id, Department.name, Department.place).where(
        Department.active == True).order_by(Department.position, Department.id)  # noqa: E712
    return {r["id"]: r for r in rows if covers(path, tree.path_of(r["place"]) or "\0")}


async def _dispatch(order, data, tree, now, _viewer) -> Move:
    settings, calendar = await clock_settings(order["holder_place"])
    deadline = end_of(data["deadline"])
    dep = data["department"]
    return Move(S.dispatched, {W.holder_place: None, W.holder_department: dep, W.sent_by: order["holder_place"],
                               W.handler_department: dep, W.deadline: deadline, W.dispatched_at: now,
                               W.ack_due_at: ack_due(settings, now, calendar), W.acknowledged_at: None},
                to_department=dep, reason=data.get("note") or "", deadline=deadline, tell=await members_of(dep))


async def _escalate(order, data, tree, now, _viewer) -> Move:
    node = tree.get(order["holder_place"])
    if node is None or node.parent is None:
        raise OrderRefused("no_parent")
    return Move(S.at_level, {W.holder_place: node.parent, W.handler_department: None}, to_place=node.parent,
                reason=data["reason"], tell=await level_people(node.parent))


async def _handle(order, data, tree, now, _viewer) -> Move:
    deadline = end_of(data["deadline"])
    return Move(S.handling, {W.deadline: deadline, W.handler_department: None}, to_place=order["holder_place"],
                deadline=deadline)


async def _acknowledge(order, data, tree, now, _viewer) -> Move:
    return Move(S.acknowledged, {W.acknowledged_at: now}, to_department=order["holder_department"],
                tell=await level_people(order["sent_by"]))


async def _send_back(order, data, tree, now, _viewer) -> Move:
    settings = await places.settings_of(order["sent_by"])
    if not return_open(settings, order["dispatched_at"], now):
        raise OrderRefused("return_window")
    return Move(S.at_level, {W.holder_place: order["sent_by"], W.holder_department: None, W.handler_department: None},
                to_place=order["sent_by"], reason=data["reason"], tell=await level_people(order["sent_by"]))


async def _reply(order, data, tree, now, _viewer) -> Move:
    asker = asker_of(order)
    return Move(S.replied, {W.replied_at: now, W.result: data["result"]}, to_place=order["holder_place"],
                to_department=order["holder_department"], reason=data["result"], tell=[asker] if asker else [])


async def _rate(order, data, tree, now, _viewer) -> Move:
    department = order["holder_department"]
    state, again = after_rating(data["rating"], department is not None)
    values: dict = {W.rating: data["rating"]}
    if not again:
        values[W.closed_at] = now
        return Move(state, values, to_place=order["holder_place"], to_department=department)
    values.update({W.round: order["round"] + 1, W.replied_at: None, W.result: ""})
    if department is not None:
        settings, calendar = await clock_settings(order["sent_by"])
        values.update({W.dispatched_at: now, W.ack_due_at: ack_due(settings, now, calendar), W.acknowledged_at: None})
    people = await members_of(department) if department is not None else await level_people(order["holder_place"])
    return Move(state, values, to_place=order["holder_place"], to_department=department,
                round=order["round"] + 1, tell=people)


async def last_hop(order_id: int) -> int:
    """The id of the order's latest hop (the one just written, inside the transaction)."""
    row = await WorkOrderEvent.select(WorkOrderEvent.id).where(WorkOrderEvent.work_order == order_id).order_by(
        WorkOrderEvent.id, ascending=False).first()
    return row["id"]


MOVES = {A.dispatch: _dispatch, A.escalate: _escalate, A.handle: _handle, A.acknowledge: _acknowledge,
         A.send_back: _send_back, A.reply: _reply, A.rate: _rate}


def parse_order_action(action: str) -> OrderAction:
    try:
        found = OrderAction(action)
    except ValueError:
        raise NotFound(N_("There is no such action on a work order.")) from None
    if found not in PEOPLE_ACTIONS:
        raise NotFound(N_("There is no such action on a work order."))
    return found


async def act(viewer: Viewer, order_id: int, action: str, form: Mapping[str, object],
              now: datetime | None = None, photos: photos_commands.Batch | None = None) -> str:
    """Take ``action`` on the order; returns its new state. The state and the reach are
    checked before the input, so a refused move tells why it is refused. A reply's photos
    (evidence) belong to its hop, saved with it or not at all."""
    move_action = parse_order_action(action)
    now = now or utcnow()
    async with photos_commands.stored(photos if move_action is A.reply else None), db.transaction():
        order = await load_order(order_id)
        tree = await places.tree()
        departments = await departments_of(viewer.id)
        check_move(viewer, order, move_action, roles_on(viewer, order, tree, departments), departments)
        choices = await department_choices(order, tree) if move_action is A.dispatch else {}
        data = parse_action(move_action, form, local_today(now), choices)
        move = await MOVES[move_action](order, data, tree, now, viewer)
        await WorkOrder.update({W.state: str(move.state), **move.values}).where(W.id == order_id)
        await hop(order, viewer.id, move_action, move.state, to_place=move.to_place, to_department=move.to_department,
                  reason=move.reason, deadline=move.deadline, round_=move.round, at=now)
        detail = {k: (str(v) if isinstance(v, date) else v) for k, v in data.items()}
        await audit.record(viewer.id, f"work_order.{move_action.value}", "work_order", order_id, **detail)
        if photos and move_action is A.reply:
            await photos_commands.attach(photos, OwnerType.work_order_reply, await last_hop(order_id), viewer.id)
        await tell(move.tell, order, STATE_LABELS[move.state], viewer.id)
        return str(move.state)


__all__ = ["OrderInputError", "act", "create_from_topic", "create_request", "department_choices"]
