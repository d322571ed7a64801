"""Reads of work orders for the pages: one order with its public timeline, a department's
queue (by time left), the orders a level holds or sent. Names of levels and departments
come from the tree and one read of the departments; no resident's name or phone is read."""

from __future__ import annotations

from datetime import datetime, timedelta

from consult.places import queries as places
from consult.places.tables import Department
from consult.places.tree import Kind, Tree, covers
from consult.workorders.clocks import clock_of
from consult.workorders.lifecycle import OPEN_STATES, OrderState
from consult.workorders.tables import WorkOrder, WorkOrderEvent

W = WorkOrder
PUBLIC_COLUMNS = (W.id, W.topic, W.title, W.description, W.category, W.grid, W.holder_place, W.holder_department,
                  W.sent_by, W.handler_department, W.state, W.round, W.deadline, W.ack_due_at, W.created_at,
                  W.dispatched_at, W.acknowledged_at, W.replied_at, W.closed_at, W.result, W.rating)
LIST_LIMIT = 200
LEVEL_KINDS = frozenset({Kind.district, Kind.street, Kind.community})


async def department_names() -> dict[int, dict]:
    rows = await Department.select(Department.id, Department.name, Department.place)
    return {r["id"]: r for r in rows}


def holder_name(tree: Tree, deps: dict[int, dict], place_id: int | None, department_id: int | None) -> str:
    if department_id is not None:
        return deps[department_id]["name"] if department_id in deps else "?"
    node = tree.get(place_id)
    return node.name if node else ""


def _with_clock(row: dict, now: datetime, tree: Tree, deps: dict[int, dict], response_hours: int = 24) -> dict:
    row = dict(row)
    due_at_level = row["created_at"] + timedelta(hours=response_hours) if row["state"] == OrderState.at_level else None
    row["clock"] = (clock_of(row["state"], row["ack_due_at"], row["deadline"], now)
                    if due_at_level is None else clock_of("handling", None, due_at_level, now))
    row["holder_name"] = holder_name(tree, deps, row["holder_place"], row["holder_department"])
    row["place_name"] = tree.label(row["grid"])
    row["due"] = (row["ack_due_at"] if row["state"] == OrderState.dispatched else
                  due_at_level if due_at_level is not None else row["deadline"])
    return row


async def order(order_id: int, now: datetime) -> dict | None:
    row = await W.select(*PUBLIC_COLUMNS).where(W.id == order_id).first()
    if row is None:
        return None
    tree, deps = await places.tree(), await department_names()
    settings = await places.settings_of(row["grid"])
    return _with_clock(row, now, tree, deps, settings.response_hours)


async def timeline(order_id: int) -> list[dict]:
    """Every hop, oldest first, with the names of the holders (the actor is not named)."""
    tree, deps = await places.tree(), await department_names()
    E = WorkOrderEvent
    rows = await E.select(E.id, E.at, E.action, E.from_state, E.to_state, E.from_place, E.from_department,
                          E.to_place, E.to_department, E.reason, E.deadline, E.round).where(
        E.work_order == order_id).order_by(E.at).order_by(E.id)
    for r in rows:
        r["from_name"] = holder_name(tree, deps, r["from_place"], r["from_department"])
        r["to_name"] = holder_name(tree, deps, r["to_place"], r["to_department"])
    return rows


def _by_due(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["due"] is None, r["due"].timestamp() if r["due"] else 0.0, r["id"]))


async def queue(department_ids: frozenset[int], now: datetime) -> list[dict]:
    """The open orders the departments hold, the least time left first."""
    if not department_ids:
        return []
    rows = await W.select(*PUBLIC_COLUMNS).where(
        W.holder_department.is_in(sorted(department_ids)) & W.state.is_in([s.value for s in OPEN_STATES])
    ).limit(LIST_LIMIT)
    tree, deps = await places.tree(), await department_names()
    return _by_due([_with_clock(r, now, tree, deps) for r in rows])


async def held_by_levels(scopes: tuple[str, ...], now: datetime, open_only: bool = True) -> list[dict]:
    """The orders held by a level within ``scopes`` or dispatched from one (the level's
    list). Orders are held by levels only (district, street, community): few ids."""
    tree, deps = await places.tree(), await department_names()
    ids = sorted(n.id for n in tree.ordered() if n.kind in LEVEL_KINDS and any(covers(s, n.path) for s in scopes))
    if not ids:
        return []
    where = W.holder_place.is_in(ids) | W.sent_by.is_in(ids)
    if open_only:
        where = where & W.state.is_in([s.value for s in OPEN_STATES | {OrderState.replied}])
    rows = await W.select(*PUBLIC_COLUMNS).where(where).order_by(W.id, ascending=False).limit(LIST_LIMIT)
    return _by_due([_with_clock(r, now, tree, deps) for r in rows])


async def for_topic(topic_id: int) -> list[dict]:
    return await W.select(W.id, W.state, W.round).where(W.topic == topic_id).order_by(W.id)


async def of_topic(topic_id: int, now: datetime) -> list[dict]:
    """A topic's orders (public fields), each with its holder and clock, oldest first."""
    rows = await W.select(*PUBLIC_COLUMNS).where(W.topic == topic_id).order_by(W.id).limit(LIST_LIMIT)
    if not rows:
        return []
    tree, deps = await places.tree(), await department_names()
    return [_with_clock(r, now, tree, deps) for r in rows]
