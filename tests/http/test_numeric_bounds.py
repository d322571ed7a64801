"""Every numeric input has an upper bound both engines accept (Integer columns 2^31-1, BigInt
2^63-1, Varchar lengths), refused with a translated form error (400), nothing saved.

The suite runs on SQLite and on PostgreSQL (CONSULT_TEST_DATABASE_URL): on PostgreSQL a value
past a column's range used to reach the database and answer 500 (issue 12, finding 9)."""

from __future__ import annotations

import pytest

from tests.conftest import text_of
from tests.http._world import build_world, close_client, db_fingerprint

HUGE = str(10**20)  # past 64 bits
LONG_DIGITS = "1" * 5000  # a too-long text in a numeric field
VOTE = {"title": "边界测试票决", "year": "2026", "seats": "2", "budget": "", "basis": "enrolled",
        "threshold": "1/2", "secrecy": "secret", "public_weight": "0", "rule": "majority"}


@pytest.fixture(scope="module")
def world(app, community):
    w = build_world(app, community)
    yield w
    w.close()


def post(w, role, path, data, status=400):
    before = db_fingerprint()
    r = w.client(role).post(path, data)
    assert r.status_code == status, (path, data, r.status_code, text_of(r.text)[:500])
    assert db_fingerprint() == before, "a refused form wrote something"
    return text_of(r.text)


# ---------------------------------------------------------------- the three reported inputs


def test_seats_past_32_bits_is_a_form_error(world):
    page = post(world, "staff", "/staff/votes", {**VOTE, "seats": "99999999999"})
    assert "Seats must be a whole number from 1 to 1000." in page


def test_a_41_character_threshold_is_a_form_error(world):
    threshold = "0." + "1" * 39
    assert len(threshold) == 41
    page = post(world, "staff", "/staff/votes", {**VOTE, "threshold": threshold})
    assert "The threshold must be a fraction such as 1/2 or 0.5" in page
    # short to type, too long to store: 0.123456789012345678 is 61728394506172839/500000000000000000
    page = post(world, "staff", "/staff/votes", {**VOTE, "threshold": "0.123456789012345678"})
    assert "at most 20 characters as a fraction" in page


def test_a_budget_past_64_bits_is_a_form_error(world):
    page = post(world, "staff", "/staff/votes", {**VOTE, "budget": str(2**64)})
    assert "The budget must be empty or a whole number of yuan from 0 to 1000000000000." in page


def test_the_messages_are_translated(world):
    client = world.fresh_client("staff")
    client.tc.cookies.set("lang", "zh_CN")
    r = client.post("/staff/votes", {**VOTE, "seats": "99999999999", "budget": str(2**64)})
    assert r.status_code == 400
    page = text_of(r.text)
    close_client(client)
    assert "应选项目数须为 1 到 1000 之间的整数。" in page and "预算须留空或为 0 到 1000000000000 之间的整数（元）。" in page


# ---------------------------------------------------------------- every other numeric field


def _vote_form(w):
    return VOTE


def _candidate(w):
    return {"title": "候选项目 边界", "description": "说明", "cost": "100", "support": "1"}


def _project(w):
    return {"consensus_summary": "Agreed on racks.", "title": "Bicycle racks", "scope": "Gate 2 racks",
            "estimated_cost": "1000", "responsible_unit": "Property office", "responsible_person": "Wang",
            "deadline": "2099-01-01", "funding_route": "community"}


FORMS = [
    # (case, role, path, valid form, fields to overflow)
    ("vote", "staff", lambda w: "/staff/votes", _vote_form, ["year", "seats", "budget", "threshold", "public_weight"]),
    ("vote settings", "staff", lambda w: f"/staff/votes/{w.ids['vote_draft']}/settings", _vote_form,
     ["year", "seats", "budget", "threshold", "public_weight"]),
    ("candidate", "staff", lambda w: f"/staff/votes/{w.ids['vote_draft']}/candidates", _candidate,
     ["cost", "support"]),
    ("roll entry", "staff", lambda w: f"/staff/votes/{w.ids['vote_draft']}/roll",
     lambda w: {"user_id": str(w.ids["roll_user"]), "weight": "1"}, ["user_id", "weight"]),
    ("form project", "committee", lambda w: f"/topics/{w.ids['topic_discussing']}/actions/form_project", _project,
     ["estimated_cost", "deadline"]),
    ("progress", "staff", lambda w: f"/topics/{w.ids['topic_implementing']}/progress",
     lambda w: {"percent": "50", "note": "Half done.", "date": ""}, ["percent"]),
    ("comment reply", "resident", lambda w: f"/topics/{w.ids['topic_discussing']}/comments",
     lambda w: {"body": "A reply to the comment.", "parent_id": str(w.ids["comment"])}, ["parent_id"]),
    ("merge", "committee", lambda w: f"/topics/{w.ids['topic_proposed']}/actions/merge",
     lambda w: {"target_id": str(w.ids["topic_discussing"]), "reason": "The same request."}, ["target_id"]),
    ("open evaluation", "staff", lambda w: f"/topics/{w.ids['topic_implementing']}/actions/open_evaluation",
     lambda w: {"end_date": ""}, ["end_date"]),
    ("open discussion", "committee", lambda w: f"/topics/{w.ids['topic_proposed']}/actions/open_discussion",
     lambda w: {"end_date": ""}, ["end_date"]),
    ("progress date", "staff", lambda w: f"/topics/{w.ids['topic_implementing']}/progress",
     lambda w: {"percent": "50", "note": "Half done.", "date": ""}, ["date"]),
    ("register", "visitor", lambda w: "/auth/register",
     lambda w: {"username": "bounds_user", "display_name": "Bounds", "password": "a-long-pass-phrase-9",
                "password2": "a-long-pass-phrase-9", "grid_id": str(w.community["grids"][0])}, ["grid_id"]),
    ("add projects", "staff", lambda w: f"/staff/votes/{w.ids['vote_draft']}/candidates/from-projects",
     lambda w: {"topic": str(w.ids["topic_annual"])}, ["topic"]),
]
# A ticked box whose id no row can have names no project: nothing is added ("0 projects added").
STATUS = {"add projects": 303}
CASES = [(case, role, path, form, name, bad) for case, role, path, form, names in FORMS for name in names
         for bad in (HUGE, LONG_DIGITS, "-" + HUGE, "x" * 300)]


