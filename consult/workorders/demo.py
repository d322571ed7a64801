"""The demo's work orders (issue 15 point 7): orders in every state across the demo's
departments and levels (幸福里社区 → 朝阳街道 → 区), some overdue, one returned (退回), one
escalated twice (吹哨 to the street, then to the district), one escalated automatically
(签收 missed), one in 二次办理, one closed unrated — with times spread over six weeks.

Every step goes through the real commands with ``now`` set to the story's time (the
commands take it), so each hop, clock and timestamp is consistent: a dispatch after the
opening, an acknowledgement after the dispatch, a reply after it, a rating after that.
Idempotent: an order is looked up by its title first.

Hooks for follow-up (回访) and 诉求不合理: ``STORY_HOOKS`` — a story added there gets the
same ``_Demo`` (people, places, ``at(days_ago)``) and runs after these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

from consult.accounts.demo import DEMO_PASSWORD, load_base_places
from consult.accounts.services import create_user, load_viewer
from consult.accounts.tables import User
from consult.places.tables import Department
from consult.topics.tables import Topic
from consult.workorders import commands
from consult.workorders.calendar import LOCAL
from consult.workorders.escalation import escalate_one
from consult.workorders.tables import DepartmentMember, WorkOrder
from consult.workorders.unrated import close_one

PROPERTY, STREET_TEAM, DISTRICT_BUREAU = "幸福里物业服务中心", "朝阳街道城管执法队", "区住房和城乡建设局"
# username, display name, department (None: the district's staff)
ACCOUNTS = [
    ("demo_dept_property", "物业客服小郑", PROPERTY),
    ("demo_dept_street", "城管队员老黄", STREET_TEAM),
    ("demo_dept_district", "住建局科员小冯", DISTRICT_BUREAU),
    ("demo_district_staff", "区指挥中心小许", None),
]
STREET_STAFF = "chaoyang_staff"  # consult.topics.demo_communities


class _Demo:
    def __init__(self, people: dict, places: dict, departments: dict[str, int]) -> None:
        self.people, self.places, self.departments = people, places, departments
        self.now = datetime.now(timezone.utc)
        self.created = 0

    def at(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    async def request(self, title: str, description: str, category: str, grid: int, requester: str,
                      days_ago: float) -> int | None:
        """A service request entered by the community's staff, or None when it exists."""
        if await WorkOrder.exists().where(WorkOrder.title == title):
            return None
        form = {"title": title, "description": description, "category": str(self.places["categories"][category]),
                "grid": str(self.places["grids"][grid])}
        self.created += 1
        return await commands.create_request(self.people["demo_staff"], form, self.people[requester].id,
                                             now=self.at(days_ago))

    async def act(self, who: str, order_id: int, action: str, days_ago: float, **form) -> None:
        await commands.act(self.people[who], order_id, action, form, now=self.at(days_ago))

    async def dispatch(self, who: str, order_id: int, department: str, days_ago: float, due_in_days: int) -> None:
        when = self.at(days_ago)
        deadline = (when + timedelta(days=due_in_days)).astimezone(LOCAL).date().isoformat()
        await commands.act(self.people[who], order_id, "dispatch",
                           {"department": str(self.departments[department]), "deadline": deadline,
                            "note": "请按时限办理并上传办理结果。"}, now=when)


async def _people(places: dict, departments: dict[str, int]) -> dict:
    for username, display, department in ACCOUNTS:
        if not await User.exists().where(User.username == username):
            roles, place = ([], None) if department else (["staff"], places["district"])
            uid = await create_user(username, DEMO_PASSWORD, roles, display_name=display,
                                    grid_id=places["grids"][0], place_id=place)
            if department:
                await DepartmentMember.insert(DepartmentMember(user=uid, department=departments[department]))
    names = [a[0] for a in ACCOUNTS] + ["demo_staff", STREET_STAFF, "demo_resident", "demo_resident2",
                                        "demo_resident3", "demo_party"]
    rows = await User.select(User.id, User.username).where(User.username.is_in(names))
    return {r["username"]: await load_viewer(r["id"]) for r in rows}


