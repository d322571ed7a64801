"""Voting HTTP stories: staff set up and run a vote, representatives cast, visitors read and recount."""

from __future__ import annotations

import json
import re

import pytest

from consult.voting.counting import recount_record
from tests.conftest import run, text_of, user_id


# ---------------------------------------------------------------- helpers


def create_vote(c, **over) -> int:
    data = {"title": "2026 年度民生实事项目票决", "year": "2026", "seats": "2", "budget": "", "basis": "enrolled",
            "threshold": "1/2", "secrecy": "secret", "public_weight": "0", "rule": "majority"}
    data.update(over)
    r = c.post("/staff/votes", data)
    assert r.status_code == 303, r.text[:2000]
    return int(r.headers["location"].rsplit("/", 1)[1])


def add_candidate(c, vote_id, title, cost=100, support=0, expect=303):
    r = c.post(f"/staff/votes/{vote_id}/candidates",
               {"title": title, "description": "说明 " + title, "cost": str(cost), "support": str(support)})
    assert r.status_code == expect, r.text[:2000]
    return r


def set_roll(c, vote_id, rows: list[tuple[str, str]]):
    text = "username,weight\n" + "\n".join(f"{u},{w}" for u, w in rows)
    r = c.post(f"/staff/votes/{vote_id}/roll/csv", data={"csv_text": text})
    assert r.status_code == 303, text_of(r.text)[:2000]


def candidate_ids(vote_id) -> list[str]:
    from consult.voting.tables import Candidate

    rows = run(Candidate.select(Candidate.id).where(Candidate.vote == vote_id).order_by(Candidate.position))
    return [str(r["id"]) for r in rows]


def ballot_form(choices: dict[str, str]) -> dict:
    return {f"c_{cid}": choice for cid, choice in choices.items()}


def counts(vote_id):
    from consult.voting.tables import Ballot, Participation

    return (run(Ballot.count().where(Ballot.vote == vote_id)),
            run(Participation.count().where(Participation.vote == vote_id)))


def audit_actions(vote_id):
    from consult.accounts.tables import AuditEntry

    rows = run(AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.target_type == "vote") & (AuditEntry.target_id == str(vote_id))).order_by(AuditEntry.id))
    return [r["action"] for r in rows]


@pytest.fixture
def staff(client, make_user):
    client.username = make_user("staff")
    client.login(client.username)
    return client


def signed_in(new_client, username):
    c = new_client()
    c.login(username)
    return c


def open_vote(staff, make_user, n_candidates=3, weights=("1", "1", "1"), **settings):
    """A vote opened by staff with direct candidates and a roll of new representatives."""
    vote_id = create_vote(staff, **settings)
    for i in range(n_candidates):
        add_candidate(staff, vote_id, f"候选项目 {i + 1} 号", cost=100 * (i + 1), support=i)
    reps = [make_user("representative") for _ in weights]
    set_roll(staff, vote_id, list(zip(reps, weights)))
    r = staff.post(f"/staff/votes/{vote_id}/open")
    assert r.status_code == 303, text_of(r.text)[:1000]
    return vote_id, reps, candidate_ids(vote_id)


def cast(c, vote_id, choices):
    return c.post(f"/votes/{vote_id}/ballot", ballot_form(choices))


RECEIPT_RE = re.compile(r"[0-9a-f]{4}(?:-[0-9a-f]{4}){4}")


# ---------------------------------------------------------------- staff story


