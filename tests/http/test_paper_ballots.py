"""Issue 16 point 4: paper ballots (纸质票). A representative votes online or on paper, never
both; the desk signs paper voters in (their participation record), staff open the box and
enter each paper ballot twice from two staff accounts; disagreements count only once a third
staff member reconciles them; the published record, the bulletin board and `consult recount`
include the paper ballots; the database freezes the entries."""

from __future__ import annotations

import pytest

from tests.conftest import run, text_of, user_id
from tests.http._world import db_fingerprint
from tests.http.test_topics_helpers import english
from tests.http.test_vote_places import person  # noqa: F401 (fixture)
from tests.http.test_voting import cast, counts, open_vote, signed_in, staff  # noqa: F401 (fixture)


def desk(vote_id: int, part: str = "") -> str:
    return f"/staff/votes/{vote_id}/desk{part}"


def sign_in(c, vote_id, username, expect=303):
    r = c.post(desk(vote_id, "/sign-in"), {"user_id": str(user_id(username)), "confirm": "yes"})
    assert r.status_code == expect, text_of(r.text)[:1500]
    return r


def open_box(c, vote_id, expect=303):
    r = c.post(desk(vote_id, "/box"), {"confirm": "yes"})
    assert r.status_code == expect, text_of(r.text)[:1500]
    return r


def reading(serial, weight, choices):
    return {"serial": str(serial), "weight": weight, **{f"c_{cid}": v for cid, v in choices.items()}}


def enter(c, vote_id, serial, weight, choices, expect=303):
    r = c.post(desk(vote_id, "/entries"), reading(serial, weight, choices))
    assert r.status_code == expect, text_of(r.text)[:1500]
    return r


@pytest.fixture
def clerks(make_user, new_client):
    """Three more staff accounts of the same community (two entrants and a reconciler)."""
    return [signed_in(new_client, make_user("staff")) for _ in range(3)]


