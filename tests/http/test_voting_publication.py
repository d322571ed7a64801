"""Publication (issue 12): every published vote is recountable from `/ballots` and its recount
equals `/results`; the record is sealed with a SHA-256 and a quiet change of a ballot raises
an alarm instead of a changed result; the staff who manage votes are never on a roll; the
roll is public from opening and frozen."""

from __future__ import annotations

import hashlib
import json

import pytest

from consult.voting.counting import recount_record
from tests.conftest import run, text_of, user_id
from tests.http.test_voting import (
    add_candidate,
    audit_actions,
    candidate_ids,
    cast,
    create_vote,
    open_vote,
    set_roll,
    signed_in,
)


@pytest.fixture
def staff(client, make_user):
    client.username = make_user("staff")
    client.login(client.username)
    client.tc.cookies.set("lang", "en")
    return client


def publish(staff, vote_id):
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303


def sealed(vote_id) -> str:
    from consult.accounts.tables import AuditEntry

    row = run(AuditEntry.select(AuditEntry.detail).where(
        (AuditEntry.action == "vote.published") & (AuditEntry.target_id == str(vote_id))).first())
    detail = row["detail"] if isinstance(row["detail"], dict) else json.loads(row["detail"])
    return detail["ballots_sha256"]


def grant(username, role):
    from consult.accounts.tables import UserRole

    run(UserRole.insert(UserRole(user=user_id(username), role=role)))


# ---------------------------------------------------------------- recountable, sealed


