"""The demo places (one district, one street, three communities with their grids, two
departments), the categories, and one account per role in 幸福里社区: the places and
people every feature's demo data builds on.

Idempotent: everything is looked up by a natural key before it is created.
"""

from __future__ import annotations

from datetime import datetime, timezone

from consult import db
from consult.accounts.services import create_user
from consult.accounts.tables import Category, User
from consult.places.commands import find_or_create
from consult.places.tables import Department, Install

DEMO_INSTALL_NAME = "朝阳街道居民议事厅"
DISTRICT = "和平区"
STREET = "朝阳街道"
COMMUNITY = "幸福里社区"
GRIDS = [("第一网格", 420), ("第二网格", 386), ("第三网格", 512), ("第四网格", 298)]
# The street's other communities, with their grids.
NEIGHBOURS = [
    ("和顺社区", [("第一网格", 356), ("第二网格", 402), ("第三网格", 318)]),
    ("新风社区", [("第一网格", 275), ("第二网格", 331)]),
]
# Departments, each attached to the level it serves ("district" or "street").
DEPARTMENTS = [("区住房和城乡建设局", "district"), ("朝阳街道城管执法队", "street"), ("幸福里物业服务中心", "community")]
CATEGORIES = [
    ("parking", "停车", "Parking"),
    ("elevator", "电梯加装", "Elevator retrofit"),
    ("property", "物业服务", "Property services"),
    ("sanitation", "环境卫生", "Sanitation"),
    ("care", "养老托育", "Elderly and child care"),
    ("safety", "安全隐患", "Safety hazards"),
    ("neighbours", "邻里纠纷", "Neighbour disputes"),
    ("facilities", "公共设施", "Public facilities"),
    ("other", "其他", "Other"),
]
DEMO_PASSWORD = "demo-pass-2026"
# username, display name, roles, grid index
DEMO_USERS = [
    ("demo_resident", "王阿姨", ["resident"], 0),
    ("demo_resident2", "李师傅", ["resident"], 0),
    ("demo_resident3", "赵老师", ["resident"], 1),
    ("demo_party", "张党员", ["resident", "party_member"], 0),
    ("demo_committee", "陈书记", ["resident", "committee"], 0),
    ("demo_rep", "刘代表", ["representative"], 1),
    ("demo_rep2", "孙代表", ["representative"], 2),
    ("demo_rep3", "周代表", ["representative"], 3),
    ("demo_staff", "社区小吴", ["staff"], 0),
    ("demo_grid", "网格员小周", ["grid_worker"], 0),  # granted at grid 0: enters for residents met at home
    ("demo_admin", "管理员", ["admin"], 0),
    ("demo_newcomer", "新居民", [], 2),
]


async def load_base_places() -> dict:
    """Places, departments and categories; returns their ids. ``grids`` are 幸福里社区's."""
    district = await find_or_create(None, None, DISTRICT, "district")
    street = await find_or_create(None, district, STREET, "street")
    community = await find_or_create(None, street, COMMUNITY, "community")
    grid_ids = [await find_or_create(None, community, name, "grid", n) for name, n in GRIDS]
    others = {}
    for name, grids in NEIGHBOURS:
        other = await find_or_create(None, street, name, "community")
        others[name] = {"id": other, "grids": [await find_or_create(None, other, g, "grid", n) for g, n in grids]}
    levels = {"district": district, "street": street, "community": community}
    async with db.transaction():
        for position, (name, level) in enumerate(DEPARTMENTS):
            if not await Department.exists().where(Department.name == name):
                await Department.insert(Department(name=name, place=levels[level], position=position))
        # The demo is a set-up install: no first-run page.
        await Install.update({Install.name: DEMO_INSTALL_NAME}).where((Install.id == 1) & (Install.name == ""))
        await Install.update({Install.setup_done_at: datetime.now(timezone.utc)}).where(
            (Install.id == 1) & Install.setup_done_at.is_null())
        for position, (slug, zh, en) in enumerate(CATEGORIES):
            if not await Category.exists().where(Category.slug == slug):
                await Category.insert(Category(slug=slug, name_zh=zh, name_en=en, position=position))
    categories = {r["slug"]: r["id"] for r in await Category.select(Category.slug, Category.id)}
    return {"district": district, "street": street, "community": community, "grids": grid_ids,
            "communities": others, "categories": categories}


async def load_base() -> list[int]:
    grid_ids = (await load_base_places())["grids"]
    for username, display, roles, grid_index in DEMO_USERS:
        if not await User.exists().where(User.username == username):
            await create_user(username, DEMO_PASSWORD, roles, display_name=display, grid_id=grid_ids[grid_index])
    return grid_ids