def test_online_then_paper_refused_and_paper_then_online_refused(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1",) * 4)
    online = signed_in(new_client, reps[0])
    assert cast(online, vote_id, {ids[0]: "approve"}).status_code == 200
    before = db_fingerprint()
    r = sign_in(staff, vote_id, reps[0], expect=409)
    assert "已经在网上投票" in text_of(r.text) and db_fingerprint() == before
    sign_in(staff, vote_id, reps[1])
    paper = signed_in(new_client, reps[1])
    for r in (paper.get(f"/votes/{vote_id}/ballot"), cast(paper, vote_id, {ids[0]: "approve"})):
        assert r.status_code == 409 and "纸质票" in text_of(r.text)
    assert counts(vote_id) == (1, 2)  # one ballot (online), two participation records
    again = sign_in(staff, vote_id, reps[1], expect=409)
    assert "已在本次票决的签到处签到" in text_of(again.text)
    page = text_of(staff.get(desk(vote_id)).text)
    assert "网上投票：1" in page and "签到处签到（纸质票）：1" in page


def test_same_staff_cannot_enter_a_ballot_twice_and_agreeing_entries_count(staff, make_user, clerks):
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1",) * 3)
    for rep in reps:
        sign_in(staff, vote_id, rep)
    enter(staff, vote_id, 7, "1", {ids[0]: "approve"}, expect=409)  # the box is not open yet
    open_box(staff, vote_id)
    sign_in(staff, vote_id, make_user("representative"), expect=409)  # the desk is done
    a, b, _c = clerks
    enter(a, vote_id, 7, "1", {ids[0]: "approve"})
    before = db_fingerprint()
    r = enter(a, vote_id, 7, "1", {ids[0]: "approve"}, expect=409)
    assert "另一个工作人员账号" in text_of(r.text) and db_fingerprint() == before
    assert counts(vote_id)[0] == 0  # one entry: nothing counts yet
    enter(b, vote_id, 7, "1", {ids[0]: "approve"})
    assert counts(vote_id)[0] == 1
    enter(staff, vote_id, 7, "1", {ids[0]: "approve"}, expect=409)  # two entries already
    page = text_of(a.get(desk(vote_id)).text)
    assert "两次录入一致，已计入" in page


def test_disagreement_blocks_the_close_until_a_third_staff_member_reconciles(staff, make_user, clerks):
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1",) * 3)
    for rep in reps:
        sign_in(staff, vote_id, rep)
    open_box(staff, vote_id)
    a, b, c = clerks
    enter(a, vote_id, 1, "1", {ids[0]: "approve", ids[1]: "oppose"})
    enter(b, vote_id, 1, "1", {ids[0]: "approve", ids[1]: "abstain"})
    assert counts(vote_id)[0] == 0
    page = c.get(desk(vote_id))
    words = text_of(page.text)
    assert "录入不一致" in words and 'class="differs"' in page.text  # side by side, the differing row marked
    assert f'action="/staff/votes/{vote_id}/desk/entries/1/reconcile"' in page.text
    assert f'action="/staff/votes/{vote_id}/desk/entries/1/reconcile"' not in a.get(desk(vote_id)).text
    r = staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    assert r.status_code == 409 and "有争议 1" in text_of(r.text)
    before = db_fingerprint()
    r = a.post(desk(vote_id, "/entries/1/reconcile"), reading(1, "1", {ids[0]: "approve"}))
    assert r.status_code == 409 and db_fingerprint() == before  # an entrant does not reconcile
    r = c.post(desk(vote_id, "/entries/1/reconcile"), reading(1, "1", {ids[0]: "approve", ids[1]: "oppose"}))
    assert r.status_code == 303
    assert counts(vote_id)[0] == 1
    assert c.post(desk(vote_id, "/entries/1/reconcile"), reading(1, "1", {})).status_code == 409
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303


def test_paper_ballots_are_published_with_their_serials_and_the_recount_matches(staff, make_user, clerks,
                                                                               new_client):
    from consult.voting.counting import recount_record

    vote_id, reps, ids = open_vote(staff, make_user, weights=("1", "1", "1", "2", "2", "2"))
    assert cast(signed_in(new_client, reps[0]), vote_id, {ids[0]: "approve"}).status_code == 200
    for rep in reps[3:]:
        sign_in(staff, vote_id, rep)
    open_box(staff, vote_id)
    a, b, _c = clerks
    for serial, plan in ((11, {ids[1]: "approve"}), (12, {ids[1]: "approve", ids[0]: "oppose"}), (13, {})):
        enter(a, vote_id, serial, "2", plan)
        enter(b, vote_id, serial, "2", plan)
    enter(a, vote_id, 14, "2", {}, expect=409)  # more ballots than people signed in
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    visitor = new_client()
    download = visitor.get(f"/api/v1/votes/{vote_id}/ballots")
    receipts = [b["receipt"] for b in download.json()["ballots"]]
    assert {f"P-{vote_id}-0000{n}" for n in (11, 12, 13)} <= set(receipts) and len(receipts) == 4
    assert all("voter" not in b for b in download.json()["ballots"])
    results = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    assert results["turnout"] == {"ballots": 4, "weight": "7"}
    by_id = {c["id"]: c for c in results["candidates"]}
    assert by_id[ids[1]]["approve"] == "4" and by_id[ids[0]]["oppose"] == "2"
    assert recount_record(download.content) == results
    page = visitor.get(f"/votes/{vote_id}")
    words = text_of(page.text)
    assert f"P-{vote_id}-000012" in page.text and "纸质票（编号）" in words and "网上投票 1 张，纸质票 3 张" in words
    found = visitor.get(f"/votes/{vote_id}/receipt", params={"code": f"p-{vote_id}-12"})
    assert f"P-{vote_id}-000012" in found.text and "找不到" not in text_of(found.text)
    assert "签到处签到" not in words  # who voted on paper is on no public page (the roll is public)


def test_box_opens_only_when_each_paper_weight_class_is_large_enough(staff, make_user):
    vote_id, reps, _ids = open_vote(staff, make_user, weights=("1", "1", "1", "2", "2", "2"))
    for rep in reps[:3] + reps[3:4]:
        sign_in(staff, vote_id, rep)
    page = text_of(staff.get(desk(vote_id)).text)
    assert "少于 3 名纸质票投票人持有的权重" in page
    before = db_fingerprint()
    r = open_box(staff, vote_id, expect=409)
    assert "这些权重持有人更少：2" in text_of(r.text) and db_fingerprint() == before
    for rep in reps[4:]:
        sign_in(staff, vote_id, rep)
    open_box(staff, vote_id)


def test_sign_in_and_opening_the_box_ask_for_confirmation_first(staff, make_user):
    vote_id, reps, _ids = open_vote(staff, make_user, weights=("1",) * 3)
    uid = user_id(reps[0])
    before = db_fingerprint()
    r = staff.post(desk(vote_id, "/sign-in"), {"user_id": str(uid)})
    assert r.status_code == 303 and r.headers["location"] == desk(vote_id, f"/sign-in?user_id={uid}")
    page = staff.get(r.headers["location"])
    assert page.status_code == 200 and "不能撤销" in text_of(page.text) and 'name="confirm" value="yes"' in page.text
    assert f'name="user_id" value="{uid}"' in page.text
    r = staff.post(desk(vote_id, "/box"), {})
    assert r.status_code == 303 and r.headers["location"] == desk(vote_id, "/box")
    assert "确认开箱" in text_of(staff.get(desk(vote_id, "/box")).text)
    assert db_fingerprint() == before


def test_a_bad_reading_changes_nothing_and_shows_the_error_beside_the_field(staff, make_user, clerks):
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1",) * 3, seats="1")
    for rep in reps:
        sign_in(staff, vote_id, rep)
    open_box(staff, vote_id)
    before = db_fingerprint()
    r = clerks[0].post(desk(vote_id, "/entries"), {"serial": "abc", "weight": "5"})
    assert r.status_code == 400 and 'id="e-serial"' in r.text and 'id="e-weight"' in r.text
    r = clerks[0].post(desk(vote_id, "/entries"), reading(3, "1", {ids[0]: "approve", ids[1]: "approve"}))
    assert r.status_code == 400 and "最多" in text_of(r.text)
    assert db_fingerprint() == before


def test_wrong_role_and_wrong_place_are_refused_at_the_desk(staff, make_user, new_client, person):  # noqa: F811
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1",) * 3)
    rep = signed_in(new_client, reps[0])
    resident = signed_in(new_client, make_user("resident"))
    other = english(signed_in(new_client, person("staff", community_name="和顺社区")))
    steps = [("GET", desk(vote_id), None), ("GET", desk(vote_id, f"/sign-in?user_id={user_id(reps[1])}"), None),
             ("POST", desk(vote_id, "/sign-in"), {"user_id": str(user_id(reps[1])), "confirm": "yes"}),
             ("GET", desk(vote_id, "/box"), None), ("POST", desk(vote_id, "/box"), {"confirm": "yes"}),
             ("POST", desk(vote_id, "/entries"), reading(1, "1", {ids[0]: "approve"})),
             ("POST", desk(vote_id, "/entries/1/reconcile"), reading(1, "1", {ids[0]: "approve"}))]
    before = db_fingerprint()
    for method, url, data in steps:
        for c in (rep, resident, other):
            r = c.get(url) if method == "GET" else c.post(url, data)
            assert r.status_code == 403, (url, r.status_code)
        assert "和顺社区" not in text_of(r.text) and "幸福里社区" in text_of(r.text)  # the vote's place is named
    assert db_fingerprint() == before


def test_the_database_freezes_the_box_and_the_entries(staff, make_user, clerks):
    from consult.voting.tables import PaperEntry

    vote_id, reps, ids = open_vote(staff, make_user, weights=("1",) * 3)
    for rep in reps:
        sign_in(staff, vote_id, rep)
    open_box(staff, vote_id)
    enter(clerks[0], vote_id, 5, "1", {ids[0]: "approve"})
    enter(clerks[1], vote_id, 5, "1", {ids[0]: "approve"})
    for sql in ("UPDATE paper_entry SET weight_cents = 900 WHERE vote = {}", "DELETE FROM paper_entry WHERE vote = {}",
                "DELETE FROM paper_box WHERE vote = {}", "UPDATE participation SET channel = 'online' WHERE vote = {}"):
        with pytest.raises(Exception):
            run(PaperEntry.raw(sql, vote_id))
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    with pytest.raises(Exception, match="entered only while"):
        run(PaperEntry.raw("INSERT INTO paper_entry (vote, serial, kind, weight_cents, choices, entered_by) "
                           "VALUES ({}, 6, 'entry', 100, {}, {})", vote_id, "{}", user_id(staff.username)))
    with pytest.raises(Exception, match="desk signs people in"):
        run(PaperEntry.raw("INSERT INTO participation (vote, \"user\", channel) VALUES ({}, {}, 'paper')",
                           vote_id, user_id(make_user("representative"))))
    assert run(PaperEntry.count().where(PaperEntry.vote == vote_id)) == 2
