"""Shared set-up for the authorization-matrix and bad-input tests (no tests here).

`World` signs in one person per role and creates, through the services and the
staff's own HTTP forms, one object of each kind in a useful state: topics along
the loop, comments, a draft / open / published vote, an announcement and each
person's notification of it, a role request. `db_fingerprint()` and
`row_counts()` tell whether a request wrote anything.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from tests.conftest import PASSWORD, Client, run, user_id
from tests.http.test_topics_helpers import Topics, viewer

# The eight roles of the matrix: a visitor, a signed-in account without any role, and each role.
ROLES = ("visitor", "unverified", "resident", "party_member", "committee", "representative", "staff", "grid_worker",
         "admin")

# Key-value stores (sessions, sign-in failure counters) live in this table: not application data.
NOT_DATA = {"session_record", "login_counter"}


def _tables():
    from piccolo.conf.apps import Finder

    return [t for t in Finder().get_table_classes() if t._meta.tablename not in NOT_DATA]


# The one write a refused request makes by design: the audit entry of a refused sign-in.
REFUSAL_AUDIT = ("account.login_failed", "account.login_throttled")


def _table_text_sql(table, postgres: bool) -> str:
    """A scalar subquery: every row of the table as text, in primary-key order (the audit
    entries of refused sign-ins left out)."""
    name, pk = table._meta.tablename, table._meta.primary_key._meta.db_column_name
    where = ""
    if name == "audit_entry":
        where = " WHERE action NOT IN (" + ", ".join(f"'{a}'" for a in REFUSAL_AUDIT) + ")"
    if postgres:
        return f"(SELECT string_agg(x::text, chr(10) ORDER BY x.\"{pk}\") FROM \"{name}\" x{where})"
    row = " || '|' || ".join(f'quote("{c._meta.db_column_name}")' for c in table._meta.columns)
    return f'(SELECT group_concat(r, char(10)) FROM (SELECT {row} AS r FROM "{name}"{where} ORDER BY "{pk}"))'


def db_fingerprint() -> str:
    """A hash of every row of every application table (sessions excluded), read in one query."""
    tables = sorted(_tables(), key=lambda t: t._meta.tablename)

    async def collect() -> str:
        from consult import db
        from consult.accounts.tables import User

        postgres = db.engine().engine_type == "postgres"
        sql = "SELECT " + ", ".join(f'{_table_text_sql(t, postgres)} AS "{t._meta.tablename}"' for t in tables)
        row = (await User.raw(sql))[0]
        digest = hashlib.sha256()
        for t in tables:
            digest.update(t._meta.tablename.encode() + b"\0" + (row[t._meta.tablename] or "").encode() + b"\0")
        return digest.hexdigest()

    return run(collect())


def row_counts() -> dict[str, int]:
    """Rows per application table, in one query."""
    tables = sorted(t._meta.tablename for t in _tables())

    async def collect() -> dict[str, int]:
        from consult.accounts.tables import User

        sql = "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}") AS "{t}"' for t in tables)
        row = (await User.raw(sql))[0]
        return {t: int(row[t]) for t in tables}

    return run(collect())


def open_client(app) -> Client:
    from litestar.testing import TestClient

    tc = TestClient(app, base_url="http://testserver.local")
    tc.__enter__()
    tc.cookies.set("lang", "en")  # English pages: the guards' messages are recognisable
    return Client(tc)


def close_client(client: Client) -> None:
    client.tc.__exit__(None, None, None)


def make_user(community, *roles: str, grid: int = 0) -> str:
    from consult.accounts.services import create_user

    username = f"w_{uuid.uuid4().hex[:10]}"
    run(create_user(username, PASSWORD, list(roles), display_name=username.upper(), grid_id=community["grids"][grid]))
    return username


@dataclass
class World:
    app: object
    community: dict
    users: dict[str, str | None] = field(default_factory=dict)  # role -> username (visitor: None)
    clients: dict[str, Client] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    notification_of: dict[str, int] = field(default_factory=dict)  # role -> own notification id

    def client(self, role: str) -> Client:
        return self.clients[role]

    def fresh_client(self, role: str) -> Client:
        """A new client signed in as the role's person (for requests that end or replace the session)."""
        c = open_client(self.app)
        if self.users.get(role):
            c.login(self.users[role])
        return c

    def close(self) -> None:
        for c in self.clients.values():
            close_client(c)


def _photo_on(topic_id: int, author_id: int) -> int:
    """A photo of a topic (the photo route's parameter)."""
    import io

    from PIL import Image

    from consult.photos import commands as photos
    from consult.photos.owners import OwnerType

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "PNG")

    async def attach() -> int:
        batch = await photos.prepare([photos.Upload("photos", "p.png", out.getvalue())], ["photos"])
        async with photos.stored(batch):
            return (await photos.attach(batch, OwnerType.topic, topic_id, author_id))[0]

    return run(attach())


