"""Demo data for follow-ups (回访), 诉求不合理 and the scoreboard, after the topics' demo
(which makes the street's staff account): follow-ups on up to three demo work orders and
one order judged unreasonable (proposed by the community's staff, approved by the
street's). Uses the demo's work orders when they exist, else opens two plain service
requests of its own. Idempotent: nothing is added once the demo's unreasonable order exists."""

from __future__ import annotations

from consult.accounts.demo import DEMO_PASSWORD, STREET
from consult.accounts.services import create_user, load_viewer
from consult.accounts.tables import Category, User
from consult.places import queries as places
from consult.places.tables import Place
from consult.topics.demo_communities import STREET_STAFF  # the street's staff (chaoyang_staff)
from consult.workorders import commands, review_commands
from consult.workorders.review_tables import WorkOrderExclusion, WorkOrderFollowUp
from consult.workorders.steps import load_order
from consult.workorders.tables import WorkOrder

UNREASONABLE = "要求物业为个人车辆免费提供固定车位，属于个人私利诉求。"
FOLLOW_UPS = [
    {"channel": "call", "outcome": "resolved", "reason": "after_reply"},
    {"channel": "visit", "outcome": "partly", "reason": "spot_check"},
    {"channel": "call", "outcome": "unreached", "reason": "overdue"},
]
REQUESTS = [
    ("3号楼门口路灯不亮", "3号楼单元门口的路灯已经坏了一周，晚上出入很不方便。"),
    ("要求给我家车辆免费固定车位", "我家有两辆车，要求物业在楼下给我划两个免费的固定车位。"),
]


async def _user(username: str) -> int | None:
    row = await User.select(User.id).where(User.username == username).first()
    return row["id"] if row else None


async def _orders(staff) -> list[int]:
    """The demo's work orders in the community (oldest first), or two new service requests."""
    rows = await WorkOrder.select(WorkOrder.id).order_by(WorkOrder.id).limit(20)
    if rows:
        return [r["id"] for r in rows]
    grid = await Place.select(Place.id).where(Place.kind == "grid").order_by(Place.id).first()
    category = await Category.select(Category.id).where(Category.active == True).order_by(  # noqa: E712
        Category.position).first()
    return [await commands.create_request(staff, {"title": title, "description": text, "grid": str(grid["id"]),
                                                  "category": str(category["id"])})
            for title, text in REQUESTS]


async def load() -> str:
    if await WorkOrderExclusion.exists().where(WorkOrderExclusion.reason == UNREASONABLE):
        return ""
    staff_id = await _user("demo_staff")
    street = await Place.select(Place.id).where((Place.name == STREET) & (Place.kind == "street")).first()
    if staff_id is None or street is None:
        return ""
    street_id = await _user(STREET_STAFF[0]) or await create_user(
        STREET_STAFF[0], DEMO_PASSWORD, ["staff"], display_name=STREET_STAFF[1], place_id=street["id"])
    staff, street_staff = await load_viewer(staff_id), await load_viewer(street_id)
    orders = await _orders(staff)
    tree = await places.tree()
    reach = [o for o in orders if review_commands.reach_of(staff, await load_order(o), tree).staff_at_level]
    if not reach:
        return ""
    followed = 0
    for order_id, form in zip(reach, FOLLOW_UPS):
        if not await WorkOrderFollowUp.exists().where(WorkOrderFollowUp.work_order == order_id):
            await review_commands.record_follow_up(staff, order_id, form)
            followed += 1
    unreasonable = reach[-1]
    await review_commands.propose_unreasonable(staff, unreasonable, {"reason": UNREASONABLE})
    await review_commands.decide_unreasonable(street_staff, unreasonable, {
        "decision": "approve", "confirm": "yes", "reason": "经街道复核，属个人私利诉求，不计入部门考核。"})
    return f"Work-order follow-ups: {followed}; work order {unreasonable} judged unreasonable by {STREET}."