def test_staff_create_vote_add_candidates_and_roll_see_warnings_and_open(staff, make_user):
    vote_id = create_vote(staff, seats="2")
    add_candidate(staff, vote_id, "加装电梯补贴")
    add_candidate(staff, vote_id, "社区食堂")
    reps = [make_user("representative") for _ in range(2)]
    staff.post(f"/staff/votes/{vote_id}/roll", {"user_id": str(user_id(reps[0])), "weight": "1.5"})
    staff.post(f"/staff/votes/{vote_id}/roll", {"user_id": str(user_id(reps[1])), "weight": "2"})
    page = text_of(staff.get(f"/staff/votes/{vote_id}").text)
    assert "3.5" in page  # total roll weight
    # warnings: fewer than K+1 candidates, weights held by fewer than 3 (secret ballot)
    assert "至少需要 3 个候选项目" in page or "at least 3 candidates" in page
    assert "1.5, 2" in page and "无记名" in page
    # opening refused without K+1 candidates (差额) and without "equal number"
    r = staff.post(f"/staff/votes/{vote_id}/open")
    assert r.status_code == 409
    add_candidate(staff, vote_id, "口袋公园")
    # a secret vote whose weights 1.5 and 2 are each held by one person does not open
    r = staff.post(f"/staff/votes/{vote_id}/open")
    assert r.status_code == 409 and "1.5, 2" in text_of(r.text)
    form = {"title": "2026 年度民生实事项目票决", "year": "2026", "seats": "2", "budget": "", "basis": "enrolled",
            "threshold": "1/2", "secrecy": "recorded", "public_weight": "0", "rule": "majority"}
    assert staff.post(f"/staff/votes/{vote_id}/settings", form).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303  # recorded mode is exempt
    actions = audit_actions(vote_id)
    assert actions[0] == "vote.created"
    assert actions.count("vote.candidate_added") == 3 and actions.count("vote.roll_set") == 2
    assert actions[-1] == "vote.opened"


def test_equal_number_needs_a_reason_and_then_allows_opening(staff, make_user):
    r = staff.post("/staff/votes", {"title": "等额票决测试", "year": "2026", "seats": "1", "basis": "enrolled",
                                    "threshold": "1/2", "secrecy": "secret", "public_weight": "0",
                                    "equal_number": "1", "equal_number_reason": ""})
    assert r.status_code == 400 and 'aria-invalid="true"' in r.text
    vote_id = create_vote(staff, seats="1", equal_number="1", equal_number_reason="只有一个成熟项目")
    add_candidate(staff, vote_id, "唯一项目")
    set_roll(staff, vote_id, [(make_user("representative"), "1") for _ in range(3)])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303


def test_create_vote_rejects_bad_settings_and_saves_nothing(staff):
    from consult.voting.tables import Vote

    before = run(Vote.count())
    r = staff.post("/staff/votes", {"title": "x", "year": "1999", "seats": "0", "budget": "-5", "basis": "all",
                                    "threshold": "3/2", "secrecy": "open", "public_weight": "0.9"})
    assert r.status_code == 400
    assert r.text.count('aria-invalid="true"') >= 7
    assert run(Vote.count()) == before


def test_roll_csv_bad_rows_are_reported_by_line_and_nothing_is_imported(staff, make_user):
    vote_id = create_vote(staff)
    good = make_user("representative")
    resident = make_user("resident")
    set_roll(staff, vote_id, [(good, "1")])
    text = f"username,weight\n{good},2\nnobody_here,1\n{resident},1\n{good},3\n,abc\n"
    r = staff.post(f"/staff/votes/{vote_id}/roll/csv", data={"csv_text": text})
    assert r.status_code == 400
    page = text_of(r.text)
    for line in ("3", "4", "5", "6"):
        assert re.search(rf"(第 ?{line} ?行|Line {line}\b)", page), line
    from consult.voting.tables import RollEntry

    rows = run(RollEntry.select(RollEntry.weight_cents).where(RollEntry.vote == vote_id))
    assert rows == [{"weight_cents": 100}]  # unchanged


def test_roll_csv_file_upload_replaces_the_roll(staff, make_user):
    vote_id = create_vote(staff)
    a, b = make_user("representative"), make_user("representative")
    set_roll(staff, vote_id, [(a, "1")])
    content = f"\ufeff{a},2.5\n{b},1.25\n".encode()
    r = staff.post(f"/staff/votes/{vote_id}/roll/csv", files={"file": ("roll.csv", content, "text/csv")})
    assert r.status_code == 303, text_of(r.text)[:1000]
    from consult.voting.tables import RollEntry

    rows = run(RollEntry.select(RollEntry.user, RollEntry.weight_cents).where(RollEntry.vote == vote_id))
    assert sorted((r["user"], r["weight_cents"]) for r in rows) == sorted([(user_id(a), 250), (user_id(b), 125)])