def build_world(app, community) -> World:
    from consult.notifications import services as notifications
    from consult.notifications.tables import Notification
    from consult.topics import discussion

    w = World(app=app, community=community)
    w.users["visitor"] = None
    w.users["unverified"] = make_user(community)
    for role in ROLES[2:]:
        w.users[role] = make_user(community, role)
    w.clients["visitor"] = open_client(app)
    for role in ROLES[1:]:
        w.clients[role] = open_client(app)
        w.clients[role].login(w.users[role])

    # people the staff routes act on, and a pending role request
    w.ids["target_user"] = user_id(make_user(community))
    w.ids["community_place"] = community["community"]
    from consult.accounts.services import request_role

    requester = make_user(community)
    w.ids["role_request"] = run(request_role(user_id(requester), "committee", "I chair the building group."))

    # topics along the loop; the role users move them
    topics = Topics(lambda *roles, grid=0: make_user(community, *roles, grid=grid), community)
    topics._committee = w.users["committee"]
    topics._staff = w.users["staff"]
    for state in ("proposed", "discussing", "project", "implementing", "evaluating"):
        w.ids[f"topic_{state}"] = topics.create(state=state)[0]
    w.ids["topic_annual"] = topics.create(state="project", funding_route="annual_vote")[0]
    discussing = w.ids["topic_discussing"]
    w.ids["comment"] = run(discussion.add_comment(viewer(w.users["resident"]), discussing, "A plain comment.", None))
    w.ids["party_comment"] = run(
        discussion.add_comment(viewer(w.users["party_member"]), discussing, "A party member's view.", None)
    )

    w.ids["photo"] = _photo_on(discussing, user_id(w.users["resident"]))

    # votes, set up by staff through the forms
    staff = w.clients["staff"]
    reps = [make_user(community, "representative") for _ in range(3)]

    def create_vote(title: str) -> int:
        r = staff.post("/staff/votes", {"title": title, "year": "2026", "seats": "2", "budget": "",
                                        "basis": "enrolled", "threshold": "1/2", "secrecy": "secret",
                                        "public_weight": "0", "rule": "majority"})
        assert r.status_code == 303, r.text[:1000]
        return int(r.headers["location"].rsplit("/", 1)[1])

    def add_candidates(vote_id: int, n: int) -> None:
        for i in range(n):
            r = staff.post(f"/staff/votes/{vote_id}/candidates",
                           {"title": f"候选项目 {i + 1}", "description": "说明", "cost": str(100 * (i + 1)),
                            "support": str(i)})
            assert r.status_code == 303, r.text[:1000]

    def set_roll(vote_id: int, names: list[str]) -> None:
        text = "username,weight\n" + "\n".join(f"{n},1" for n in names)
        r = staff.post(f"/staff/votes/{vote_id}/roll/csv", {"csv_text": text})
        assert r.status_code == 303, r.text[:1000]

    def candidates(vote_id: int) -> list[int]:
        from consult.voting.tables import Candidate

        rows = run(Candidate.select(Candidate.id).where(Candidate.vote == vote_id).order_by(Candidate.position))
        return [r["id"] for r in rows]

    w.ids["vote_draft"] = create_vote("草稿票决")
    add_candidates(w.ids["vote_draft"], 2)
    set_roll(w.ids["vote_draft"], reps[:2])
    w.ids["candidate"] = candidates(w.ids["vote_draft"])[0]
    w.ids["roll_user"] = user_id(reps[0])

    w.ids["vote_open"] = create_vote("进行中的票决")
    add_candidates(w.ids["vote_open"], 3)
    set_roll(w.ids["vote_open"], [w.users["representative"], *reps])
    assert staff.post(f"/staff/votes/{w.ids['vote_open']}/open").status_code == 303
    w.ids["open_candidates"] = len(candidates(w.ids["vote_open"]))

    w.ids["vote_published"] = create_vote("已公布的票决")
    add_candidates(w.ids["vote_published"], 3)
    set_roll(w.ids["vote_published"], [w.users["representative"], *reps])
    vp = w.ids["vote_published"]
    assert staff.post(f"/staff/votes/{vp}/open").status_code == 303
    first = candidates(vp)[0]
    for name in reps:
        c = w.fresh_client("visitor")
        c.login(name)
        r = c.post(f"/votes/{vp}/ballot", {f"c_{first}": "approve"})
        assert r.status_code == 200, r.text[:1000]
        close_client(c)
    assert staff.post(f"/staff/votes/{vp}/close", {"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vp}/publish", {"confirm": "yes"}).status_code == 303
    w.ids["published_candidate"] = first

    # an announcement to everyone: each person gets a notification
    w.ids["announcement"] = run(notifications.announce(viewer(w.users["staff"]), "停水通知", "明天停水。", [], None, True))
    for role in ROLES[1:]:
        row = run(Notification.select(Notification.id).where(
            (Notification.user == user_id(w.users[role])) & (Notification.announcement == w.ids["announcement"])
        ).first())
        if row:
            w.notification_of[role] = row["id"]
    w.ids["any_notification"] = next(iter(w.notification_of.values()))
    _admin_objects(w, community)
    _work_orders(w)
    _intake(w, community)
    _meetings(w, community)
    return w


def _intake(w: World, community) -> None:
    """A topic entered by staff for a resident who phoned (the intake routes' object)."""
    from consult.intake import commands

    entered = run(commands.enter(viewer(w.users["staff"]), {
        "kind": "topic", "channel": "phone", "resident_name": "王秀英", "resident_phone": "13912345678",
        "title": "Lift stops between floors", "description": "Entered by phone for a resident.",
        "category": "parking", "grid_id": str(community["grids"][0]), "consent": "yes"}))
    w.ids["intake"] = entered.intake_id
    w.ids["tracking_code"] = entered.code


def _meetings(w: World, community) -> None:
    """Meetings of the world's community: one still to come (to change or cancel), one to
    cancel, and one that has started and is recorded (to record again and decide at)."""
    from datetime import timedelta

    from consult.meetings import commands
    from consult.meetings.forms import LOCAL
    from consult.topics.clock import utcnow

    committee, staff = viewer(w.users["committee"]), viewer(w.users["staff"])

    def form(when):
        local = when.astimezone(LOCAL)
        return {"kind": "council", "title": "World meeting", "location": "Community hall",
                "on_date": local.date().isoformat(), "at_time": local.strftime("%H:%M")}

    agenda = [w.ids["topic_proposed"], w.ids["topic_discussing"]]
    soon, past = utcnow() + timedelta(days=7), utcnow() - timedelta(hours=3)
    w.ids["meeting"] = run(commands.schedule(committee, community["community"], form(soon), agenda))
    w.ids["meeting_to_cancel"] = run(commands.schedule(committee, community["community"], form(soon), agenda))
    topics = Topics(lambda *roles, grid=0: make_user(community, *roles, grid=grid), community)
    w.ids["meeting_topic"] = topics.create("proposed")[0]  # decided on by the fuzzing, not the world's own topics
    w.ids["meeting_held"] = run(commands.schedule(committee, community["community"], form(past),
                                                  [*agenda, w.ids["meeting_topic"]]))
    run(commands.record(staff, w.ids["meeting_held"], "Minutes of the world meeting.", "3", []))


def _work_orders(w: World) -> None:
    """A work order held by the world's community (opened from the proposed topic)."""
    from consult.workorders import commands

    w.ids["work_order"] = run(commands.create_from_topic(viewer(w.users["staff"]), w.ids["topic_proposed"]))


def _admin_objects(w: World, community) -> None:
    """What the administrator's pages act on: a grid of another community (moving or
    deactivating it touches nobody of the world), a department, a category."""
    from consult.accounts.tables import Category
    from consult.places.tables import Department

    w.ids["place"] = community["communities"]["新风社区"]["grids"][1]
    w.ids["department"] = run(Department.select(Department.id).order_by(Department.id).first())["id"]
    w.ids["category"] = run(Category.select(Category.id).where(Category.slug == "care").first())["id"]


# Actors whose role lies at another place than the world's objects (which are in 幸福里社区),
# for the scoped part of the authorization matrix: (role held, where it is granted, grid's community).
SCOPED_ACTORS = {
    "committee@和顺社区": ("committee", "和顺社区", "和顺社区"),
    "grid_worker@和顺社区": ("grid_worker", "和顺社区", "和顺社区"),  # granted at the first grid there
    "staff@朝阳街道": ("staff", "street", "新风社区"),
}


def _in_community(community, name: str) -> dict:
    """A ``community``-like dict whose grids are those of the street's community ``name``."""
    return {**community, "grids": community["communities"][name]["grids"]} if name != "幸福里社区" else community


def add_scoped_actors(w: World) -> None:
    """Create the scoped actors and make, in each community of the street, topics of their
    own (moved by that community's own committee and staff) for them to act on."""
    from consult.accounts.services import create_user

    for actor, (role, place, home) in SCOPED_ACTORS.items():
        username = f"w_{uuid.uuid4().hex[:10]}"
        place_id = w.community[place] if place in w.community else w.community["communities"][place]["id"]
        grid = _in_community(w.community, home)["grids"][0]
        if role == "grid_worker":
            place_id = grid  # a grid worker's role is a grid's
        run(create_user(username, PASSWORD, [role], display_name=username.upper(), grid_id=grid, place_id=place_id))
        w.users[actor] = username  # signed in per request: World.fresh_client(actor)
    from consult.topics import discussion

    # "matrix" is 幸福里社区's set for the walk over every entry; each community's own set is
    # for the explicit cases (two sets: the walk must not move the cases' topics on)
    for name in ("matrix", "幸福里社区", *w.community["communities"]):
        where = _in_community(w.community, "幸福里社区" if name == "matrix" else name)
        topics = Topics(lambda *roles, grid=0, where=where: make_user(where, *roles, grid=grid), where)
        for state in ("proposed", "discussing", "project", "implementing", "evaluating"):
            w.ids[f"{name}:topic_{state}"] = topics.create(state=state)[0]
        resident = make_user(where, "resident")
        w.ids[f"{name}:comment"] = run(discussion.add_comment(
            viewer(resident), w.ids[f"{name}:topic_discussing"], "A comment for the scoped matrix.", None))