@pytest.mark.parametrize("case,role,path,form,name,bad", CASES,
                         ids=[f"{c[0]}-{c[4]}-{len(c[5])}" for c in CASES])
def test_a_huge_number_in_a_form_is_a_form_error_and_saves_nothing(world, case, role, path, form, name, bad):
    post(world, role, path(world), {**form(world), name: bad}, status=STATUS.get(case, 400))


def test_a_roll_csv_weight_past_every_bound_is_reported_by_line(world):
    csv_text = f"username,weight\n{world.users['representative']},{HUGE}"
    page = post(world, "staff", f"/staff/votes/{world.ids['vote_draft']}/roll/csv", {"csv_text": csv_text})
    assert f"Line 2: {HUGE} is not a valid weight" in page


@pytest.mark.parametrize("path", ["ballot/review", "ballot/count", "ballot"])
def test_a_ballot_naming_a_candidate_id_past_every_bound_is_refused(world, path):
    """The running ballot count (a fragment, writes nothing) ignores it; review and cast refuse it."""
    before = db_fingerprint()
    r = world.client("representative").post(f"/votes/{world.ids['vote_open']}/{path}", {f"c_{HUGE}": "approve"})
    assert r.status_code == (200 if path == "ballot/count" else 400), (path, r.status_code, text_of(r.text)[:300])
    assert db_fingerprint() == before


QUERIES = [
    ("/topics", "page"), ("/api/v1/topics", "page"), ("/topics.csv", "grid"), ("/topics", "grid"),
    ("/api/v1/topics", "grid"), ("/dashboard", "year"), ("/dashboard", "grid"), ("/api/v1/stats", "year"),
    ("/api/v1/stats", "grid"), ("/notifications", "page"), ("/staff/users", "page"), ("/admin/audit", "page"),
    ("/votes", "page"),
]


@pytest.mark.parametrize("path,name", QUERIES)
@pytest.mark.parametrize("bad", [HUGE, LONG_DIGITS, str(2**31), str(2**63)])
def test_a_huge_number_in_a_query_never_answers_500(world, path, name, bad):
    role = {"/notifications": "resident", "/staff/users": "staff", "/admin/audit": "admin"}.get(path, "resident")
    r = world.client(role).get(path, params={name: bad})
    assert r.status_code in (200, 400), (path, name, r.status_code, r.text[:300])


TEXTS = [
    # (case, role, path, valid form, text field, its column's length)
    ("vote title", "staff", lambda w: "/staff/votes", _vote_form, "title", 120),
    ("candidate title", "staff", lambda w: f"/staff/votes/{w.ids['vote_draft']}/candidates", _candidate, "title", 200),
    ("project title", "committee", lambda w: f"/topics/{w.ids['topic_discussing']}/actions/form_project", _project,
     "title", 80),
    ("responsible unit", "committee", lambda w: f"/topics/{w.ids['topic_discussing']}/actions/form_project",
     _project, "responsible_unit", 100),
    ("responsible person", "committee", lambda w: f"/topics/{w.ids['topic_discussing']}/actions/form_project",
     _project, "responsible_person", 50),
    ("reference number", "committee", lambda w: f"/topics/{w.ids['topic_proposed']}/actions/refer",
     lambda w: {"department": "Housing office", "reference_number": "A-1"}, "reference_number", 50),
    ("department", "committee", lambda w: f"/topics/{w.ids['topic_proposed']}/actions/refer",
     lambda w: {"department": "Housing office", "reference_number": "A-1"}, "department", 100),
    ("display name", "visitor", lambda w: "/auth/register",
     lambda w: {"username": "bounds_user2", "display_name": "Bounds", "password": "a-long-pass-phrase-9",
                "password2": "a-long-pass-phrase-9", "grid_id": str(w.community["grids"][0])}, "display_name", 40),
]


@pytest.mark.parametrize("case,role,path,form,name,length", TEXTS, ids=[t[0] for t in TEXTS])
def test_a_text_longer_than_its_column_is_a_form_error(world, case, role, path, form, name, length):
    post(world, role, path(world), {**form(world), name: "长" * (length + 1)})


def test_the_json_api_answers_a_huge_page_with_json(world):
    r = world.client("visitor").get("/api/v1/topics", params={"page": HUGE})
    assert r.status_code in (200, 400) and r.headers["content-type"].startswith("application/json")
