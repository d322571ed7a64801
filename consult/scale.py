"""Scale data for load tests: ``consult demo --scale N``.

Generates a realistic community of N topics on top of the demo community: residents
(about one per four topics, at least 300) and 200 representatives, every topic with
on average about 10 comments (some replies, party-member badges, guidance, a few
pinned or hidden), 5 seconds and 3 stances, states spread across the whole lifecycle
with the matching timeline events, project sheets, progress updates, supervision
notes and ratings; and 3 votes with their rolls, candidates, participation records
and ballots (two published, one open). Every 1,000th topic is a busy discussion with
exactly 100 comments (the benchmark's "topic page with 100 comments").

Rows are written with set-based inserts (``executemany`` on SQLite, ``COPY`` on
PostgreSQL) on one connection, one transaction per chunk of topics, never one ORM save
per row. Primary keys are assigned here (from the current maximum) so child rows can
point at their parents without reading ids back; PostgreSQL's sequences are moved past
them at the end. All generated accounts share ONE argon2 hash of the demo password.

It respects the same uniqueness rules as the services (one second, stance, follow
per person per topic; one rating per person per topic per round; one project sheet per
topic; one roll entry and one participation per representative per vote). It is
idempotent: topics by generated authors are counted first and only the missing ones
are added; accounts and votes are looked up by their user name / title.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

from consult import db

RESIDENT_PREFIX = "scale_res"
REP_PREFIX = "scale_rep"
REPRESENTATIVES = 200
BUSY_EVERY = 1000  # every 1000th topic gets exactly BUSY_COMMENTS comments
BUSY_COMMENTS = 100
CHUNK_TOPICS = 2000
VOTE_TITLE = "规模测试 {year} 年度民生实事项目代表票决"

# state -> share of topics (sums to 1)
STATE_SHARES = [
    ("proposed", 0.14),
    ("discussing", 0.20),
    ("rejected", 0.08),
    ("referred", 0.05),
    ("merged", 0.04),
    ("project", 0.10),
    ("implementing", 0.16),
    ("not_elected", 0.02),
    ("evaluating", 0.08),
    ("closed", 0.13),
]
WITH_DISCUSSION = {"discussing", "project", "implementing", "not_elected", "evaluating", "closed"}
WITH_SHEET = {"project", "implementing", "not_elected", "evaluating", "closed"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌燕鹏辉海波宁"
PLACES = ["东门", "北门", "3号楼", "5号楼", "7号楼", "12号楼", "小区花园", "地下车库", "南侧围墙", "活动中心",
          "菜市场路口", "幼儿园门口", "老年食堂", "垃圾分类站", "健身广场", "消防通道", "2单元楼道", "西侧停车场"]
ISSUES = {
    "parking": ["车位紧张", "乱停车堵塞通道", "错时停车方案", "电动车充电难"],
    "elevator": ["加装电梯", "电梯加装费用分摊", "电梯施工噪音"],
    "property": ["物业维修不及时", "物业费公示", "保洁频次不足"],
    "sanitation": ["垃圾清运不及时", "绿化带杂物堆积", "下水道异味"],
    "care": ["老年助餐点", "托育服务需求", "日间照料中心"],
    "safety": ["路灯损坏", "消防通道堵塞", "井盖松动", "高空抛物隐患"],
    "neighbours": ["噪音扰民", "宠物管理", "楼道堆物"],
    "facilities": ["健身器材老化", "增设休息座椅", "无障碍坡道"],
    "other": ["社区活动建议", "信息公开建议", "志愿服务"],
}
SENTENCES = [
    "我每天都经过这里，情况确实比较严重。", "建议先摸清底数，再拿出两套方案给大家比较。",
    "费用怎么分摊需要公开透明。", "老人和孩子多，安全问题要优先考虑。", "物业应该拿出具体的时间表。",
    "我同意楼上的意见，希望尽快解决。", "能不能请专业单位来评估一下？", "晚上这里很暗，走路不方便。",
    "去年也提过类似问题，后来没有下文。", "可以参考隔壁小区的做法。", "希望社区定期公布进展。",
    "低层住户的意见也要听一听。", "我愿意当志愿者帮忙。", "建议分两期实施，先解决最急的部分。",
    "预算要控制好，不要铺张。", "施工期间请注意噪音和安全。", "这个问题影响到很多家庭。",
    "支持，早就该改了。", "我有不同看法，担心会影响采光。", "请网格员上门听取意见。",
]
DEPARTMENTS = ["街道城市管理办公室", "区住房和城乡建设委员会", "区交通委员会", "供电公司营业厅", "自来水公司"]
UNITS = ["社区居委会", "物业服务中心", "街道城市管理办公室", "社区卫生服务站", "业主委员会"]
PERSONS = ["陈书记", "吴经理", "刘主任", "张工", "王科长"]
REJECT_REASONS = ["属于业主个人事务，不在社区议事范围。", "已有同类项目在实施中。", "不符合相关规定，无法立项。"]
HIDE_REASONS = ["含有人身攻击内容", "与议题无关的广告", "泄露他人隐私"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(SENTENCES) for _ in range(n))


# ---------------------------------------------------------------- the bulk writer


class BulkWriter:
    """One connection of its own; ``insert`` writes many rows with one statement."""

    def __init__(self) -> None:
        from piccolo.engine.sqlite import SQLiteEngine

        self.engine = db.engine()
        self.sqlite = isinstance(self.engine, SQLiteEngine)
        self.conn: Any = None

    async def __aenter__(self) -> "BulkWriter":
        if self.sqlite:
            import aiosqlite

            self.conn = await aiosqlite.connect(self.engine.connection_kwargs["database"], isolation_level=None)
            await self.conn.execute("PRAGMA busy_timeout = 30000")
            await self.conn.execute("PRAGMA foreign_keys = ON")
        else:
            import asyncpg

            self.conn = await asyncpg.connect(**self.engine.config)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.conn.close()

    async def fetchval(self, sql: str, *args) -> Any:
        if self.sqlite:
            async with self.conn.execute(sql.replace("$1", "?"), args) as cur:
                row = await cur.fetchone()
                return row[0] if row else None
        return await self.conn.fetchval(sql, *args)

    async def fetch(self, sql: str, *args) -> list[tuple]:
        if self.sqlite:
            async with self.conn.execute(sql.replace("$1", "?").replace("$2", "?"), args) as cur:
                return [tuple(r) for r in await cur.fetchall()]
        return [tuple(r) for r in await self.conn.fetch(sql, *args)]

    async def next_id(self, table: str) -> int:
        return int(await self.fetchval(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')) + 1

    def transaction(self):
        return _Tx(self)

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Call inside ``transaction()``."""
        if not rows:
            return
        if self.sqlite:
            cols = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            await self.conn.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        else:
            await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def fix_sequences(self, tables: Iterable[str]) -> None:
        if self.sqlite:
            return
        for table in tables:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{table}\"), 1))"
            )