def test_everything_is_frozen_once_open(staff, make_user):
    vote_id, reps, ids = open_vote(staff, make_user)
    from consult.voting.tables import Candidate, RollEntry, Vote

    before = (run(Vote.select().where(Vote.id == vote_id).first()), run(Candidate.count()), run(RollEntry.count()))
    settings = {"title": "改过的标题", "year": "2026", "seats": "3", "basis": "present", "threshold": "1/3",
                "secrecy": "recorded", "public_weight": "0"}
    attempts = [
        (f"/staff/votes/{vote_id}/settings", settings),
        (f"/staff/votes/{vote_id}/candidates", {"title": "新候选项目", "cost": "1"}),
        (f"/staff/votes/{vote_id}/candidates/{ids[0]}/remove", {}),
        (f"/staff/votes/{vote_id}/roll", {"user_id": str(user_id(make_user("representative"))), "weight": "1"}),
        (f"/staff/votes/{vote_id}/roll/{user_id(reps[0])}/remove", {}),
        (f"/staff/votes/{vote_id}/roll/csv", {"csv_text": f"{reps[0]},5"}),
        (f"/staff/votes/{vote_id}/open", {}),
        (f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}),
    ]
    for url, data in attempts:
        r = staff.post(url, data)
        assert r.status_code == 409, (url, r.status_code)
        assert "不能" in text_of(r.text) or "cannot" in r.text
    after = (run(Vote.select().where(Vote.id == vote_id).first()), run(Candidate.count()), run(RollEntry.count()))
    assert before == after


# ---------------------------------------------------------------- who may do what


