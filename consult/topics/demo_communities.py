"""Demo topics in the street's two other communities (和顺社区, 新风社区), each with its own
committee, staff, residents and representative, and a street-level staff member: a few
topics in various states, among them projects on the annual-vote route that the street's
demo vote (consult.voting.demo) takes as candidates.

Idempotent: accounts by user name, topics by title. 幸福里社区's demo is consult.topics.demo.
"""

from __future__ import annotations

from datetime import timedelta

from consult.accounts.demo import DEMO_PASSWORD, load_base_places
from consult.accounts.services import create_user, load_viewer
from consult.accounts.tables import User
import consult.topics.clock as clock
import consult.topics.commands as commands
import consult.topics.discussion as discussion
import consult.topics.projects as projects
from consult.topics.lifecycle import Action
from consult.topics.tables import Topic

# username, display name, roles, community, grid index
ACCOUNTS = [
    ("heshun_resident", "和顺刘大爷", ["resident"], "和顺社区", 0),
    ("heshun_resident2", "和顺钱阿姨", ["resident"], "和顺社区", 1),
    ("heshun_committee", "和顺马书记", ["resident", "committee"], "和顺社区", 0),
    ("heshun_staff", "和顺小何", ["staff"], "和顺社区", 0),
    ("heshun_rep", "和顺韩代表", ["representative"], "和顺社区", 2),
    ("xinfeng_resident", "新风杨老师", ["resident"], "新风社区", 0),
    ("xinfeng_resident2", "新风朱师傅", ["resident"], "新风社区", 1),
    ("xinfeng_committee", "新风高书记", ["resident", "committee"], "新风社区", 0),
    ("xinfeng_staff", "新风小罗", ["staff"], "新风社区", 1),
    ("xinfeng_rep", "新风唐代表", ["representative"], "新风社区", 1),
]
STREET_STAFF = ("chaoyang_staff", "街道小林")  # staff of 朝阳街道: every community of the street

# community -> [(title, description, category, grid index, state, project sheet or None)]
SHEET_DAYS = 180
TOPICS = {
    "和顺社区": [
        ("和顺社区雨污管网改造", "小区雨污合流，下大雨时化粪池倒灌，楼前积水严重，建议整体改造雨污管网。", "facilities", 0,
         "project", ("雨污管网改造", "全小区雨污分流改造，更换老旧管道1.2公里。", "520000", "annual_vote")),
        ("和顺社区增设电动车集中充电棚", "楼道里给电动车充电的人很多，火灾隐患大，建议建两处集中充电棚。", "safety", 1,
         "project", ("电动车集中充电棚", "在南北两处空地建设充电棚，安装智能充电桩60个。", "180000", "annual_vote")),
        ("和顺社区广场舞音量扰民", "晚上广场舞音响太大，影响老人和孩子休息，希望约定时间和音量。", "neighbours", 2,
         "discussing", None),
        ("和顺社区8号楼外墙脱落", "8号楼外墙瓷砖有脱落，下面是人行道，很危险。", "safety", 0, "proposed", None),
    ],
    "新风社区": [
        ("新风社区适老化改造", "社区老人多，楼道没有扶手，坡道太陡，建议做适老化改造。", "care", 0,
         "project", ("适老化改造", "12个单元楼道加装扶手，改造3处无障碍坡道。", "260000", "annual_vote")),
        ("新风社区快递柜位置调整", "快递柜放在小区最里面，老人取件不方便，建议移到大门口。", "facilities", 1,
         "implementing", ("快递柜移位", "把2组快递柜移到东门，并加装雨棚。", "15000", "community")),
        ("新风社区绿化带改停车位", "车位太少，建议把部分绿化带改成停车位。", "parking", 0, "rejected", None),
        ("新风社区路口增设减速带", "东门路口车速太快，孩子上学很危险。", "safety", 1, "proposed", None),
    ],
}
REJECT_REASON = "绿地率不得低于规划要求，不能占用绿化带；已请物业研究错时停车。"


async def _ensure_accounts(places: dict) -> dict:
    """The demo accounts of the two communities and the street's staff; returns username -> Viewer."""
    for username, display, roles, community, grid in ACCOUNTS:
        if not await User.exists().where(User.username == username):
            await create_user(username, DEMO_PASSWORD, roles, display_name=display,
                              grid_id=places["communities"][community]["grids"][grid])
    username, display = STREET_STAFF
    if not await User.exists().where(User.username == username):
        await create_user(username, DEMO_PASSWORD, ["staff"], display_name=display,
                          grid_id=places["communities"]["和顺社区"]["grids"][0], place_id=places["street"])
    names = [a[0] for a in ACCOUNTS] + [username]
    rows = await User.select(User.id, User.username).where(User.username.is_in(names))
    return {r["username"]: await load_viewer(r["id"]) for r in rows}


def _sheet(summary_title: str, scope: str, cost: str, route: str, deadline) -> dict:
    return {"consensus_summary": f"居民意见基本一致：{summary_title}。", "title": summary_title, "scope": scope,
            "estimated_cost": cost, "responsible_unit": "社区居委会", "responsible_person": "社区主任",
            "deadline": deadline.isoformat(), "funding_route": route}


async def _topic(people: dict, prefix: str, grids: list[int], item: tuple) -> bool:
    title, description, category, grid, state, sheet = item
    if await Topic.exists().where(Topic.title == title):
        return False
    resident, resident2, committee, staff = (people[f"{prefix}_{r}"] for r in
                                             ("resident", "resident2", "committee", "staff"))
    tid = await commands.propose_topic(resident, title, description, category, grids[grid])
    if state == "proposed":
        return True
    if state == "rejected":
        await commands.screen_topic(committee, tid, Action.reject, {"reason": REJECT_REASON})
        return True
    await discussion.second_topic(resident2, tid)
    await commands.screen_topic(committee, tid, Action.open_discussion, {"end_date": ""})
    await discussion.set_stance(resident2, tid, "support")
    await discussion.add_comment(resident2, tid, "支持，希望尽快落实。")
    if state == "discussing":
        return True
    await commands.form_project(committee, tid, _sheet(*sheet, clock.local_today() + timedelta(days=SHEET_DAYS)))
    if state == "implementing":
        await commands.start_implementation(staff, tid)
        await projects.post_progress(staff, tid, {"percent": "40", "note": "已完成选址，施工队进场。",
                                                  "date": clock.local_today().isoformat()})
    return True


async def load(scale: int = 0) -> str:
    places = await load_base_places()
    people = await _ensure_accounts(places)
    created = 0
    for community, items in TOPICS.items():
        prefix = "heshun" if community == "和顺社区" else "xinfeng"
        for item in items:
            created += await _topic(people, prefix, places["communities"][community]["grids"], item)
    if not created:
        return ""
    return (f"Demo topics in 和顺社区 and 新风社区: {created} created (accounts heshun_*, xinfeng_*, "
            f"{STREET_STAFF[0]} for the street).")