class _Tx:
    def __init__(self, writer: BulkWriter) -> None:
        self.w = writer
        self.pg_tx = None

    async def __aenter__(self):
        if self.w.sqlite:
            await self.w.conn.execute("BEGIN IMMEDIATE")
        else:
            self.pg_tx = self.w.conn.transaction()
            await self.pg_tx.start()
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if self.w.sqlite:
            await self.w.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        elif exc_type:
            await self.pg_tx.rollback()
        else:
            await self.pg_tx.commit()
        return False


# ---------------------------------------------------------------- accounts


async def ensure_accounts(w: BulkWriter, prefix: str, count: int, roles: list[str], grid_ids: list[int],
                          password_hash: str, rng: random.Random, party_share: float = 0.0) -> list[dict]:
    """Accounts ``{prefix}{n:05d}`` for n in 1..count (created when missing), with ``roles``
    (and ``party_member`` for a share of them). Returns [{id, grid, party}] in order."""
    names = [f"{prefix}{n:05d}" for n in range(1, count + 1)]
    existing = {
        r[0]: r for r in await w.fetch(
            "SELECT username, id, grid FROM account WHERE username LIKE $1", f"{prefix}%"
        )
    }
    now = datetime.now(timezone.utc)
    next_id = await w.next_id("account")
    accounts, user_rows, role_rows = [], [], []
    for name in names:
        if name in existing:
            _, uid, grid = existing[name]
            accounts.append({"id": uid, "grid": grid, "party": False})
            continue
        grid = rng.choice(grid_ids)
        party = rng.random() < party_share
        uid = next_id
        next_id += 1
        created = now - timedelta(days=rng.uniform(30, 900))
        user_rows.append((uid, name, _name(rng), password_hash, grid, True, False, True, created))
        for role in roles + (["party_member"] if party else []):
            role_rows.append((uid, role, created))
        accounts.append({"id": uid, "grid": grid, "party": party})
    # party flag of existing accounts
    if existing:
        party_ids = {r[0] for r in await w.fetch(
            "SELECT r.\"user\" FROM user_role r JOIN account a ON a.id = r.\"user\" "
            "WHERE r.role = 'party_member' AND a.username LIKE $1", f"{prefix}%")}
        for a in accounts:
            a["party"] = a["party"] or a["id"] in party_ids
    for start in range(0, len(user_rows), 5000):
        async with w.transaction():
            await w.insert("account", ["id", "username", "display_name", "password_hash", "grid",
                                       "residency_verified", "must_change_password", "active", "created_at"],
                           user_rows[start:start + 5000])
    for start in range(0, len(role_rows), 10000):
        async with w.transaction():
            await w.insert("user_role", ["user", "role", "granted_at"], role_rows[start:start + 10000])
    await w.fix_sequences(["account"])
    return accounts


