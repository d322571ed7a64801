"""Demo data for intake on a resident's behalf (issue 16 point 6): a topic staff entered for
a resident who phoned, one the grid worker entered on a home visit, and a 12345 service
request; each with a fixed tracking code so the demo can be followed at /track. Idempotent
(looked up by title)."""

from __future__ import annotations

from consult.accounts.services import load_viewer
from consult.accounts.tables import User
from consult.intake import commands
from consult.places import queries as places
from consult.topics.tables import Topic
from consult.workorders.tables import WorkOrder

ENTRIES = [
    # (who enters, fixed code, form)
    ("demo_staff", "DEMA-PHNE-7788", {
        "kind": "topic", "channel": "phone", "resident_name": "钱奶奶", "resident_phone": "13800138021",
        "title": "3号楼楼道灯坏了两周", "category": "facilities",
        "description": "钱奶奶打电话来说，3号楼2单元楼道灯坏了两周，晚上上下楼看不清，怕摔倒。",
    }),
    ("demo_grid", "DEMA-HVST-7788", {
        "kind": "topic", "channel": "home_visit", "resident_name": "孙大爷", "resident_phone": "",
        "title": "老人希望小区里多几把休息长椅", "category": "care",
        "description": "入户走访时孙大爷说，小区里散步走一段就没地方坐，希望在中心花园边加几把长椅。",
    }),
    ("demo_staff", "DEMA-TWLV-7788", {
        "kind": "request", "channel": "hotline", "order_number": "BJ-2026-120045", "resident_name": "周先生",
        "resident_phone": "13900139011", "title": "5号楼门前下水道堵塞", "category": "sanitation",
        "description": "12345转来：5号楼门前下水道堵塞，雨后积水，居民出行不便。",
    }),
]


async def load() -> str:
    names = {u for u, _c, _f in ENTRIES}
    users = {r["username"]: r["id"] for r in await User.select(User.id, User.username).where(User.username.is_in(list(names)))}
    if set(users) != names:
        return ""
    grid0 = (await places.grid_choices())[0]["id"]
    made = []
    for username, code, form in ENTRIES:
        if await Topic.exists().where(Topic.title == form["title"]) or \
                await WorkOrder.exists().where(WorkOrder.title == form["title"]):
            continue
        viewer = await load_viewer(users[username])
        await commands.enter(viewer, {**form, "grid_id": str(grid0), "consent": "yes"}, code=code.replace("-", ""))
        made.append(code)
    if not made:
        return ""
    return f"Entered for residents (代办): {len(made)}; follow them at /track/CODE with {', '.join(made)}."
