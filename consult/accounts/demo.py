"""The demo community: grids, categories and one account per role (the places and people
every feature's demo data builds on).

Idempotent: everything is looked up by a natural key before it is created.
"""

from __future__ import annotations

from consult import db
from consult.accounts.services import create_user
from consult.accounts.tables import Category, Community, Grid, User

COMMUNITY = "幸福里社区"
GRIDS = [("第一网格", 420), ("第二网格", 386), ("第三网格", 512), ("第四网格", 298)]
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
    ("demo_admin", "管理员", ["admin"], 0),
    ("demo_newcomer", "新居民", [], 2),
]


async def load_base_places() -> dict:
    """Community, grids and categories; returns their ids."""
    async with db.transaction():
        community = await Community.objects().where(Community.name == COMMUNITY).first()
        if community is None:
            community = Community(name=COMMUNITY)
            await community.save()
        grid_ids = []
        for name, households in GRIDS:
            grid = await Grid.objects().where((Grid.name == name) & (Grid.community == community.id)).first()
            if grid is None:
                grid = Grid(name=name, households=households, community=community.id)
                await grid.save()
            grid_ids.append(grid.id)
        for position, (slug, zh, en) in enumerate(CATEGORIES):
            if not await Category.exists().where(Category.slug == slug):
                await Category.insert(Category(slug=slug, name_zh=zh, name_en=en, position=position))
    categories = {r["slug"]: r["id"] for r in await Category.select(Category.slug, Category.id)}
    return {"community": community.id, "grids": grid_ids, "categories": categories}


async def load_base() -> list[int]:
    grid_ids = (await load_base_places())["grids"]
    for username, display, roles, grid_index in DEMO_USERS:
        if not await User.exists().where(User.username == username):
            await create_user(username, DEMO_PASSWORD, roles, display_name=display, grid_id=grid_ids[grid_index])
    return grid_ids
