"""Intake on a resident's behalf (issue 16 point 1): staff or a grid worker enter a topic or
a service request for a resident who phoned, came to the office or was met at home; the
channel is public, the resident's name and phone are private (sealed at rest), and a
tracking code lets the resident follow it at /track/CODE and attach it to an account later;
seconds and ratings given by phone are the resident's own, marked as assisted."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http.test_topics_helpers import Topics, english, state_of

NAME, PHONE = "王秀英", "13912345678"


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


@pytest.fixture
def person(app, community):
    """Someone living in a grid of 幸福里社区 (or ``community_name``) with ``roles`` (a grid
    worker's at that grid, every other role at its community)."""
    from consult.accounts.services import create_user

    def make(*roles, grid=0, community_name="幸福里社区"):
        name = f"i{uuid.uuid4().hex[:8]}"
        grids = community["grids"] if community_name == "幸福里社区" else community["communities"][community_name]["grids"]
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=grids[grid]))
        return name

    return make


def signed_in(new_client, username):
    c = english(new_client())
    c.login(username)
    c.username = username
    return c


def form(community, grid=0, **extra):
    data = {"kind": "topic", "channel": "phone", "resident_name": NAME, "resident_phone": PHONE,
            "title": f"Broken lift {uuid.uuid4().hex[:6]}", "description": "The lift in building 3 stops between floors.",
            "category": "parking", "grid_id": str(community["grids"][grid]), "consent": "yes"}
    data.update(extra)
    return data


def code_in(html: str) -> str:
    found = re.search(r'id="tracking-code">([0-9A-Z-]+)<', html)
    assert found, html[:2000]
    return found.group(1)


def intake_rows():
    from consult.intake.tables import Intake

    return run(Intake.select().order_by(Intake.id))


def enter(client, data):
    r = client.post("/intake", data)
    assert r.status_code == 200, r.text[:1500]
    row = intake_rows()[-1]
    return code_in(r.text), row


def test_staff_enter_a_topic_for_a_resident_who_phoned(new_client, person, community):
    """The finding: staff got "needs the role resident"; entering for a resident now works."""
    staff = signed_in(new_client, person("staff"))
    assert staff.post("/topics", {"title": "x"}).status_code == 403  # proposing as oneself stays a resident's
    assert staff.get("/intake/new").status_code == 200
    code, row = enter(staff, form(community))
    assert row["topic"] and row["channel"] == "phone" and row["entered_by"] == user_id(staff.username)
    assert state_of(row["topic"]) == "proposed"
    page = text_of(new_client().get(f"/topics/{row['topic']}", headers={"cookie": "lang=en"}).text)
    assert "Entered for a resident by" in page and "Came in: By phone" in page
    visitor = english(new_client())
    tracked = visitor.get(f"/track/{code}")
    assert tracked.status_code == 200 and "By phone" in tracked.text and "proposed" in text_of(tracked.text).lower()
    assert visitor.get(f"/track/{code.lower().replace('-', ' ')}").status_code == 200  # typed back loosely
    assert visitor.get("/track/ABCD-EFGH-JKMN").status_code == 404


def test_the_tracking_form_sends_a_typed_code_to_its_page(new_client, person, community):
    code, _row = enter(signed_in(new_client, person("staff")), form(community))
    visitor = english(new_client())
    r = visitor.get("/track", params={"code": code.lower()})
    assert r.status_code == 303 and r.headers["location"] == f"/track/{code.replace('-', '')}"
    bad = visitor.get("/track", params={"code": "nonsense"})
    assert bad.status_code == 400 and "A tracking code has 12 letters" in bad.text


def test_guessing_codes_is_stopped_per_address_and_a_family_checking_daily_never_is(new_client, person, community, app):
    from consult.intake.domain import normalize_code

    code, _row = enter(signed_in(new_client, person("staff")), form(community))
    code = normalize_code(code)
    limit = app.state.settings.track_max_misses_per_address
    family = english(new_client())
    for _ in range(limit + 5):  # hits give their count back
        assert family.get(f"/track/{code}").status_code == 200
    guesser = english(new_client())
    for n in range(limit):
        assert guesser.get(f"/track/{n:012d}").status_code == 404
    refused = guesser.get(f"/track/{code}")  # past the limit even a real code is not looked up
    assert refused.status_code == 429 and "text/html" in refused.headers["content-type"]
    assert "Too many codes that match nothing" in text_of(refused.text) and "Came in" not in refused.text


def test_a_12345_intake_needs_its_order_number_and_shows_it(new_client, person, community):
    staff = signed_in(new_client, person("staff"))
    before = len(intake_rows())
    r = staff.post("/intake", form(community, channel="hotline", consent=""))
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    assert "needs the hotline" in r.text and "nothing is entered without it" in r.text
    assert len(intake_rows()) == before
    r = staff.post("/intake", form(community, channel="visit_nowhere"))
    assert r.status_code == 400 and len(intake_rows()) == before
    _code, row = enter(staff, form(community, channel="hotline", order_number="BJ-2026-120045"))
    assert "12345 № BJ-2026-120045" in new_client().get(f"/topics/{row['topic']}").text