# ---------------------------------------------------------------- topics


class TopicGen:
    """Builds the rows of one chunk of topics in memory."""

    TOPIC_COLS = ["id", "title", "description", "category", "grid", "author", "state", "created_at", "updated_at",
                  "screened_at", "discussion_ends_on", "reject_reason", "department", "reference_number",
                  "merged_into", "consensus_summary", "round", "evaluation_ends_on", "evaluation_extended",
                  "vote_id"]
    EVENT_COLS = ["topic", "at", "actor", "action", "from_state", "to_state", "note", "detail", "round"]
    SHEET_COLS = ["topic", "title", "scope", "estimated_cost", "responsible_unit", "responsible_person",
                  "deadline", "funding_route", "created_at"]
    SECOND_COLS = ["topic", "user", "created_at"]
    STANCE_COLS = ["topic", "user", "value", "updated_at"]
    FOLLOW_COLS = ["topic", "user", "since"]
    COMMENT_COLS = ["id", "topic", "author", "parent", "body", "created_at", "party_badge", "guidance", "pinned",
                    "hidden", "hidden_reason", "hidden_by", "hidden_at"]
    PROGRESS_COLS = ["topic", "author", "percent", "note", "on_date", "round", "created_at"]
    NOTE_COLS = ["topic", "author", "body", "author_is_representative", "round", "created_at"]
    RATING_COLS = ["topic", "user", "round", "value", "comment", "created_at"]

    def __init__(self, rng, residents, reps, categories, committee_id, staff_id, vote_slots, next_comment_id):
        self.rng = rng
        self.residents = residents
        self.reps = reps
        self.by_grid: dict[int, list[dict]] = {}
        for r in residents:
            self.by_grid.setdefault(r["grid"], []).append(r)
        self.grids = sorted(self.by_grid)
        self.categories = categories  # [(id, slug)]
        self.committee = committee_id
        self.staff = staff_id
        self.vote_slots = vote_slots  # {"elect": [(vote_id, year)...], "not_elected": [...], "open": vote_id}
        self.next_comment_id = next_comment_id
        self.now = datetime.now(timezone.utc)
        self.today = (self.now + timedelta(hours=8)).date()
        self.recent_discussing: list[int] = []
        self.linked: dict[int, dict[str, list[dict]]] = {}  # vote_id -> {"elected": [...], "not": [...]}
        self.open_candidates: list[dict] = []
        self.reset()

    def reset(self) -> None:
        self.topics, self.events, self.sheets, self.seconds, self.stances = [], [], [], [], []
        self.follows, self.comments, self.progress, self.notes, self.ratings = [], [], [], [], []

    def _pick_state(self) -> str:
        x, acc = self.rng.random(), 0.0
        for state, share in STATE_SHARES:
            acc += share
            if x < acc:
                return state
        return "closed"

    def _ev(self, tid, at, actor, action, frm, to, rnd=1, note="", **detail):
        self.events.append((tid, at, actor, action, frm, to, note, json.dumps(detail, default=str), rnd))

    def topic(self, tid: int, number: int) -> None:
        rng = self.rng
        state = self._pick_state()
        busy = number % BUSY_EVERY == 1
        if busy:
            state = "discussing"
        cat_id, slug = rng.choice(self.categories)
        grid = rng.choice(self.grids)
        author = rng.choice(self.by_grid[grid])
        title = f"{rng.choice(PLACES)}{rng.choice(ISSUES.get(slug, ISSUES['other']))}（{number}）"[:80]
        description = _text(rng, rng.randint(2, 6))
        # when it was proposed: recent for open screening/discussion, older for later states
        age_days = {
            "proposed": rng.uniform(0, 5), "discussing": rng.uniform(2, 14), "merged": rng.uniform(1, 3),
            "rejected": rng.uniform(20, 700), "referred": rng.uniform(5, 700), "project": rng.uniform(20, 200),
            "not_elected": rng.uniform(100, 700),
        }.get(state, rng.uniform(200, 800))  # implementing, evaluating, closed: time for every step
        created = self.now - timedelta(days=age_days, seconds=rng.randint(0, 86399))
        t = created
        step = lambda lo, hi: t + timedelta(days=rng.uniform(lo, hi))  # noqa: E731
        row = dict(screened_at=None, discussion_ends_on=None, reject_reason="", department="",
                   reference_number="", merged_into=None, consensus_summary="", round=1,
                   evaluation_ends_on=None, evaluation_extended=False, vote_id=None)
        self._ev(tid, t, author["id"], "propose", "", "proposed")
        rnd = 1
        # not_elected only for topics a scale vote can hold; otherwise a project waiting
        funding = "annual_vote" if rng.random() < 0.25 else "community"
        vote_link = None
        if state == "not_elected":
            vote_link = self._take_slot("not_elected")
            if vote_link is None:
                state = "project"
            funding = "annual_vote"
        if state in ("implementing", "evaluating", "closed") and funding == "annual_vote":
            vote_link = self._take_slot("elected")
        if state == "project" and funding == "annual_vote" and len(self.open_candidates) < 10:
            vote_link = ("open", self.vote_slots.get("open"))

        if state == "proposed":
            pass
        elif state in ("rejected", "referred", "merged") and (state != "rejected" or rng.random() < 0.6):
            t = step(0.2, 0.9)
            row["screened_at"] = t
            if state == "rejected":
                row["reject_reason"] = rng.choice(REJECT_REASONS)
                self._ev(tid, t, self.committee, "reject", "proposed", "rejected", note=row["reject_reason"])
            elif state == "referred":
                row["department"] = rng.choice(DEPARTMENTS)
                row["reference_number"] = f"12345-{t.year}-{rng.randint(1, 9999):04d}"
                self._ev(tid, t, self.committee, "refer", "proposed", "referred",
                         department=row["department"], reference_number=row["reference_number"])
            else:
                target = rng.choice(self.recent_discussing) if self.recent_discussing else None
                if target is None:
                    state = "proposed"
                    row["screened_at"] = None
                else:
                    row["merged_into"] = target
                    self._ev(tid, t, self.committee, "merge", "proposed", "merged", merged_into=target)
                    self._ev(target, t, self.committee, "absorb", "discussing", "discussing",
                             source_id=tid, seconds=0, followers=1)
        else:
            # everything else went through a discussion
            t = step(0.2, 2.5)
            row["screened_at"] = t
            ends = (t + timedelta(days=14)).date()
            row["discussion_ends_on"] = ends
            self._ev(tid, t, self.committee, "open_discussion", "proposed", "discussing", end_date=ends)
            if state == "rejected":
                t = step(10, 16)
                row["reject_reason"] = rng.choice(REJECT_REASONS)
                self._ev(tid, t, self.committee, "reject", "discussing", "rejected", note=row["reject_reason"])
            elif state != "discussing":
                t = step(12, 16)
                summary = "经讨论，多数居民支持。" + rng.choice(SENTENCES)
                row["consensus_summary"] = summary
                cost = rng.randint(1, 120) * 5000
                deadline = (t + timedelta(days=rng.randint(60, 240))).date()
                self.sheets.append((tid, title[:80], _text(rng, 2), cost, rng.choice(UNITS), rng.choice(PERSONS),
                                    deadline, funding, t))
                self._ev(tid, t, self.committee, "form_project", "discussing", "project", note=summary,
                         project=title[:80], estimated_cost=cost, deadline=deadline, funding_route=funding)
                if vote_link and vote_link[0] == "open":
                    self.open_candidates.append({"topic": tid, "title": title[:80], "cost": cost})
                if state == "not_elected":
                    vote_id = vote_link[1]
                    t = step(20, 60)
                    row["vote_id"] = vote_id
                    self.linked[vote_id]["not"].append({"topic": tid, "title": title[:80], "cost": cost})
                    self._ev(tid, t, self.staff, "mark_not_elected", "project", "not_elected", vote_id=vote_id)
                elif state in ("implementing", "evaluating", "closed"):
                    t = step(3, 30)
                    if vote_link:
                        vote_id = vote_link[1]
                        row["vote_id"] = vote_id
                        self.linked[vote_id]["elected"].append({"topic": tid, "title": title[:80], "cost": cost})
                        self._ev(tid, t, self.staff, "elect", "project", "implementing", vote_id=vote_id)
                    else:
                        self._ev(tid, t, self.staff, "start_implementation", "project", "implementing")
                    second_round = state != "implementing" and rng.random() < 0.1 or (
                        state == "implementing" and rng.random() < 0.05)
                    rounds = 2 if second_round else 1
                    for r in range(1, rounds + 1):
                        percents = sorted(rng.sample(range(10, 100, 10), rng.randint(1, 3)))
                        if state != "implementing" or r < rounds:
                            percents.append(100)
                        for p in percents:
                            t = step(3, 15)
                            self.progress.append((tid, self.staff, p, f"完成{p}%：" + rng.choice(SENTENCES),
                                                  t.date(), r, t))
                        if rng.random() < 0.3:
                            rep = rng.choice(self.reps)
                            self.notes.append((tid, rep["id"], "请加快进度并公开费用明细。", True, r, step(1, 5)))
                        if state == "implementing" and r == rounds:
                            break
                        t = step(1, 5)
                        ends = (t + timedelta(days=14)).date()
                        last = r == rounds
                        if state == "evaluating" and last:
                            t = max(t, self.now - timedelta(days=rng.uniform(0.5, 10)))
                            ends = (t + timedelta(days=14)).date()
                            row["evaluation_ends_on"] = ends
                        self._ev(tid, t, self.staff, "open_evaluation", "implementing", "evaluating", r,
                                 end_date=ends)
                        # ratings for this round
                        if state == "evaluating" and last:
                            n_ratings, good = rng.randint(0, 8), 0.85
                        elif last:
                            n_ratings, good = rng.randint(5, 12), 0.95
                        else:
                            n_ratings, good = rng.randint(5, 8), 0.2
                        tally = self._ratings(tid, grid, r, n_ratings, good, t)
                        if state == "evaluating" and last:
                            break
                        t = t + timedelta(days=15)
                        if last:
                            self._ev(tid, t, None, "close_satisfied", "evaluating", "closed", r, **tally)
                        else:
                            self._ev(tid, t, None, "second_handling", "evaluating", "implementing", r + 1, **tally)
                    rnd = rounds
        row["round"] = rnd
        if state in ("discussing",) and not busy:
            self.recent_discussing.append(tid)
            if len(self.recent_discussing) > 200:
                self.recent_discussing.pop(0)
        # seconds (附议): 0..10 residents, never the author
        people = {author["id"]}
        pool = self.residents
        seconders = [p for p in rng.sample(pool, min(len(pool), rng.randint(0, 10))) if p["id"] != author["id"]]
        for p in seconders:
            self.seconds.append((tid, p["id"], created + timedelta(hours=rng.uniform(1, 40))))
            people.add(p["id"])
        if state in WITH_DISCUSSION or (state == "rejected" and row["discussion_ends_on"]):
            for p in rng.sample(pool, min(len(pool), rng.randint(0, 8))):
                self.stances.append((tid, p["id"], rng.choice(("support", "support", "oppose", "neutral")),
                                     created + timedelta(days=rng.uniform(1, 10))))
                people.add(p["id"])
            self._comments(tid, created, BUSY_COMMENTS if busy else rng.randint(0, 26), people)
        self.follows.extend((tid, uid, created) for uid in people)
        self.topics.append((tid, title, description, cat_id, grid, author["id"], state, created, t,
                            row["screened_at"], row["discussion_ends_on"], row["reject_reason"], row["department"],
                            row["reference_number"], row["merged_into"], row["consensus_summary"], row["round"],
                            row["evaluation_ends_on"], row["evaluation_extended"], row["vote_id"]))

    def _take_slot(self, kind: str):
        for vote_id in self.vote_slots.get(kind, []):
            key = "not" if kind == "not_elected" else "elected"
            if len(self.linked.setdefault(vote_id, {"elected": [], "not": []})[key]) < 6:
                return (kind, vote_id)
        return None

    def _ratings(self, tid, grid, rnd, n, good, t) -> dict:
        rng = self.rng
        raters = rng.sample(self.by_grid[grid], min(n, len(self.by_grid[grid])))
        tally = {"satisfied": 0, "basic": 0, "unsatisfied": 0}
        for p in raters:
            x = rng.random()
            value = "unsatisfied" if x > good else ("satisfied" if x < good * 0.6 else "basically_satisfied")
            tally[{"satisfied": "satisfied", "basically_satisfied": "basic", "unsatisfied": "unsatisfied"}[value]] += 1
            self.ratings.append((tid, p["id"], rnd, value, "", t + timedelta(days=rng.uniform(0, 10))))
        return tally

    def _comments(self, tid, created, n, people) -> None:
        rng = self.rng
        top: list[int] = []
        span = max(60.0, (min(self.now, created + timedelta(days=30)) - created).total_seconds() - 60)
        times = sorted(created + timedelta(seconds=30 + rng.uniform(0, span)) for _ in range(n))
        pinned_done = False
        for t in times:
            cid = self.next_comment_id
            self.next_comment_id += 1
            author = rng.choice(self.residents)
            parent = rng.choice(top) if top and rng.random() < 0.3 else None
            if parent is None:
                top.append(cid)
            hidden = rng.random() < 0.01
            pinned = not pinned_done and parent is None and rng.random() < 0.03
            pinned_done = pinned_done or pinned
            self.comments.append((
                cid, tid, author["id"], parent, _text(rng, rng.randint(1, 4)), t, author["party"],
                author["party"] and rng.random() < 0.3, pinned, hidden,
                rng.choice(HIDE_REASONS) if hidden else "", self.committee if hidden else None,
                t + timedelta(hours=2) if hidden else None,
            ))
            people.add(author["id"])

    async def flush(self, w: BulkWriter) -> None:
        async with w.transaction():
            await w.insert("topic", self.TOPIC_COLS, self.topics)
            await w.insert("topic_event", self.EVENT_COLS, self.events)
            await w.insert("project_sheet", self.SHEET_COLS, self.sheets)
            await w.insert("topic_second", self.SECOND_COLS, self.seconds)
            await w.insert("topic_stance", self.STANCE_COLS, self.stances)
            await w.insert("topic_follower", self.FOLLOW_COLS, self.follows)
            await w.insert("topic_comment", self.COMMENT_COLS, self.comments)
            await w.insert("progress_update", self.PROGRESS_COLS, self.progress)
            await w.insert("supervision_note", self.NOTE_COLS, self.notes)
            await w.insert("topic_rating", self.RATING_COLS, self.ratings)
        self.reset()