def test_visitor_is_sent_to_sign_in_on_write_routes(client, staff, make_user, new_client):
    vote_id, _reps, _ids = open_vote(staff, make_user)
    visitor = new_client()
    for url in (f"/votes/{vote_id}/ballot", "/staff/votes", f"/staff/votes/{vote_id}"):
        r = visitor.get(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/auth/login?next="), url
    for url in (f"/votes/{vote_id}/ballot", f"/votes/{vote_id}/ballot/count", f"/votes/{vote_id}/reviews",
                "/staff/votes", f"/staff/votes/{vote_id}/close", f"/staff/votes/{vote_id}/candidates"):
        r = visitor.post(url, {})
        assert r.status_code == 303 and r.headers["location"].startswith("/auth/login"), url


def test_resident_and_committee_get_403_on_staff_routes(staff, make_user, new_client):
    vote_id, _reps, _ids = open_vote(staff, make_user)
    for role in ("resident", "committee", "representative"):
        c = signed_in(new_client, make_user(role))
        assert c.get("/staff/votes").status_code == 403
        assert c.get(f"/staff/votes/{vote_id}").status_code == 403
        for action in ("close", "publish", "settings", "candidates", "roll", "runoff"):
            assert c.post(f"/staff/votes/{vote_id}/{action}", {}).status_code == 403, (role, action)
        assert c.post("/staff/votes", {"title": "不该创建的票决"}).status_code == 403
    resident = signed_in(new_client, make_user("resident"))
    assert resident.get(f"/votes/{vote_id}/ballot").status_code == 403
    assert cast(resident, vote_id, {}).status_code == 403
    assert counts(vote_id) == (0, 0)


def test_representative_not_on_the_roll_is_refused(staff, make_user, new_client):
    vote_id, _reps, ids = open_vote(staff, make_user)
    outsider = signed_in(new_client, make_user("representative"))
    r = outsider.get(f"/votes/{vote_id}/ballot")
    assert r.status_code == 403 and "名册" in text_of(r.text)
    r = cast(outsider, vote_id, {ids[0]: "approve"})
    assert r.status_code == 403
    assert counts(vote_id) == (0, 0)


def test_drafts_are_visible_to_staff_only(staff, make_user, new_client):
    vote_id = create_vote(staff, title="草稿中的票决")
    assert staff.get(f"/votes/{vote_id}").status_code == 200
    visitor = new_client()
    assert visitor.get(f"/votes/{vote_id}").status_code == 404
    assert "草稿中的票决" not in visitor.get("/votes").text
    assert visitor.get(f"/api/v1/votes/{vote_id}").status_code == 404
    assert all(v["id"] != vote_id for v in visitor.get("/api/v1/votes").json())


# ---------------------------------------------------------------- the ballot


def test_ballot_counter_block_for_htmx_and_whole_page_without_js(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[0])
    page = rep.get(f"/votes/{vote_id}/ballot")
    assert page.status_code == 200 and 'hx-post="/votes/%d/ballot/count"' % vote_id in page.text
    form = ballot_form({ids[0]: "approve", ids[1]: "approve", ids[2]: "approve"})
    block = rep.post(f"/votes/{vote_id}/ballot/count", form, headers={"HX-Request": "true"})
    assert block.status_code == 200
    assert block.text.lstrip().startswith('<p id="counter"') and "<html" not in block.text
    assert "3" in text_of(block.text) and "error" in block.text
    whole = rep.post(f"/votes/{vote_id}/ballot/count", ballot_form({ids[0]: "approve"}))
    assert "<html" in whole.text and 'value="approve" checked' in whole.text
    assert counts(vote_id) == (0, 0)


def test_more_than_k_approvals_is_refused_and_the_ballot_keeps_the_choices(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user, seats="2")
    rep = signed_in(new_client, reps[0])
    choices = {ids[0]: "approve", ids[1]: "approve", ids[2]: "approve"}
    for url in (f"/votes/{vote_id}/ballot/review", f"/votes/{vote_id}/ballot"):
        r = rep.post(url, ballot_form(choices))
        assert r.status_code == 400
        assert "最多只能赞成 2" in text_of(r.text) or "at most 2" in r.text
        assert r.text.count('value="approve" checked') == 3
    assert counts(vote_id) == (0, 0)


def test_review_step_then_cast_gives_a_receipt_and_a_second_cast_is_refused(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[0])
    review = rep.post(f"/votes/{vote_id}/ballot/review", ballot_form({ids[0]: "approve", ids[1]: "oppose"}))
    assert review.status_code == 200
    assert f'name="c_{ids[2]}" value="abstain"' in review.text  # unmarked counts as abstain
    r = cast(rep, vote_id, {ids[0]: "approve", ids[1]: "oppose"})
    assert r.status_code == 200
    receipt = RECEIPT_RE.search(r.text).group(0)
    assert counts(vote_id) == (1, 1)
    again = cast(rep, vote_id, {ids[2]: "approve"})
    assert again.status_code == 409 and "已经投过票" in text_of(again.text)
    assert rep.get(f"/votes/{vote_id}/ballot").status_code == 200  # Back after casting: "already cast" page
    assert counts(vote_id) == (1, 1)
    from consult.accounts.tables import AuditEntry
    from consult.voting.tables import Ballot

    from consult.voting import sealing

    row = run(Ballot.select().where(Ballot.vote == vote_id).first())
    assert row["voter"] is None  # secret: no link to the voter
    assert set(row) == {"id", "vote", "receipt", "weight_cents", "choices", "sealed", "voter"}  # no timestamp column
    # sealed while open: the unique column holds a keyed tag, the content is encrypted
    assert row["receipt"] == sealing.tag(vote_id, receipt) != receipt
    assert row["choices"] in ({}, "{}") and receipt not in row["sealed"] and "approve" not in row["sealed"]
    assert sealing.unseal(vote_id, row["sealed"]) == (receipt, {ids[0]: "approve", ids[1]: "oppose", ids[2]: "abstain"})
    details = run(AuditEntry.select(AuditEntry.detail).where(AuditEntry.action == "vote.ballot_cast"))
    assert all(receipt not in str(d["detail"]) for d in details)
    listing = text_of(rep.get("/votes").text)
    assert "您已投票" in listing or "You have voted" in listing


def test_nothing_but_publishing_after_close(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[0])
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    r = cast(rep, vote_id, {ids[0]: "approve"})
    assert r.status_code == 409
    assert counts(vote_id) == (0, 0)
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 409
    assert staff.post(f"/staff/votes/{vote_id}/candidates", {"title": "迟到的项目", "cost": "1"}).status_code == 409


# ---------------------------------------------------------------- publication and recount


def test_before_publication_only_existence_rules_and_candidates_are_public(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user, budget="500")
    cast(signed_in(new_client, reps[0]), vote_id, {ids[0]: "approve"})
    visitor = new_client()
    page = visitor.get(f"/votes/{vote_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "候选项目 1 号" in text and "500" in text and "1/2" in text
    assert 'id="board"' not in page.text and 'id="result"' not in page.text
    for url in (f"/api/v1/votes/{vote_id}/results", f"/api/v1/votes/{vote_id}/ballots",
                f"/votes/{vote_id}/results.csv"):
        r = visitor.get(url)
        assert r.status_code == 409, url
    assert "发布" in visitor.get(f"/api/v1/votes/{vote_id}/results").json()["detail"]
    detail = visitor.get(f"/api/v1/votes/{vote_id}").json()
    assert detail["state"] == "open" and len(detail["candidates"]) == 3 and detail["results_url"] is None


def test_full_story_publish_read_result_find_receipt_and_recount(staff, make_user, new_client):
    weights = ("1", "1", "1", "2.5", "2.5", "2.5", "2.5")
    vote_id, reps, ids = open_vote(staff, make_user, n_candidates=4, weights=weights, seats="2", budget="600")
    plans = [
        {ids[0]: "approve", ids[1]: "approve"},
        {ids[0]: "approve", ids[2]: "approve", ids[3]: "oppose"},
        {ids[1]: "approve", ids[0]: "oppose"},
        {ids[0]: "approve", ids[1]: "approve"},
        {ids[0]: "approve", ids[3]: "approve"},
        {ids[0]: "approve"},
    ]  # the seventh representative does not vote
    receipts = []
    for rep, plan in zip(reps, plans):
        r = cast(signed_in(new_client, rep), vote_id, plan)
        assert r.status_code == 200
        receipts.append(RECEIPT_RE.search(r.text).group(0))
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    assert audit_actions(vote_id)[-3:] == ["vote.closed", "vote.ballots_rewritten", "vote.published"]

    visitor = new_client()
    results = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    # approve weights: c0 = 1+1+2.5+2.5+2.5 = 9.5; c1 = 1+1+2.5 = 4.5; roll 13, threshold 6.5
    assert results["basis_weight"] == "13" and results["threshold_weight"] == "6.5"
    assert results["turnout"] == {"ballots": 6, "weight": "10.5"}
    by_id = {c["id"]: c for c in results["candidates"]}
    assert by_id[ids[0]]["approve"] == "9.5" and by_id[ids[0]]["oppose"] == "1" and by_id[ids[0]]["approve_count"] == 5
    assert by_id[ids[0]]["abstain"] == "0" and by_id[ids[0]]["abstain_count"] == 0
    assert by_id[ids[1]]["approve"] == "4.5" and by_id[ids[1]]["status"] == "failed"
    assert results["elected"] == [ids[0]] and results["vacant_seats"] == 1 and results["budget_used"] == 100

    download = visitor.get(f"/api/v1/votes/{vote_id}/ballots")
    ballots = download.json()
    assert sorted(b["receipt"] for b in ballots["ballots"]) == sorted(receipts)
    assert ballots["roll_weight"] == "13" and "voter" not in ballots["ballots"][0]
    assert [b["receipt"] for b in ballots["ballots"]] == sorted(receipts)  # ordered by receipt, not by time
    assert recount_record(download.content) == results  # the seal included: the exact published bytes

    page = visitor.get(f"/votes/{vote_id}")
    text = text_of(page.text)
    assert "<svg" in page.text and "style=" not in page.text
    assert "6.5" in text and "10.5" in text and "当选" in text and "空缺" in text
    for code in receipts:
        assert code in page.text
    found = visitor.get(f"/votes/{vote_id}/receipt", params={"code": receipts[2].upper().replace("-", " ")},
                        headers={"HX-Request": "true"})
    assert found.status_code == 200 and "<html" not in found.text and receipts[2] in found.text
    missing = visitor.get(f"/votes/{vote_id}/receipt", params={"code": "0000-0000-0000-0000-0000"})
    assert "找不到" in text_of(missing.text) or "Not found" in missing.text
    csv_text = visitor.get(f"/votes/{vote_id}/results.csv")
    assert csv_text.status_code == 200 and csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.lstrip("\ufeff").splitlines()[1].startswith(f"{ids[0]},候选项目 1 号,100,0,9.5,1,0,5,1,0,是,当选")
    # nothing changes after publication
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 409
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 409


def test_a_secret_vote_on_a_1_1_1_5_roll_does_not_open_and_the_page_explains_why_first(staff, make_user):
    """Finding 3: on a roll weighted 1, 1, 1, 5 the weight-5 ballot would be that person's own."""
    vote_id = create_vote(staff)
    for i in range(3):
        add_candidate(staff, vote_id, f"候选项目 {i + 1} 号")
    reps = [make_user("representative") for _ in range(4)]
    set_roll(staff, vote_id, list(zip(reps, ("1", "1", "1", "5"))))
    staff.tc.cookies.set("lang", "en")
    page = text_of(staff.get(f"/staff/votes/{vote_id}").text)
    # before anyone tries to open: the rule, and which weight breaks it
    assert "each weight on the roll is held by at least 3 representatives" in page
    assert "these weights are held by fewer: 5" in page
    r = staff.post(f"/staff/votes/{vote_id}/open")
    text = text_of(r.text)
    assert r.status_code == 409 and "held by fewer: 5" in text
    assert "classes of at least 3" in text and "recorded ballot" in text  # the two ways out
    assert audit_actions(vote_id)[-1] != "vote.opened"
    # way out 1: weight classes of at least 3 (the 5 banded with two others)
    extra = [make_user("representative") for _ in range(2)]
    set_roll(staff, vote_id, list(zip(reps + extra, ("1", "1", "1", "5", "5", "5"))))
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303


def test_recorded_ballots_publish_the_voter(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1", "2"), secrecy="recorded")
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {ids[1]: "approve"})
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"})
    download = new_client().get(f"/api/v1/votes/{vote_id}/ballots")
    # named by display name (make_user: the user name upper-cased), never the sign-in name
    assert sorted(b["voter"] for b in download.json()["ballots"]) == sorted(r.upper() for r in reps)
    results = new_client().get(f"/api/v1/votes/{vote_id}/results").json()
    assert recount_record(download.content) == results


def test_tie_at_the_last_seat_is_shown_and_staff_start_a_runoff(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user, n_candidates=3, weights=("1", "1", "1"), seats="1")
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {ids[0]: "approve"} if rep != reps[2] else {ids[1]: "approve"})
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"})
    results = new_client().get(f"/api/v1/votes/{vote_id}/results").json()
    assert results["elected"] == [ids[0]] and results["tied"] == []
    assert staff.post(f"/staff/votes/{vote_id}/runoff").status_code == 409  # no tie, no runoff

    vote_id, reps, ids = open_vote(staff, make_user, n_candidates=3, weights=("1", "1", "1", "1"), seats="1",
                                   threshold="1/3")
    for i, rep in enumerate(reps):  # c0 and c1 each approved by weight 2 of 4: a tie for the one seat
        assert cast(signed_in(new_client, rep), vote_id, {ids[0] if i < 2 else ids[1]: "approve"}).status_code == 200
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"})
    visitor = new_client()
    results = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    assert results["tied"] == sorted([ids[0], ids[1]]) and results["runoff_seats"] == 1 and results["elected"] == []
    page = text_of(visitor.get(f"/votes/{vote_id}").text)
    assert "并列" in page
    r = staff.post(f"/staff/votes/{vote_id}/runoff")
    assert r.status_code == 303
    runoff_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert staff.post(f"/staff/votes/{vote_id}/runoff").status_code == 409  # only one runoff
    detail = visitor.get(f"/api/v1/votes/{runoff_id}")
    assert detail.status_code == 404  # a draft until staff open it
    # the runoff is frozen to the tied candidates and the same roll
    assert staff.post(f"/staff/votes/{runoff_id}/candidates", {"title": "新来的项目", "cost": "1"}).status_code == 409
    assert staff.post(f"/staff/votes/{runoff_id}/open").status_code == 303
    detail = visitor.get(f"/api/v1/votes/{runoff_id}").json()
    assert detail["parent_id"] == vote_id and detail["round"] == 2 and detail["seats"] == 1
    assert sorted(c["title"] for c in detail["candidates"]) == ["候选项目 1 号", "候选项目 2 号"]
    runoff_ids = [c["id"] for c in detail["candidates"]]
    for rep in reps[:3]:
        assert cast(signed_in(new_client, rep), runoff_id, {runoff_ids[1]: "approve"}).status_code == 200
    staff.post(f"/staff/votes/{runoff_id}/close", {"confirm": "yes"})
    staff.post(f"/staff/votes/{runoff_id}/publish", {"confirm": "yes"})
    assert visitor.get(f"/api/v1/votes/{runoff_id}/results").json()["elected"] == [runoff_ids[1]]


def test_publish_moves_projects_through_the_topics_service(staff, make_user, new_client, monkeypatch, community):
    calls = []
    grid = community["grids"][0]  # the staff member's community: the vote's place

    async def annual_vote_projects():
        return [
            {"id": 9001, "title": "楼道照明改造", "scope": "全部楼道", "estimated_cost": 300, "support": 12,
             "responsible_unit": "物业", "grid": grid},
            {"id": 9002, "title": "儿童游乐场翻新", "scope": "中心花园", "estimated_cost": 500, "support": 30,
             "responsible_unit": "街道", "grid": grid},
        ]

    async def apply_vote_outcome(elected, not_elected, vote_id, actor_id):
        calls.append((sorted(elected), sorted(not_elected), vote_id, actor_id))

    monkeypatch.setattr("consult.voting.queries.annual_vote_projects", annual_vote_projects)
    monkeypatch.setattr("consult.voting.commands.apply_vote_outcome", apply_vote_outcome)

    vote_id = create_vote(staff, seats="1")
    page = staff.get(f"/staff/votes/{vote_id}")
    assert "楼道照明改造" in page.text
    r = staff.post(f"/staff/votes/{vote_id}/candidates/from-projects", {"topic": ["9001", "9002"]})
    assert r.status_code == 303
    add_candidate(staff, vote_id, "没有议题的项目")
    reps = [make_user("representative") for _ in range(3)]
    set_roll(staff, vote_id, [(u, "1") for u in reps])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    ids = candidate_ids(vote_id)
    from consult.voting.tables import Candidate

    topics = [r["topic"] for r in run(Candidate.select(Candidate.topic).where(Candidate.vote == vote_id).order_by(Candidate.position))]
    assert topics == [9001, 9002, None]
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {ids[1]: "approve", ids[0]: "oppose"})
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    # elected -> implementing, the rest -> not_elected; the candidate without a topic is skipped
    assert calls == [([9002], [9001], vote_id, user_id(staff.username))]