def test_a_grid_worker_enters_only_in_their_grid(new_client, person, community):
    worker = signed_in(new_client, person("grid_worker", grid=0))
    _code, row = enter(worker, form(community, grid=0, channel="home_visit"))
    assert row["grid"] == community["grids"][0]
    before = len(intake_rows())
    r = worker.post("/intake", form(community, grid=1))
    assert r.status_code == 400 and len(intake_rows()) == before  # the other grid is not a choice


def test_the_wrong_role_and_the_wrong_place_are_refused(new_client, person, community):
    before = len(intake_rows())
    for role in ("resident", "committee", "representative"):
        c = signed_in(new_client, person(role))
        assert c.get("/intake/new").status_code == 403
        assert c.post("/intake", form(community)).status_code == 403
    elsewhere = signed_in(new_client, person("staff", community_name="和顺社区"))
    r = elsewhere.post("/intake", form(community))  # a grid of 幸福里社区: not theirs
    assert r.status_code == 400 and "Choose one of the listed options" in r.text
    assert len(intake_rows()) == before


def test_name_and_phone_only_for_staff_of_the_place_and_who_entered_it(new_client, person, community, app):
    worker = signed_in(new_client, person("grid_worker", grid=0))
    code, row = enter(worker, form(community, channel="home_visit"))
    assert NAME in worker.get("/intake").text
    assert NAME in signed_in(new_client, person("staff")).get("/intake").text
    for other in (person("grid_worker", grid=1), person("staff", community_name="和顺社区")):
        assert NAME not in signed_in(new_client, other).get("/intake").text
    visitor = new_client()
    public = [f"/topics/{row['topic']}", f"/track/{code}", "/topics", f"/api/v1/topics/{row['topic']}",
              "/api/v1/topics", "/topics.csv", f"/topics/{row['topic']}/print"]
    for path in public:
        r = visitor.get(path)
        assert r.status_code == 200, path
        assert NAME not in r.text and PHONE not in r.text, path
    resident = signed_in(new_client, person("resident"))
    assert NAME not in resident.get(f"/topics/{row['topic']}").text
    from consult.accounts.tables import AuditEntry

    audit = run(AuditEntry.select(AuditEntry.detail))
    assert not any(NAME in str(a["detail"]) or PHONE in str(a["detail"]) for a in audit)
    assert not any(code.replace("-", "") in str(a["detail"]) for a in audit)


def _database_bytes(database: str) -> bytes:
    """What a copy of the database holds on disk (SQLite: the file and its WAL; PostgreSQL:
    every file of the database after a checkpoint)."""
    from consult.accounts.tables import User

    if database.startswith("sqlite"):
        path = Path(database.split("///", 1)[1])
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    run(User.raw("CHECKPOINT"))
    row = run(User.raw("SELECT current_setting('data_directory') AS d, "
                       "(SELECT oid FROM pg_database WHERE datname = current_database()) AS o"))[0]
    folder = Path(row["d"]) / "base" / str(row["o"])
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def test_a_copy_of_the_database_shows_no_name_or_phone(new_client, person, community, database):
    name, phone = "赵丽华测试", "13787654321"
    staff = signed_in(new_client, person("staff"))
    code, row = enter(staff, form(community, resident_name=name, resident_phone=phone))
    raw = _database_bytes(database)
    assert b"Broken lift" in raw  # the copy is really read: the public title is in it
    for secret in (name.encode(), phone.encode(), code.replace("-", "").encode()):
        assert secret not in raw
    from consult.intake import secrecy

    assert secrecy.unseal(row["contact"]).name == name  # and the server still opens it


def test_a_service_request_opens_a_work_order_with_the_same_tracking(new_client, person, community):
    worker = signed_in(new_client, person("grid_worker"))
    code, row = enter(worker, form(community, kind="request", channel="office", category="other"))
    assert row["work_order"] and row["topic"] is None
    order = new_client().get(f"/work-orders/{row['work_order']}", headers={"cookie": "lang=en"})
    assert order.status_code == 200 and "Came in: At the office" in order.text and NAME not in order.text
    tracked = english(new_client()).get(f"/track/{code}")
    assert tracked.status_code == 200 and f"/work-orders/{row['work_order']}" in tracked.text


