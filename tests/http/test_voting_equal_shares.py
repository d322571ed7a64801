"""Counting rule equal_shares over HTTP: staff choose it (and the add_one completion), representatives
cast, staff close and publish; the results page explains why each project was or was not bought, and
the published result agrees with a recount of the published ballots (in process and with `consult recount -`)."""

from __future__ import annotations

import json
import subprocess
import sys

from consult.voting.counting import recount_json, recount_record
from tests.conftest import ROOT, run, text_of
from tests.http.test_voting import (  # helpers and the `staff` fixture, no tests
    RECEIPT_RE,
    add_candidate,
    candidate_ids,
    cast,
    create_vote,
    set_roll,
    signed_in,
    staff,  # noqa: F401  (fixture)
)

ES_PROJECTS = [  # (title, cost)
    ("社区食堂改造", 600),
    ("老旧小区加装电梯", 240),
    ("口袋公园", 100),
    ("地下车库翻新", 1000),
    ("志愿者义务理发", 0),
    ("楼道照明", 50),
]


def setup_vote(staff, make_user, weights, budget, secrecy="secret", completion="", projects=ES_PROJECTS):
    vote_id = create_vote(staff, rule="equal_shares", budget=str(budget), seats="3", secrecy=secrecy,
                          completion=completion)
    for title, cost in projects:
        add_candidate(staff, vote_id, title, cost=cost)
    reps = [make_user("representative") for _ in weights]
    set_roll(staff, vote_id, list(zip(reps, weights)))
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    return vote_id, reps, candidate_ids(vote_id)


def cast_all(new_client, vote_id, reps, plans):
    receipts = []
    for rep, plan in zip(reps, plans):
        r = cast(signed_in(new_client, rep), vote_id, plan)
        assert r.status_code == 200, text_of(r.text)[:1000]
        receipts.append(RECEIPT_RE.search(r.text).group(0))
    return receipts


def close_and_publish(staff, vote_id):
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303


def cli_recount(text: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "consult.cli", "recount", "-"], input=text, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def approve(*ids):
    return {cid: "approve" for cid in ids}


def test_staff_settings_for_equal_shares_are_checked(staff):
    r = staff.post("/staff/votes", {"title": "均等份额票决", "year": "2026", "seats": "2", "budget": "",
                                    "basis": "enrolled", "threshold": "1/2", "secrecy": "secret",
                                    "public_weight": "0", "rule": "equal_shares"})
    assert r.status_code == 400 and 'id="e-budget"' in r.text  # equal shares needs a budget
    r = staff.post("/staff/votes", {"title": "多数票决", "year": "2026", "seats": "2", "budget": "100",
                                    "basis": "enrolled", "threshold": "1/2", "secrecy": "secret",
                                    "public_weight": "0", "rule": "majority", "completion": "add_one"})
    assert r.status_code == 400 and 'id="e-completion"' in r.text
    assert "补足方式只适用于均等份额规则" in text_of(r.text)
    r = staff.post("/staff/votes", {"title": "均等份额票决", "year": "2026", "seats": "2", "budget": "100",
                                    "basis": "enrolled", "threshold": "1/2", "secrecy": "secret",
                                    "public_weight": "0", "rule": "equal_shares", "completion": "add_two"})
    assert r.status_code == 400 and 'id="e-completion"' in r.text
    vote_id = create_vote(staff, rule="equal_shares", budget="100", completion="add_one")
    page = staff.get(f"/staff/votes/{vote_id}").text
    assert '<option value="add_one" selected' in page
    # the rules can be changed back while the vote is a draft
    form = {"title": "均等份额票决", "year": "2026", "seats": "2", "budget": "100", "basis": "enrolled",
            "threshold": "1/2", "secrecy": "secret", "public_weight": "0", "rule": "equal_shares", "completion": ""}
    assert staff.post(f"/staff/votes/{vote_id}/settings", form).status_code == 303
    from consult.voting.tables import Vote

    assert run(Vote.select(Vote.completion).where(Vote.id == vote_id).first())["completion"] is None