CASES = {
    # name: (weights, settings, plans by candidate index)
    "secret majority, classes 1 and 2.5": (("1", "1", "1", "2.5", "2.5", "2.5"), {"seats": "2"},
                                           [{0: "approve", 1: "approve"}, {0: "oppose"}, {1: "approve"},
                                            {0: "approve", 2: "approve"}, {2: "oppose"}, {}]),
    "1, 1, 1 and a class of three 5s": (("1", "1", "1", "5", "5", "5"), {"seats": "1"},
                                        [{0: "approve"}, {1: "approve"}, {0: "approve"}, {1: "approve"},
                                         {0: "approve"}, {2: "approve"}]),
    "recorded, weights 1, 2, 7": (("1", "2", "7"), {"secrecy": "recorded", "seats": "2"},
                                  [{0: "approve"}, {0: "approve", 1: "approve"}, {2: "approve"}]),
    "secret equal shares": (("1", "1", "1", "2", "2", "2"), {"rule": "equal_shares", "budget": "600", "seats": "2"},
                            [{0: "approve", 1: "approve"}, {1: "approve"}, {2: "approve"}, {0: "approve"},
                             {0: "approve", 2: "approve"}, {}]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_published_vote_recounts_from_its_ballots_to_its_results_and_its_seal(case, staff, make_user,
                                                                                      new_client):
    weights, settings, plans = CASES[case]
    vote_id, reps, ids = open_vote(staff, make_user, weights=weights, **settings)
    for rep, plan in zip(reps, plans):
        assert cast(signed_in(new_client, rep), vote_id, {ids[i]: c for i, c in plan.items()}).status_code == 200
    publish(staff, vote_id)

    visitor = new_client()
    visitor.tc.cookies.set("lang", "en")
    download = visitor.get(f"/api/v1/votes/{vote_id}/ballots")
    assert download.status_code == 200 and download.headers["content-type"].startswith("application/json")
    ballots = download.json()
    assert len(ballots["ballots"]) == len(plans)  # every ballot, with its receipt and weight: nothing withheld
    assert all(set(b) == ({"receipt", "weight", "choices", "voter"} if "recorded" in case else
                          {"receipt", "weight", "choices"}) for b in ballots["ballots"])
    results = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    digest = hashlib.sha256(download.content).hexdigest()  # what `sha256sum ballots.json` prints
    assert results["ballots_sha256"] == digest == sealed(vote_id)
    assert recount_record(download.content) == results  # the recount of the download IS /results
    # the canonical form: sorted keys, no spaces, UTF-8
    assert download.content == json.dumps(ballots, ensure_ascii=False, sort_keys=True,
                                          separators=(",", ":")).encode()
    page = visitor.get(f"/votes/{vote_id}")
    assert digest in page.text and "sealed when the result was published" in text_of(page.text)


# ---------------------------------------------------------------- a quiet change of the record


def _drop_ballot_guards():
    """Drop every trigger on ballot but the content-revision ones (another change adds triggers
    that refuse UPDATE; the attacker here is the database owner, who can drop them)."""
    from consult import db
    from consult.voting.tables import Ballot

    if db.is_sqlite():
        rows = run(Ballot.raw("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ballot'"))
        for r in rows:
            run(Ballot.raw(f'DROP TRIGGER IF EXISTS "{r["name"]}"'))
    else:
        rows = run(Ballot.raw("SELECT tgname FROM pg_trigger WHERE tgrelid = 'ballot'::regclass AND NOT tgisinternal"))
        for r in rows:
            run(Ballot.raw(f'DROP TRIGGER IF EXISTS "{r["tgname"]}" ON ballot'))


def _tamper(vote_id, candidate_id):
    """UPDATE ballot SET choices = ... on one published ballot, as finding 7 did."""
    from consult.voting.tables import Ballot

    _drop_ballot_guards()
    row = run(Ballot.raw("SELECT id, choices FROM ballot WHERE vote = {} ORDER BY receipt LIMIT 1", vote_id))[0]
    choices = row["choices"] if isinstance(row["choices"], dict) else json.loads(row["choices"])
    choices[candidate_id] = "approve" if choices[candidate_id] != "approve" else "oppose"
    run(Ballot.raw("UPDATE ballot SET choices = {} WHERE id = {}", json.dumps(choices), row["id"]))


def _assert_alarm(visitor, vote_id, seal):
    results = visitor.get(f"/api/v1/votes/{vote_id}/results")
    assert results.status_code == 409
    detail = results.json()["detail"]
    assert seal in detail and "no longer match" in detail
    assert visitor.get(f"/api/v1/votes/{vote_id}/ballots").status_code == 409
    assert visitor.get(f"/votes/{vote_id}/results.csv").status_code == 409
    page = visitor.get(f"/votes/{vote_id}")
    text = text_of(page.text)
    assert page.status_code == 200 and 'role="alert"' in page.text
    assert "no longer match the record sealed when it was published" in text and seal in text
    assert "Turnout:" not in text and "Download the ballots" not in text  # no changed result shown


def test_a_ballot_changed_after_publication_shows_an_alarm_after_a_restart(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user, weights=("1", "1", "1"), seats="1")
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {ids[0]: "approve"})
    publish(staff, vote_id)
    visitor = new_client()
    visitor.tc.cookies.set("lang", "en")
    before = visitor.get(f"/api/v1/votes/{vote_id}/results").json()
    assert before["elected"] == [ids[0]]
    _tamper(vote_id, ids[0])

    from consult.cache import clear_all

    clear_all()  # a restart: every worker reads the published record afresh
    _assert_alarm(visitor, vote_id, before["ballots_sha256"])


def test_a_ballot_changed_while_the_app_runs_shows_the_alarm_at_the_next_check(monkeypatch, staff, make_user,
                                                                              new_client):
    from consult.voting import record

    vote_id, reps, ids = open_vote(staff, make_user, weights=("1", "1", "1"), seats="1")
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {ids[1]: "approve"})
    publish(staff, vote_id)
    visitor = new_client()
    visitor.tc.cookies.set("lang", "en")
    seal = visitor.get(f"/api/v1/votes/{vote_id}/results").json()["ballots_sha256"]  # cached from here
    _tamper(vote_id, ids[1])
    assert visitor.get(f"/api/v1/votes/{vote_id}/results").status_code == 200  # within RECHECK_SECONDS
    monkeypatch.setattr(record, "RECHECK_SECONDS", 0.0)
    visitor.get(f"/votes/{vote_id}")  # this view re-reads and re-hashes the ballots
    _assert_alarm(visitor, vote_id, seal)


# ---------------------------------------------------------------- separation of duties on the roll