async def _closed(d: _Demo) -> None:
    """Dispatched, acknowledged, replied, rated: the loop closed, at different speeds."""
    for title, text, category, requester, start, ack_hours, reply_days, rating in (
        ("3号楼电梯异响", "3号楼电梯运行时有很大的异响，老人不敢坐。", "facilities", "demo_resident", 41, 1.5, 3, "satisfied"),
        ("小区东门路灯不亮", "东门两盏路灯坏了一周，晚上回家很黑。", "facilities", "demo_resident2", 34, 0.5, 2, "basically_satisfied"),
        ("化粪池井盖异味", "5号楼前化粪池井盖缝隙大，夏天味道很重。", "sanitation", "demo_resident3", 22, 3, 5, "satisfied"),
    ):
        oid = await d.request(title, text, category, 0, requester, start)
        if oid is None:
            continue
        await d.dispatch("demo_staff", oid, PROPERTY, start - 0.05, 10)
        acked = start - 0.05 - ack_hours / 24
        await d.act("demo_dept_property", oid, "acknowledge", acked)
        await d.act("demo_dept_property", oid, "reply", acked - reply_days, result=f"已处理：{title}，现场已复查。")
        await d.act(requester, oid, "rate", acked - reply_days - 1, rating=rating)


async def _second_round(d: _Demo) -> None:
    """不满意 sends it back to the property (二次办理); the second reply satisfies."""
    oid = await d.request("楼道堆放杂物", "2号楼楼道堆满纸箱和旧家具，影响消防通道。", "safety", 0, "demo_party", 29)
    if oid is None:
        return
    await d.dispatch("demo_staff", oid, PROPERTY, 28.9, 7)
    await d.act("demo_dept_property", oid, "acknowledge", 28.85)
    await d.act("demo_dept_property", oid, "reply", 27, result="已通知住户自行清理。")
    await d.act("demo_party", oid, "rate", 26, rating="unsatisfied")
    await d.act("demo_dept_property", oid, "acknowledge", 25.9)
    await d.act("demo_dept_property", oid, "reply", 24, result="物业已统一清运杂物，并张贴消防通道禁放提示。")
    await d.act("demo_party", oid, "rate", 23, rating="satisfied")


async def _escalations(d: _Demo) -> None:
    """吹哨 once (the street's enforcement team closes it) and twice (the district's bureau works on it)."""
    oid = await d.request("小区门口占道经营", "小区门口每天傍晚有摊贩占道，车辆进出困难。", "parking", 1, "demo_resident3", 26)
    if oid is not None:
        await d.act("demo_staff", oid, "escalate", 25.9, reason="占道经营需街道城管执法，社区无执法权。")
        await d.dispatch(STREET_STAFF, oid, STREET_TEAM, 25.5, 10)
        await d.act("demo_dept_street", oid, "acknowledge", 25.45)
        await d.act("demo_dept_street", oid, "reply", 21, result="已劝离摊贩并设置早晚巡查。")
        await d.act("demo_resident3", oid, "rate", 20, rating="basically_satisfied")
    oid = await d.request("违章搭建阳光房", "7号楼顶层住户在屋顶搭建阳光房，楼下漏水。", "safety", 0, "demo_resident", 19)
    if oid is not None:
        await d.act("demo_staff", oid, "escalate", 18.9, reason="涉及违法建设认定，需街道处理。")
        await d.act(STREET_STAFF, oid, "escalate", 17, reason="需区住建局认定并组织拆除。")
        await d.dispatch("demo_district_staff", oid, DISTRICT_BUREAU, 16, 30)
        await d.act("demo_dept_district", oid, "acknowledge", 15.9)


async def _returned_and_missed(d: _Demo) -> None:
    """退回 within the window (back at the community, to decide again), and a missed 签收
    that the escalation job sent to the street."""
    oid = await d.request("人行道井盖松动", "小区外人行道上的井盖踩上去会晃动，有安全隐患。", "safety", 2, "demo_resident2", 9)
    if oid is not None:
        await d.dispatch("demo_staff", oid, PROPERTY, 8.9, 7)
        await d.act("demo_dept_property", oid, "send_back", 8.5, reason="井盖位于市政道路，不属于物业管理范围。")
    oid = await d.request("地下车库漏水", "地下车库B区顶板渗水，车辆被泡。", "facilities", 1, "demo_resident", 12)
    if oid is not None:
        await d.dispatch("demo_staff", oid, PROPERTY, 11.9, 10)
        due = (await WorkOrder.select(WorkOrder.ack_due_at).where(WorkOrder.id == oid).first())["ack_due_at"]
        await escalate_one(oid, due + timedelta(minutes=5))


