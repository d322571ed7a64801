"""Demo votes, written through the commands (so they carry their audit entries):

- the 2025 annual vote, published, with ballots from six representatives (demo_rep…3 of
  weight 1 and rep_wu, rep_zheng, rep_feng of weight 2, so the secret ballots can be published in full);
- the 2026 annual vote, open, with the projects on the annual-vote route as candidates
  when the topics feature offers them (else three direct candidates); demo_rep has not
  voted yet, so it can be tried. Both belong to 幸福里社区 (its residents' council);
- the 2026 vote of the street 朝阳街道 (issue 13), open, run by chaoyang_staff, whose
  candidates are the annual-vote projects of 和顺社区 and 新风社区 (consult.topics.demo_communities)
  and whose roll holds representatives of all three communities.

- the 2025 vote of the residents' council meeting (issue 16 point 4), published, with paper
  ballots: demo_rep…3 vote online, rep_wu, rep_zheng and rep_feng sign in at the desk and vote on
  paper; demo_staff and clerk_zhou (a second staff account of 幸福里社区) enter each paper ballot,
  one ballot is disputed and chaoyang_staff (the street's staff, who entered neither) reconciles
  it. Its bulletin board lists the paper ballots by serial number.

Idempotent: a vote is looked up by (title, year) and left alone when it exists.
The published vote uses direct candidates only, so it never moves the topics demo's projects.
"""

from __future__ import annotations

from consult.accounts.services import create_user, load_viewer
from consult.accounts.tables import User
from consult.accounts.demo import DEMO_PASSWORD, load_base_places
import consult.voting.commands as commands
import consult.voting.queries as queries
from consult.voting.tables import Candidate, Vote

# More representatives, so that each weight in the secret demo vote is held by at least 3.
# (Not named demo_*: the base demo's fixed set of demo_* accounts stays as it is.)
EXTRA_REPS = [("rep_wu", "吴代表", 0), ("rep_zheng", "郑代表", 1), ("rep_feng", "冯代表", 2)]
ROLL = [("demo_rep", "1"), ("demo_rep2", "1"), ("demo_rep3", "1"),
        ("rep_wu", "2"), ("rep_zheng", "2"), ("rep_feng", "2")]

PUBLISHED_TITLE = "2025 年度民生实事项目代表票决"
OPEN_TITLE = "2026 年度民生实事项目代表票决"
PUBLISHED_CANDIDATES = [
    ("老旧小区加装电梯补贴", "为 3 栋多层住宅加装电梯提供补贴，居民自筹其余部分。", 450000, 46),
    ("社区老年食堂", "在活动中心一层开设老年食堂，提供午餐和送餐服务。", 300000, 58),
    ("口袋公园改造", "将北门闲置空地改造为带座椅和健身器材的口袋公园。", 200000, 33),
    ("地下车库照明改造", "更换地下车库照明为感应式 LED 灯。", 80000, 21),
    ("垃圾分类亭升级", "升级 6 个垃圾分类亭，增加洗手池和除臭设备。", 120000, 17),
]
# (representative, choices by candidate index) for the published vote: at most 3 approvals each.
PUBLISHED_BALLOTS = [
    ("demo_rep", {0: "approve", 1: "approve", 3: "approve", 4: "oppose"}),
    ("demo_rep2", {1: "approve", 2: "approve", 3: "approve"}),
    ("demo_rep3", {0: "approve", 1: "approve", 2: "oppose"}),
    ("rep_wu", {0: "approve", 1: "approve", 4: "approve"}),
    ("rep_zheng", {1: "approve", 2: "approve", 3: "approve", 0: "abstain"}),
    ("rep_feng", {0: "approve", 3: "approve", 2: "abstain"}),
]
STREET_TITLE = "2026 年度朝阳街道民生实事项目代表票决"
STREET_ROLL = [("demo_rep", "1"), ("demo_rep2", "1"), ("rep_wu", "1"), ("heshun_rep", "1"), ("xinfeng_rep", "1"),
               ("rep_zheng", "1")]