# ---------------------------------------------------------------- votes


def ballots_for(rng: random.Random, vote_id: int, roll: list[tuple[int, int]], candidate_ids: list[int], seats: int,
                favoured: set[int], turnout: float) -> tuple[list[tuple], list[tuple]]:
    """Participation rows (user) and ballot rows (id, receipt, weight_cents, choices) for a roll."""
    from consult.voting.domain import new_nonce, receipt_code

    parts, ballots, used_ids = [], [], set()
    for user_id, cents in roll:
        if rng.random() >= turnout:
            continue
        approve = [c for c in candidate_ids if rng.random() < (0.8 if c in favoured else 0.2)]
        approve.sort(key=lambda c: c not in favoured)
        approve = set(approve[:seats])
        choices = {str(c): ("approve" if c in approve else rng.choice(("oppose", "abstain"))) for c in candidate_ids}
        weight = f"{cents // 100}" + (f".{cents % 100:02d}".rstrip("0") if cents % 100 else "")
        receipt = receipt_code({"vote": vote_id, "weight": weight, "choices": choices}, new_nonce())
        bid = secrets.randbelow(2**31 - 2) + 1
        while bid in used_ids:
            bid = secrets.randbelow(2**31 - 2) + 1
        used_ids.add(bid)
        parts.append((user_id,))
        ballots.append((bid, receipt, cents, json.dumps(choices)))
    return parts, ballots