def test_equal_shares_vote_published_explained_and_recounted(staff, make_user, new_client):
    # weights: three of 1 and three of 2 (no weight held by fewer than 3: the ballots are published);
    # budget 900 over weight 9: 100 yuan per unit of weight
    vote_id, reps, ids = setup_vote(staff, make_user, ("1", "1", "1", "2", "2", "2"), budget=900)
    c0, c1, c2, c3, c4, c5 = ids
    plans = [
        approve(c1, c2), approve(c1, c2), approve(c1, c3),  # weight 1 each
        approve(c0, c1), approve(c0, c4), approve(c0),  # weight 2 each
    ]
    receipts = cast_all(new_client, vote_id, reps, plans)
    close_and_publish(staff, vote_id)

    visitor = new_client()
    results = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    # round 1: c0 (600 yuan, supporters' weight 6) costs 100 per unit of weight, rho 1/6, beating c1 (240 / 5 = 48
    # per unit, rho 1/5); its supporters are then broke. Round 2: c1's supporter of weight 2 has nothing left, the
    # three of weight 1 pay 80 each: rho 1/3, 3 of its 4 supporters paid. c2's supporters have 20 + 20 < 100.
    assert results["elected"] == [c0, c1] and results["budget_used"] == 840
    assert [c["status"] for c in results["candidates"]] == ["elected", "elected"] + ["not_elected"] * 4
    assert results["tied"] == [] and results["vacant_seats"] == 0
    es = results["equal_shares"]
    assert es["completion"] is None and es["voter_budget"] == "100"
    by_id = {c["id"]: c for c in es["candidates"]}
    assert by_id[c0] == {"id": c0, "elected": True, "supporters": 3, "supporter_weight": "6", "round": 1,
                         "rho": "1/6", "max_payment": "100", "payers": 3, "payers_weight": "6"}
    assert by_id[c1]["round"] == 2 and by_id[c1]["rho"] == "1/3" and by_id[c1]["payers"] == 3
    assert by_id[c1]["supporters"] == 4 and by_id[c1]["max_payment"] == "80"
    assert by_id[c2]["reason"] == "supporters_cannot_afford" and by_id[c2]["available"] == "40"
    assert by_id[c3]["reason"] == "cost_exceeds_budget"
    assert by_id[c4]["reason"] == "zero_cost"
    assert by_id[c5]["reason"] == "no_supporters" and by_id[c5]["supporters"] == 0

    download = visitor.get(f"/api/v1/votes/{vote_id}/ballots")
    ballots = download.json()
    assert ballots["rule"] == "equal_shares" and ballots["budget"] == 900 and "completion" not in ballots
    assert sorted(b["receipt"] for b in ballots["ballots"]) == sorted(receipts)
    assert recount_record(download.content) == results
    assert cli_recount(download.text) == results  # the seal included: the exact published bytes

    page = visitor.get(f"/votes/{vote_id}")
    assert page.status_code == 200 and "style=" not in page.text
    zh = text_of(page.text)
    assert "各项目入选或未入选的原因" in zh
    assert "每单位投票权重分得 100 元：预算 900 元除以投票总权重 9。" in zh
    assert "第 1 轮入选：赞成它的 3 位代表中有 3 位为它付费。ρ = 1/6" in zh
    assert "第 2 轮入选：赞成它的 4 位代表中有 3 位为它付费。ρ = 1/3：付得最多的代表每单位权重支付其费用的 1/3，即 80 元。" in zh
    assert "未入选：赞成它的 2 位代表剩余份额合计只有 40 元，不足其费用 100 元。" in zh
    assert "未入选：其费用 1,000 元超过全部预算 900 元。" in zh
    assert "未入选：该项目费用为零。" in zh
    assert "未入选：没有代表赞成该项目。" in zh
    # the rule in plain words, and no majority wording that does not apply
    assert "计票规则：均等份额" in zh and "ρ（rho）" in zh
    for code in receipts:
        assert code in page.text

    visitor.get(f"/lang/en?next=/votes/{vote_id}")
    en = text_of(visitor.get(f"/votes/{vote_id}").text)
    assert "Why each project was or was not bought" in en
    assert ("Bought in round 2: of the representatives who approved it (4), 3 paid for it. ρ = 1/3: those who "
            "paid the most paid 1/3 of its cost per unit of weight, that is 80 yuan.") in en
    assert "Not bought: no representative approved it." in en
    assert "Not bought: its cost of 1,000 yuan is more than the whole budget of 900 yuan." in en
    assert ("Not bought: the representatives who approved it (2) had only 40 yuan of their shares left, less "
            "than its cost of 100 yuan.") in en
    assert "Counting rule: equal shares." in en
    assert "A project needed approving weight" not in en and "A tie for the last seat" not in en


def test_equal_shares_with_add_one_completion_carries_it_to_the_recount(staff, make_user, new_client):
    # recorded ballots (weights 1, 2, 1 would be recognisable in secret mode); budget 300 over weight 4
    projects = [("社区食堂改造", 200), ("老旧小区加装电梯", 100), ("地下车库翻新", 400), ("义务理发", 0),
                ("楼道照明", 50), ("口袋公园", 150)]
    vote_id, reps, ids = setup_vote(staff, make_user, ("1", "2", "1"), budget=300, secrecy="recorded",
                                    completion="add_one", projects=projects)
    c0, c1, c2, c3, c4, c5 = ids
    # no two projects ever have the same rho, so the candidate ids (tie-break) do not matter
    cast_all(new_client, vote_id, reps, [approve(c0, c1, c2), approve(c0, c3, c5), approve(c1)])
    close_and_publish(staff, vote_id)

    visitor = new_client()
    download = visitor.get(f"/api/v1/votes/{vote_id}/ballots")
    ballots = download.json()
    assert ballots["completion"] == "add_one"
    results = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    assert recount_record(download.content) == results
    assert cli_recount(download.text) == results
    # plain equal shares buys c0 only; raising the shares (75 -> 84 yuan per unit of weight) also buys c1
    assert results["elected"] == [c0, c1] and results["budget_used"] == 300
    assert results["equal_shares"]["completion"] == "add_one" and results["equal_shares"]["voter_budget"] == "84"
    without = dict(ballots)
    del without["completion"]
    assert json.loads(recount_json(json.dumps(without)))["elected"] == [c0]

    zh = text_of(visitor.get(f"/votes/{vote_id}").text)
    assert "“逐步加一”补足：" in zh
    assert "“逐步加一”补足把每份额提高了 9 元，达到 84 元。" in zh


def test_majority_results_have_no_equal_shares_key(staff, make_user, new_client):
    vote_id = create_vote(staff, seats="1")
    for title in ("项目甲一号", "项目乙二号"):
        add_candidate(staff, vote_id, title)
    reps = [make_user("representative") for _ in range(3)]
    set_roll(staff, vote_id, [(u, "1") for u in reps])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    ids = candidate_ids(vote_id)
    cast_all(new_client, vote_id, reps, [approve(ids[0])] * 3)
    close_and_publish(staff, vote_id)
    visitor = new_client()
    results = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    assert "equal_shares" not in results and results["elected"] == [ids[0]]
    ballots = visitor.get(f"/api/v1/votes/{vote_id}/ballots").json()
    assert "completion" not in ballots
    assert "各项目入选或未入选的原因" not in visitor.get(f"/votes/{vote_id}").text