def test_publish_is_rolled_back_when_moving_projects_fails(staff, make_user, new_client, monkeypatch):
    async def apply_vote_outcome(elected, not_elected, vote_id, actor_id):
        raise RuntimeError("topics unavailable")

    monkeypatch.setattr("consult.voting.commands.apply_vote_outcome", apply_vote_outcome)
    vote_id, reps, ids = open_vote(staff, make_user)
    from consult.voting.tables import Candidate, Vote

    run(Candidate.update({Candidate.topic: 777}).where(Candidate.vote == vote_id))
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    r = staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"})
    assert r.status_code == 500
    assert run(Vote.select(Vote.state).where(Vote.id == vote_id).first())["state"] == "closed"


def test_publish_moves_real_topic_projects_to_implementing_and_not_elected(staff, make_user, community,
                                                                            new_client):
    from tests.http.test_topics_helpers import Topics, state_of

    topics = Topics(make_user, community)
    tids = [topics.create("project", funding_route="annual_vote", title=f"票决项目 {i}")[0] for i in range(3)]
    vote_id = create_vote(staff, seats="2")
    assert "Parking project" in staff.get(f"/staff/votes/{vote_id}").text  # the project sheet's title
    assert staff.post(f"/staff/votes/{vote_id}/candidates/from-projects",
                      {"topic": [str(t) for t in tids]}).status_code == 303
    reps = [make_user("representative") for _ in range(3)]
    set_roll(staff, vote_id, [(u, "1") for u in reps])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    ids = candidate_ids(vote_id)
    for rep in reps:  # topic 0 and 1 pass and are elected; topic 2 fails
        cast(signed_in(new_client, rep), vote_id, {ids[0]: "approve", ids[1]: "approve", ids[2]: "oppose"})
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    assert [state_of(t) for t in tids] == ["implementing", "implementing", "not_elected"]