async def write_vote(w: BulkWriter, rng: random.Random, vote_id: int, title: str, year: int, state: str,
                     seats: int, candidates: list[dict], roll: list[tuple[int, int]], favoured_topics: set,
                     turnout: float, staff_id: int | None) -> int:
    """One vote with its candidates, roll, participation and ballots. Returns the ballot count."""
    now = datetime.now(timezone.utc)
    opened = now - timedelta(days=365 * (2026 - year) + 30) if year < 2026 else now - timedelta(days=2)
    closed = opened + timedelta(days=7) if state == "published" else None
    cand_id = await w.next_id("candidate")
    cand_rows, ids, favoured = [], [], set()
    for pos, c in enumerate(candidates):
        cand_rows.append((cand_id, vote_id, c.get("topic"), c["title"], c.get("description", ""), c["cost"],
                          c.get("support", 0), c.get("unit", ""), pos))
        ids.append(cand_id)
        if c.get("topic") in favoured_topics or c.get("favoured"):
            favoured.add(cand_id)
        cand_id += 1
    parts, ballots = ballots_for(rng, vote_id, roll, ids, seats, favoured, turnout)
    async with w.transaction():
        await w.insert("vote", ["id", "title", "year", "seats", "budget", "basis", "threshold", "secrecy",
                                "public_weight", "rule", "tie_break_support", "equal_number", "equal_number_reason",
                                "state", "round", "created_by", "created_at", "opened_at", "closed_at",
                                "published_at"],
                       [(vote_id, title, year, seats, None, "enrolled", "1/2", "secret", "0", "majority", False,
                         False, "", state, 1, staff_id, opened - timedelta(days=10), opened, closed,
                         closed + timedelta(hours=1) if closed else None)])
        await w.insert("candidate", ["id", "vote", "topic", "title", "description", "cost", "support",
                                     "responsible_unit", "position"], cand_rows)
        await w.insert("roll_entry", ["vote", "user", "weight_cents"], [(vote_id, u, c) for u, c in roll])
        await w.insert("participation", ["vote", "user"], [(vote_id, p[0]) for p in parts])
        await w.insert("ballot", ["id", "vote", "receipt", "weight_cents", "choices"],
                       [(b[0], vote_id, b[1], b[2], b[3]) for b in ballots])
    await w.fix_sequences(["vote", "candidate"])
    return len(ballots)