STREET_FALLBACK = [("街道主干道人行道修缮", "修缮朝阳街道主干道破损人行道约800米。", 300000, 12)]
OPEN_CANDIDATES = [
    ("楼道照明与监控补盲", "为 12 个楼道更换感应灯并补装监控。", 150000, 24),
    ("儿童游乐场翻新", "更换中心花园儿童游乐设施，铺设防摔地垫。", 260000, 39),
    ("社区卫生服务站延时服务", "卫生服务站工作日延长至晚上 8 点。", 90000, 51),
]


async def _staff():
    row = await User.select(User.id).where(User.username == "demo_staff").first()
    if row is None:
        raise RuntimeError("demo_staff is missing: load the base demo first")
    return await load_viewer(row["id"])


async def _viewer(username: str):
    row = await User.select(User.id).where(User.username == username).first()
    return await load_viewer(row["id"])


async def _ensure_reps() -> None:
    grids = (await load_base_places())["grids"]
    for username, display, grid in EXTRA_REPS:
        if not await User.exists().where(User.username == username):
            await create_user(username, DEMO_PASSWORD, ["representative"], display_name=display, grid_id=grids[grid])


async def _existing(title: str, year: int) -> int | None:
    row = await Vote.select(Vote.id).where((Vote.title == title) & (Vote.year == year) & (Vote.round == 1)).first()
    return row["id"] if row else None


def _settings(title: str, year: int, seats: int, budget: int | None) -> dict:
    return {"title": title, "year": str(year), "seats": str(seats), "budget": "" if budget is None else str(budget),
            "basis": "enrolled", "threshold": "1/2", "secrecy": "secret", "public_weight": "0", "rule": "majority"}


async def _set_up(staff, title: str, year: int, seats: int, budget: int | None, candidates: list[tuple]) -> int:
    vote_id = await commands.create_vote(staff, _settings(title, year, seats, budget))
    path = (await queries.get_vote(vote_id, staff))["place_info"]["path"]
    projects = await queries.available_projects(vote_id, path) if year == 2026 else None
    if projects:
        await commands.add_project_candidates(staff, vote_id, [p["id"] for p in projects])
    if not projects or len(projects) < seats + 1:
        for name, description, cost, support in candidates:
            await commands.add_candidate(staff, vote_id, {"title": name, "description": description,
                                                          "cost": str(cost), "support": str(support)})
    await commands.import_roll_csv(staff, vote_id, "\n".join(f"{u},{w}" for u, w in ROLL))
    return vote_id


async def _street_vote() -> int:
    """The street's open vote, with candidates from two of its communities."""
    from consult.topics import demo_communities

    await demo_communities.load()  # its staff, representatives and projects (idempotent)
    places = await load_base_places()
    staff = await _viewer("chaoyang_staff")
    vote_id = await commands.create_vote(staff, {**_settings(STREET_TITLE, 2026, 2, 800000),
                                                 "place": str(places["street"])})
    path = (await queries.get_vote(vote_id, staff))["place_info"]["path"]
    grids = {g for c in places["communities"].values() for g in c["grids"]}  # 和顺社区, 新风社区
    projects = [p["id"] for p in await queries.available_projects(vote_id, path) if p["grid"] in grids]
    await commands.add_project_candidates(staff, vote_id, projects)
    if len(projects) < 3:
        for name, description, cost, support in STREET_FALLBACK:
            await commands.add_candidate(staff, vote_id, {"title": name, "description": description,
                                                          "cost": str(cost), "support": str(support)})
    await commands.import_roll_csv(staff, vote_id, "\n".join(f"{u},{w}" for u, w in STREET_ROLL))
    await commands.open_vote(staff, vote_id)
    return vote_id


PAPER_TITLE = "2025 年度居民议事会现场票决（含纸质票）"
PAPER_CANDIDATES = [
    ("小区南门无障碍坡道", "在南门台阶旁修建无障碍坡道和扶手。", 60000, 27),
    ("健身步道铺设", "沿中心花园铺设 400 米塑胶健身步道。", 180000, 35),
    ("楼道堆物清理与消防通道整治", "清理 20 个楼道堆物，划设消防通道标线。", 40000, 44),
]
CLERK = ("clerk_zhou", "社区小周")  # a second staff account of 幸福里社区: the second entry of each paper ballot
# online: (representative, choices by candidate index)
PAPER_ONLINE = [("demo_rep", {0: "approve", 2: "approve"}), ("demo_rep2", {1: "approve", 2: "approve"}),
                ("demo_rep3", {0: "approve", 1: "oppose"})]