# ---------------------------------------------------------------- year-end review


def test_year_end_review_by_representatives_on_the_roll(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user, seats="1")
    clients = [signed_in(new_client, rep) for rep in reps]
    for c in clients:
        cast(c, vote_id, {ids[0]: "approve"})
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"})
    assert clients[0].post(f"/votes/{vote_id}/reviews", {f"r_{ids[0]}": "satisfied"}).status_code == 303
    assert clients[1].post(f"/votes/{vote_id}/reviews", {f"r_{ids[0]}": "dissatisfied"}).status_code == 303
    again = clients[0].post(f"/votes/{vote_id}/reviews", {f"r_{ids[0]}": "dissatisfied"})
    assert again.status_code == 409
    not_elected = clients[2].post(f"/votes/{vote_id}/reviews", {f"r_{ids[1]}": "satisfied"})
    assert not_elected.status_code == 400
    outsider = signed_in(new_client, make_user("representative"))
    assert outsider.post(f"/votes/{vote_id}/reviews", {f"r_{ids[0]}": "satisfied"}).status_code == 403
    page = text_of(new_client().get(f"/votes/{vote_id}").text)
    assert "满意 1" in page and "不满意 1" in page and "50" in page


# ---------------------------------------------------------------- open data list


def test_api_lists_votes_with_their_rules(staff, make_user, new_client):
    vote_id, _reps, _ids = open_vote(staff, make_user, public_weight="1/5", budget="900")
    votes = new_client().get("/api/v1/votes").json()
    mine = next(v for v in votes if v["id"] == vote_id)
    assert mine["public_weight"] == "1/5" and mine["budget"] == 900 and mine["state"] == "open"
    schema = new_client().get("/api/schema/openapi.json").json()
    assert "/api/v1/votes/{vote_id}/ballots" in schema["paths"]