# ---------------------------------------------------------------- entry point


async def generate(count: int, seed: int = 20261125) -> str:
    """Generate ``count`` topics (and the people and votes around them). Prints nothing;
    returns a line with what was made and how long it took."""
    from consult.accounts import passwords
    from consult.demo import DEMO_PASSWORD, load_base_places

    started = time.perf_counter()
    if count <= 0:
        return ""
    places = await load_base_places()
    rng = random.Random(seed)
    async with BulkWriter() as w:
        made_before = int(await w.fetchval(
            "SELECT COUNT(*) FROM topic t JOIN account a ON a.id = t.author WHERE a.username LIKE $1",
            f"{RESIDENT_PREFIX}%"))
        if made_before >= count:
            return f"Scale data: {made_before} generated topics already present (asked for {count}); nothing added."
        password_hash = passwords.hash_password(DEMO_PASSWORD)  # ONE hash for every generated account
        residents = await ensure_accounts(w, RESIDENT_PREFIX, max(300, count // 4), ["resident"], places["grids"],
                                          password_hash, rng, party_share=0.08)
        reps = await ensure_accounts(w, REP_PREFIX, REPRESENTATIVES, ["representative"], places["grids"],
                                     password_hash, rng)
        committee = await w.fetchval("SELECT id FROM account WHERE username = $1", "demo_committee")
        staff = await w.fetchval("SELECT id FROM account WHERE username = $1", "demo_staff")
        categories = [(r[0], r[1]) for r in await w.fetch("SELECT id, slug FROM category ORDER BY id")]

        # the three scale votes: two published (2024, 2025), one open (2026); ids reserved now
        votes_wanted = []
        next_vote = await w.next_id("vote")
        for year, state in ((2024, "published"), (2025, "published"), (2026, "open")):
            title = VOTE_TITLE.format(year=year)
            if await w.fetchval("SELECT id FROM vote WHERE title = $1", title) is None:
                votes_wanted.append((next_vote, title, year, state))
                next_vote += 1
        slots = {
            "elected": [v[0] for v in votes_wanted if v[3] == "published"],
            "not_elected": [v[0] for v in votes_wanted if v[3] == "published"],
            "open": next((v[0] for v in votes_wanted if v[3] == "open"), None),
        }
        gen = TopicGen(rng, residents, reps, categories, committee, staff, slots, await w.next_id("topic_comment"))
        if slots["open"] is None:
            gen.open_candidates = [None] * 10  # no open vote to fill
        next_topic = await w.next_id("topic")
        for number in range(made_before + 1, count + 1):
            gen.topic(next_topic, number)
            next_topic += 1
            if len(gen.topics) >= CHUNK_TOPICS:
                await gen.flush(w)
        await gen.flush(w)
        await w.fix_sequences(["topic", "topic_comment"])

        roll = [(r["id"], rng.choice((100, 100, 100, 150, 200, 250, 300))) for r in reps]
        ballots = 0
        for vote_id, title, year, state in votes_wanted:
            if state == "published":
                linked = gen.linked.get(vote_id, {"elected": [], "not": []})
                cands = [dict(c, favoured=True) for c in linked["elected"]] + list(linked["not"])
            else:
                cands = [c for c in gen.open_candidates if c]
            while len(cands) < (12 if state == "published" else 6):
                n = len(cands) + 1
                cands.append({"title": f"{rng.choice(PLACES)}{rng.choice(ISSUES['facilities'])}改造（{year}-{n}）",
                              "cost": rng.randint(2, 60) * 10000, "favoured": state == "published" and n % 2 == 1,
                              "unit": rng.choice(UNITS), "support": rng.randint(0, 40)})
            seats = max(1, sum(1 for c in cands if c.get("favoured"))) if state == "published" else 3
            ballots += await write_vote(w, rng, vote_id, title, year, state, seats, cands, roll, set(),
                                        turnout=0.92 if state == "published" else 0.5, staff_id=staff)
        topics_now = int(await w.fetchval("SELECT COUNT(*) FROM topic"))
        comments_now = int(await w.fetchval("SELECT COUNT(*) FROM topic_comment"))
    seconds = time.perf_counter() - started
    return (f"Scale data: {count - made_before} topics generated ({topics_now} topics, {comments_now} comments in "
            f"total), {len(residents)} generated residents, {len(reps)} representatives, {len(votes_wanted)} votes "
            f"with {ballots} ballots, in {seconds:.1f} s.")


async def bench_vote(representatives: int, title: str, candidates: int = 8, seats: int = 3,
                     prefix: str = "bench_rep") -> dict:
    """For the casting benchmarks: ``representatives`` accounts ``{prefix}NNNNN`` (password: the
    demo password) on the roll of a new OPEN vote ``title`` with no ballots yet.
    Returns {"vote": id, "usernames": [...], "candidates": [ids]}."""
    from consult.accounts import passwords
    from consult.demo import DEMO_PASSWORD, load_base_places

    places = await load_base_places()
    rng = random.Random(7)
    async with BulkWriter() as w:
        reps = await ensure_accounts(w, prefix, representatives, ["representative"], places["grids"],
                                     passwords.hash_password(DEMO_PASSWORD), rng)
        vote_id = await w.next_id("vote")
        first_candidate = await w.next_id("candidate")
        cands = [{"title": f"基准测试候选项目 {n}", "cost": 10000 * n} for n in range(1, candidates + 1)]
        await write_vote(w, rng, vote_id, title, 2026, "open", seats, cands, [(r["id"], 100) for r in reps],
                         set(), turnout=0.0, staff_id=None)
    return {"vote": vote_id, "usernames": [f"{prefix}{n:05d}" for n in range(1, representatives + 1)],
            "candidates": list(range(first_candidate, first_candidate + candidates))}