PAPER_VOTERS = ["rep_wu", "rep_zheng", "rep_feng"]  # weight 2 each: signed in at the desk
# (serial, choices read by demo_staff, choices read by clerk_zhou, reconciled choices or None)
PAPER_BALLOTS = [
    (101, {0: "approve", 2: "approve"}, {0: "approve", 2: "approve"}, None),
    (102, {1: "approve"}, {1: "approve"}, None),
    (103, {2: "approve", 1: "oppose"}, {2: "approve", 1: "abstain"}, {2: "approve", 1: "oppose"}),
]


async def _paper_vote(staff) -> int:
    import consult.voting.desk_commands as desk

    grids = (await load_base_places())["grids"]
    if not await User.exists().where(User.username == CLERK[0]):
        await create_user(CLERK[0], DEMO_PASSWORD, ["staff"], display_name=CLERK[1], grid_id=grids[0])
    clerk, street = await _viewer(CLERK[0]), await _viewer("chaoyang_staff")
    vote_id = await _set_up(staff, PAPER_TITLE, 2025, 2, None, PAPER_CANDIDATES)
    await commands.open_vote(staff, vote_id)
    ids = [str(c["id"]) for c in await Candidate.select(Candidate.id).where(Candidate.vote == vote_id)
           .order_by(Candidate.position)]
    for username, plan in PAPER_ONLINE:
        await commands.cast_ballot(await _viewer(username), vote_id, {ids[i]: c for i, c in plan.items()})
    for username in PAPER_VOTERS:
        await desk.sign_in(staff, vote_id, (await _viewer(username)).id)
    await desk.open_box(staff, vote_id)

    def form(serial: int, plan: dict) -> dict:
        return {"serial": str(serial), "weight": "2", **{f"c_{ids[i]}": c for i, c in plan.items()}}

    for serial, first, second, reconciled in PAPER_BALLOTS:
        await desk.enter(staff, vote_id, form(serial, first))
        await desk.enter(clerk, vote_id, form(serial, second))
        if reconciled is not None:
            await desk.reconcile(street, vote_id, form(serial, reconciled))
    await commands.close_vote(staff, vote_id)
    await commands.publish_vote(staff, vote_id)
    return vote_id


async def load(scale: int = 0) -> str:
    await _ensure_reps()
    staff = await _staff()
    lines = []
    if await _existing(PUBLISHED_TITLE, 2025) is None:
        vote_id = await _set_up(staff, PUBLISHED_TITLE, 2025, 3, 700000, PUBLISHED_CANDIDATES)
        await commands.open_vote(staff, vote_id)
        ids = [c["id"] for c in await Candidate.select(Candidate.id).where(Candidate.vote == vote_id)
               .order_by(Candidate.position)]
        for username, plan in PUBLISHED_BALLOTS:
            await commands.cast_ballot(await _viewer(username), vote_id,
                                       {str(ids[i]): choice for i, choice in plan.items()})
        await commands.close_vote(staff, vote_id)
        result = await commands.publish_vote(staff, vote_id)
        for username, rating in (("demo_rep2", "satisfied"), ("demo_rep3", "basically_satisfied"),
                                 ("rep_wu", "dissatisfied")):
            await commands.submit_reviews(await _viewer(username), vote_id,
                                          {int(cid): rating for cid in result.elected}, {})
        lines.append(f"published vote {vote_id}")
    if await _existing(OPEN_TITLE, 2026) is None:
        vote_id = await _set_up(staff, OPEN_TITLE, 2026, 2, 400000, OPEN_CANDIDATES)
        await commands.open_vote(staff, vote_id)
        lines.append(f"open vote {vote_id}")
    if await _existing(STREET_TITLE, 2026) is None:
        lines.append(f"street vote {await _street_vote()}")
    if await _existing(PAPER_TITLE, 2025) is None:
        lines.append(f"vote with paper ballots {await _paper_vote(staff)} (second clerk {CLERK[0]})")
    if not lines:
        return ""
    return ("Demo votes: " + ", ".join(lines) + " (representatives demo_rep, demo_rep2, demo_rep3, rep_wu, rep_zheng, "
            "rep_feng; the street's vote also heshun_rep, xinfeng_rep).")