# ---------------------------------------------------------------- demo


def test_demo_votes_load_idempotently_with_a_published_result(app, community, new_client):
    from consult.accounts.demo import load_base
    from consult.voting import demo
    from consult.voting.tables import Vote

    run(load_base())
    first = run(demo.load())
    assert "published vote" in first and "open vote" in first
    assert run(demo.load()) == ""
    published = run(Vote.select().where(Vote.title == demo.PUBLISHED_TITLE).first())
    assert published["state"] == "published"
    visitor = new_client()
    results = visitor.get(f"/api/v1/votes/{published['id']}/results").json()
    statuses = sorted(c["status"] for c in results["candidates"])
    assert statuses == ["elected", "elected", "failed", "failed", "over_budget"] and results["vacant_seats"] == 1
    download = visitor.get(f"/api/v1/votes/{published['id']}/ballots")
    assert len(download.json()["ballots"]) == 6 and recount_record(download.content) == results
    opened = run(Vote.select().where(Vote.title == demo.OPEN_TITLE).first())
    assert opened["state"] == "open"
    rep = new_client()
    rep.login("demo_rep", password=demo.DEMO_PASSWORD)
    assert rep.get(f"/votes/{opened['id']}/ballot").status_code == 200
    # The street's vote (issue 13): open, at the street, its candidates from two other communities.
    from consult.voting.tables import Candidate

    street = run(Vote.select().where(Vote.title == demo.STREET_TITLE).first())
    assert street["state"] == "open" and street["place"] == community["street"]
    topics = [c["topic"] for c in run(Candidate.select(Candidate.topic).where(Candidate.vote == street["id"]))]
    grids = run(Vote.raw("SELECT grid FROM topic WHERE id IN (" + ", ".join(str(t) for t in topics) + ")"))
    places_of = {name: set(c["grids"]) for name, c in community["communities"].items()}
    assert {name for g in grids for name, ids in places_of.items() if g["grid"] in ids} == {"和顺社区", "新风社区"}
    heshun = new_client()
    heshun.login("heshun_rep", password=demo.DEMO_PASSWORD)
    assert heshun.get(f"/votes/{street['id']}/ballot").status_code == 200


