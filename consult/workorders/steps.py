"""The steps every work-order command shares: load an order (inside the command's
transaction), work out the viewer's roles that reach it, take a move by the lifecycle
table, record the hop on the public timeline and tell who should hear of it.

Reach: a level's roles (committee, staff) count when their scope covers the place that
holds the order; ``department`` counts for the people of the department that holds it;
``resident`` for the person who asked (the requester, or the topic's author)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from consult.accounts.domain import Viewer
from consult.accounts.tables import UserRole
from consult.messages import N_, NotFound
from consult.notifications.services import notify
from consult.places import queries as places
from consult.places.tree import Tree
from consult.roles import Role
from consult.workorders.lifecycle import (
    ACTION_ROLES, DEPARTMENT, OrderAction, OrderRefused, held_roles, next_state,
)
from consult.places.tables import Department
from consult.topics.tables import Topic, TopicEvent
from consult.workorders.labels import EVENT_WORDS
from consult.workorders.tables import DepartmentMember, WorkOrder, WorkOrderEvent

NO_ORDER = N_("There is no work order number {order_id}.")
ORDER_NOTICE = N_("Work order “{title}”: {state_label}.")
NOTICE_KIND = "work_order"
TOPIC_ACTION = "work_order"  # the topic timeline's entry for a hop of its work order


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def order_path(order_id: int) -> str:
    return f"/work-orders/{order_id}"


async def load_order(order_id: int) -> dict:
    row = await WorkOrder.select(*WorkOrder.all_columns(), WorkOrder.topic.author.as_alias("topic_author")).where(
        WorkOrder.id == order_id).first()
    if row is None:
        raise NotFound(NO_ORDER, order_id=order_id)
    return row


async def departments_of(user_id: int | None) -> frozenset[int]:
    """The departments a person works in (the reach of their ``department`` role)."""
    if user_id is None:
        return frozenset()
    rows = await DepartmentMember.select(DepartmentMember.department).where(DepartmentMember.user == user_id)
    return frozenset(r["department"] for r in rows)


def asker_of(order: dict) -> int | None:
    return order["requester"] if order["requester"] is not None else order.get("topic_author")


def roles_on(viewer: Viewer, order: dict, tree: Tree, departments: frozenset[int]) -> frozenset[str]:
    """The viewer's roles that reach this order where it is now (see the module doc)."""
    held: set[str] = set()
    if order["holder_place"] is not None:
        held |= viewer.granted_at(tree.path_of(order["holder_place"]))
    if order["holder_department"] is not None and order["holder_department"] in departments:
        held.add(DEPARTMENT)
    if viewer.id is not None and viewer.id == asker_of(order):
        held |= viewer.granted_at(tree.path_of(order["grid"])) & {Role.resident, Role.party_member, Role.admin}
    return frozenset(held)


def check_move(viewer: Viewer, order: dict, action: OrderAction, roles: frozenset[str],
               departments: frozenset[int]) -> str:
    """The next state, or a refusal: the state first, then "not here" when the viewer holds
    the needed role somewhere else (another place, another department), then the role."""
    try:
        return next_state(order["state"], action, roles)
    except OrderRefused as refused:
        if refused.code != "role_not_allowed":
            raise
        elsewhere = set(viewer.granted) | ({DEPARTMENT} if departments else set())
        if any(next_state_allows(action, r) for r in elsewhere):
            raise OrderRefused("not_here", status_code=403) from None
        raise


def next_state_allows(action: OrderAction, role: str) -> bool:
    return bool(held_roles({role}) & ACTION_ROLES[action])


async def hop(order: dict, actor_id: int | None, action: OrderAction | str, to_state: str, *,
              to_place: int | None = None, to_department: int | None = None, reason: str = "",
              deadline: datetime | None = None, round_: int | None = None, at: datetime | None = None) -> None:
    """One line of the public timeline: from the holder before to the holder after."""
    await WorkOrderEvent.insert(WorkOrderEvent(
        work_order=order["id"], actor=actor_id, action=str(action), from_state=order["state"], to_state=str(to_state),
        from_place=order["holder_place"], from_department=order["holder_department"], to_place=to_place,
        to_department=to_department, reason=reason, deadline=deadline,
        round=round_ if round_ is not None else order["round"], at=at or utcnow(),
    ))
    await topic_hop(order, str(action), to_place, to_department, reason, at or utcnow())


async def _name(place_id: int | None, department_id: int | None) -> str:
    if department_id is not None:
        row = await Department.select(Department.name).where(Department.id == department_id).first()
        return row["name"] if row else ""
    node = (await places.tree()).get(place_id)
    return node.name if node else ""


async def topic_hop(order: dict, action: str, to_place: int | None, to_department: int | None,
                    reason: str, at: datetime) -> None:
    """The same hop on the topic's public timeline (a topic's order only): the level and
    department names and the reason, never a person (``actor`` stays empty)."""
    if order.get("topic") is None:
        return
    topic = await Topic.select(Topic.state).where(Topic.id == order["topic"]).first()
    state = topic["state"] if topic else ""
    names = {"from": await _name(order["holder_place"], order["holder_department"]),
             "to": await _name(to_place, to_department)}
    await TopicEvent.insert(TopicEvent(
        topic=order["topic"], actor=None, action=TOPIC_ACTION, from_state=state, to_state=state, note=reason,
        detail={"words": EVENT_WORDS.get(action, action), "names": names, "order": order["id"]},
        round=order["round"], at=at))


async def members_of(department_id: int | None) -> list[int]:
    if department_id is None:
        return []
    rows = await DepartmentMember.select(DepartmentMember.user).where(DepartmentMember.department == department_id)
    return [r["user"] for r in rows]


async def level_people(place_id: int | None) -> list[int]:
    """Committee and staff granted at exactly this place (the level's own people)."""
    if place_id is None:
        return []
    rows = await UserRole.select(UserRole.user).where(
        (UserRole.place == place_id) & UserRole.role.is_in([Role.committee.value, Role.staff.value]))
    return [r["user"] for r in rows]


async def tell(user_ids: list[int], order: dict, state_label: str, actor_id: int | None, **_: Any) -> int:
    return await notify(user_ids, NOTICE_KIND, ORDER_NOTICE, {"title": order["title"], "state_label": state_label},
                        order_path(order["id"]), actor_id)


async def tree() -> Tree:
    return await places.tree()