def test_staff_and_admins_cannot_be_put_on_a_roll(staff, make_user):
    vote_id = create_vote(staff)
    manager = make_user("staff", "representative")  # finding 4: staff who also hold representative
    admin_rep = make_user("admin", "representative")
    page = staff.get(f"/staff/votes/{vote_id}").text
    assert manager not in page and admin_rep not in page  # not offered for the roll
    r = staff.post(f"/staff/votes/{vote_id}/roll", {"user_id": str(user_id(manager)), "weight": "9999.99"})
    assert r.status_code == 409 and manager in text_of(r.text) and "cannot be on a roll" in text_of(r.text)
    reps = [make_user("representative") for _ in range(3)]
    text = "username,weight\n" + "\n".join(f"{u},1" for u in [*reps, admin_rep])
    r = staff.post(f"/staff/votes/{vote_id}/roll/csv", data={"csv_text": text})
    assert r.status_code == 409 and admin_rep in text_of(r.text)
    from consult.voting.tables import RollEntry

    assert run(RollEntry.count().where(RollEntry.vote == vote_id)) == 0  # nothing was written


def test_a_representative_who_becomes_staff_stops_the_vote_opening_and_cannot_cast(staff, make_user, new_client):
    vote_id = create_vote(staff)
    for i in range(3):
        add_candidate(staff, vote_id, f"候选项目 {i + 1} 号")
    reps = [make_user("representative") for _ in range(4)]
    set_roll(staff, vote_id, [(u, "1") for u in reps])
    grant(reps[0], "staff")  # roles can change after the roll is set
    r = staff.post(f"/staff/votes/{vote_id}/open")
    assert r.status_code == 409 and reps[0] in text_of(r.text)
    assert staff.post(f"/staff/votes/{vote_id}/roll/{user_id(reps[0])}/remove").status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    grant(reps[1], "admin")  # and after the vote opens
    voter = signed_in(new_client, reps[1])
    ids = candidate_ids(vote_id)
    r = cast(voter, vote_id, {ids[0]: "approve"})
    assert r.status_code == 403
    from consult.voting.tables import Ballot

    assert run(Ballot.count().where(Ballot.vote == vote_id)) == 0


def test_the_roll_is_public_from_opening_frozen_and_every_change_before_is_audited(staff, make_user, new_client):
    from consult.accounts.tables import AuditEntry

    vote_id = create_vote(staff)
    for i in range(3):
        add_candidate(staff, vote_id, f"候选项目 {i + 1} 号")
    reps = [make_user("representative") for _ in range(4)]
    set_roll(staff, vote_id, [(u, "2") for u in reps[:3]])
    assert staff.post(f"/staff/votes/{vote_id}/roll", {"user_id": str(user_id(reps[3])), "weight": "2"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/roll/{user_id(reps[3])}/remove").status_code == 303
    details = {r["action"]: (r["detail"] if isinstance(r["detail"], dict) else json.loads(r["detail"])) for r in run(
        AuditEntry.select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.target_id == str(vote_id)))}
    assert details["vote.roll_imported"]["entries"] == [[u, "2.00"] for u in reps[:3]]
    assert details["vote.roll_set"]["weight"] == "2.00" and details["vote.roll_removed"]["weight"] == "2"
    visitor = new_client()
    assert visitor.get(f"/api/v1/votes/{vote_id}").status_code == 404  # a draft is not public
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303

    doc = visitor.get(f"/api/v1/votes/{vote_id}").json()
    assert sorted((r["display_name"], r["weight"]) for r in doc["roll"]) == sorted((u.upper(), "2") for u in reps[:3])
    assert all(set(r) == {"display_name", "weight"} for r in doc["roll"])  # no sign-in name (may be a phone number)
    page = text_of(visitor.get(f"/votes/{vote_id}").text)
    assert all(f"{u.upper()} ·" in page and u not in page for u in reps[:3])
    # frozen: every roll change after opening is refused, and nothing changes
    before = audit_actions(vote_id)
    assert staff.post(f"/staff/votes/{vote_id}/roll", {"user_id": str(user_id(reps[3])), "weight": "2"}).status_code == 409
    assert staff.post(f"/staff/votes/{vote_id}/roll/{user_id(reps[0])}/remove").status_code == 409
    r = staff.post(f"/staff/votes/{vote_id}/roll/csv", data={"csv_text": f"{reps[3]},2"})
    assert r.status_code == 409
    assert visitor.get(f"/api/v1/votes/{vote_id}").json()["roll"] == doc["roll"]
    assert audit_actions(vote_id) == before