def test_the_draft_manage_page_has_no_id_twice(staff, make_user):
    """Two forms there both have a title field: each label must point at its own input."""
    from collections import Counter

    vote_id = create_vote(staff)
    page = staff.get(f"/staff/votes/{vote_id}").text
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    assert 'for="c-f-title"' in page and 'id="c-f-title"' in page and 'id="f-title"' in page


def test_candidate_text_with_control_characters_is_refused_and_nothing_saved(staff):
    vote_id = create_vote(staff)
    before = len(candidate_ids(vote_id))
    r = add_candidate(staff, vote_id, "Bell\x07 tower repairs", expect=400)
    bad_title = staff.post("/staff/votes", {"title": "Vote\x1b title", "year": "2026", "seats": "1", "basis": "enrolled",
                                             "threshold": "1/2", "secrecy": "secret", "public_weight": "0",
                                             "rule": "majority"})
    assert bad_title.status_code == 400
    assert "Must not contain control characters." in r.text or "控制字符" in r.text
    r = staff.post(f"/staff/votes/{vote_id}/candidates",
                   {"title": "Line breaks are fine", "description": "one\r\ntwo\tthree\x1b[31m", "cost": "5"})
    assert r.status_code == 400 and len(candidate_ids(vote_id)) == before
    add_candidate(staff, vote_id, "Line breaks are fine")  # and a clean one goes in
    assert len(candidate_ids(vote_id)) == before + 1