def test_the_resident_attaches_the_code_to_their_account(new_client, person, community):
    from consult.topics.tables import TopicFollower

    code, row = enter(signed_in(new_client, person("staff")), form(community))
    resident = signed_in(new_client, person("resident"))
    r = resident.post(f"/track/{code}/attach", {})
    assert r.status_code == 303
    assert intake_rows()[-1]["attached_to"] == user_id(resident.username)
    assert run(TopicFollower.exists().where((TopicFollower.topic == row["topic"])
                                           & (TopicFollower.user == user_id(resident.username))))
    assert "Attached to your account" in resident.get(f"/track/{code}").text
    other = signed_in(new_client, person("resident"))
    assert other.post(f"/track/{code}/attach", {}).status_code == 409
    assert intake_rows()[-1]["attached_to"] == user_id(resident.username)


def test_staff_attach_an_intake_to_the_account_registered_since(new_client, person, community):
    staff = signed_in(new_client, person("staff"))
    _code, row = enter(staff, form(community, kind="request", category="other"))
    resident = person("resident")
    worker = signed_in(new_client, person("grid_worker"))
    assert worker.post(f"/intake/{row['id']}/attach", {"username": resident}).status_code == 403
    elsewhere = signed_in(new_client, person("staff", community_name="和顺社区"))
    assert elsewhere.post(f"/intake/{row['id']}/attach", {"username": resident}).status_code == 403
    assert intake_rows()[-1]["attached_to"] is None
    assert staff.post(f"/intake/{row['id']}/attach", {"username": resident}).status_code == 303
    from consult.workorders.tables import WorkOrder

    assert run(WorkOrder.select(WorkOrder.requester).where(WorkOrder.id == row["work_order"]).first())["requester"] \
        == user_id(resident)


def test_a_rating_given_by_phone_is_the_residents_own_marked_assisted(new_client, person, topics, community):
    from consult.intake.tables import AssistedAct
    from consult.topics.tables import TopicRating

    tid, _author = topics.create("evaluating")
    resident = person("resident")
    staff = signed_in(new_client, person("staff"))
    assert staff.get(f"/topics/{tid}/assist").status_code == 200
    r = staff.post(f"/topics/{tid}/assist/rating", {"username": resident, "value": "satisfied"})
    assert r.status_code == 400 and "nothing is entered without it" in r.text
    assert not run(TopicRating.exists().where(TopicRating.topic == tid))
    r = staff.post(f"/topics/{tid}/assist/rating", {"username": resident, "value": "satisfied", "consent": "yes",
                                                    "note": "Said so on the phone."})
    assert r.status_code == 303
    rating = run(TopicRating.select().where(TopicRating.topic == tid).first())
    assert rating["user"] == user_id(resident) and rating["value"] == "satisfied"
    act = run(AssistedAct.select().where(AssistedAct.topic == tid).first())
    assert act["act"] == "rating" and act["assisted_by"] == user_id(staff.username) and act["consent"]
    assert "assisted by" in staff.get(f"/topics/{tid}/assist").text
    again = staff.post(f"/topics/{tid}/assist/rating", {"username": resident, "value": "satisfied", "consent": "yes"})
    assert again.status_code == 409  # one rating per person holds for assisted ones too


def test_an_assisted_second_and_who_may_enter_it(new_client, person, topics, community):
    from consult.intake.tables import AssistedAct
    from consult.topics.tables import TopicSecond

    tid, _author = topics.create("proposed")
    resident = person("resident")
    data = {"username": resident, "consent": "yes"}
    for outsider in (person("committee"), person("resident")):
        assert signed_in(new_client, outsider).post(f"/topics/{tid}/assist/second", data).status_code == 403
    for elsewhere in (person("staff", community_name="和顺社区"), person("grid_worker", grid=1)):
        assert signed_in(new_client, elsewhere).post(f"/topics/{tid}/assist/second", data).status_code == 403
    assert not run(TopicSecond.exists().where(TopicSecond.topic == tid))
    worker = signed_in(new_client, person("grid_worker", grid=0))
    assert worker.post(f"/topics/{tid}/assist/second", data).status_code == 303
    assert run(TopicSecond.exists().where((TopicSecond.topic == tid) & (TopicSecond.user == user_id(resident))))
    assert run(AssistedAct.select(AssistedAct.assisted_by).where(AssistedAct.topic == tid).first())["assisted_by"] \
        == user_id(worker.username)


def test_staff_grant_the_grid_worker_role_at_a_grid(new_client, person, community):
    from consult.accounts.services import load_viewer
    from consult.places import queries as places

    staff = signed_in(new_client, person("staff"))
    target = person(grid=1)
    r = staff.post(f"/staff/users/{user_id(target)}/roles", {"role": "grid_worker"})
    assert r.status_code == 303, r.text[:500]
    v = run(load_viewer(user_id(target)))
    tree = run(places.tree())
    assert v.has_at(tree.path_of(community["grids"][1]), "grid_worker")
    assert not v.has_at(tree.path_of(community["grids"][0]), "grid_worker")