async def _open(d: _Demo) -> None:
    """Overdue work, a level handling one itself, a reply waiting for its rating, a fresh
    dispatch waiting for 签收, and a reply never rated (closed when the window ended)."""
    oid = await d.request("垃圾清运不及时", "垃圾桶经常满溢，清运车两天才来一次。", "sanitation", 0, "demo_resident2", 16)
    if oid is not None:  # acknowledged; its deadline passed 5 days ago
        await d.dispatch("demo_staff", oid, PROPERTY, 15.9, 10)
        await d.act("demo_dept_property", oid, "acknowledge", 15.8)
    oid = await d.request("中心花园绿化枯死", "中心花园一片绿篱枯死，一直没有补种。", "sanitation", 1, "demo_resident3", 11)
    if oid is not None:  # the community handles it itself; overdue by 2 days
        await d.act("demo_staff", oid, "handle", 10.9, deadline=(d.at(10.9) + timedelta(days=9)).astimezone(
            LOCAL).date().isoformat())
    oid = await d.request("健身器材损坏", "小广场的漫步机断了一根扶手。", "facilities", 0, "demo_resident", 6)
    if oid is not None:  # replied 2 days ago, waiting for the resident's rating
        await d.dispatch("demo_staff", oid, PROPERTY, 5.9, 5)
        await d.act("demo_dept_property", oid, "acknowledge", 5.8)
        await d.act("demo_dept_property", oid, "reply", 2, result="已更换扶手并检查其他器材。")
    oid = await d.request("单元门禁失灵", "4号楼2单元门禁刷卡没反应，门一直开着。", "safety", 0, "demo_resident2", 0.2)
    if oid is not None:  # dispatched just now: its 签收 clock runs
        await d.dispatch("demo_staff", oid, PROPERTY, 0.1, 3)
    oid = await d.request("广场舞音响扰民", "晚上九点后广场舞音响仍很大声。", "neighbours", 2, "demo_resident3", 38)
    if oid is not None:  # replied, never rated: closed when the evaluation window ended
        await d.dispatch("demo_staff", oid, PROPERTY, 37.9, 7)
        await d.act("demo_dept_property", oid, "acknowledge", 37.85)
        await d.act("demo_dept_property", oid, "reply", 35, result="已与广场舞队约定九点前结束并调低音量。")
        replied = (await WorkOrder.select(WorkOrder.replied_at).where(WorkOrder.id == oid).first())["replied_at"]
        await close_one(oid, replied + timedelta(days=15))


async def _from_topic(d: _Demo) -> None:
    """A project of the demo's topics handed to the property as a work order (its hops show
    on the topic's timeline and its clock in the topic's work-order block)."""
    T = Topic
    topic = await T.select(T.id).where(T.state.is_in(["project", "implementing"]) & T.grid.is_in(d.places["grids"])
                                       ).order_by(T.id).first()
    if topic is None or await WorkOrder.exists().where(WorkOrder.topic == topic["id"]):
        return
    d.created += 1
    oid = await commands.create_from_topic(d.people["demo_staff"], topic["id"], now=d.at(4))
    await d.dispatch("demo_staff", oid, PROPERTY, 3.9, 14)
    await d.act("demo_dept_property", oid, "acknowledge", 3.85)


# Stories added by other features (follow-up 回访, 诉求不合理 with its second approver): each
# ``async def story(d: _Demo) -> None`` runs after the ones above.
STORY_HOOKS: list[Callable[[_Demo], Awaitable[None]]] = []


async def load() -> str:
    places = await load_base_places()
    departments = {r["name"]: r["id"] for r in await Department.select(Department.id, Department.name)}
    d = _Demo(await _people(places, departments), places, departments)
    for story in (_closed, _second_round, _escalations, _returned_and_missed, _open, _from_topic, *STORY_HOOKS):
        await story(d)
    accounts = ", ".join(f"{u} ({dep or '区 staff'})" for u, _n, dep in ACCOUNTS)
    if not d.created:
        return f"Demo work orders: already loaded. Department accounts: {accounts}."
    return (f"Demo work orders: {d.created} created (every state, overdue, returned, escalated twice). "
            f"Department accounts (password {DEMO_PASSWORD}): {accounts}.")
