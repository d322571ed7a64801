"""Deleting a draft vote (issue 14, "missing things"): staff only, after a confirmation page,
audited; only in state draft (never once it opened, so never with ballots); its candidates
and roll go with it; a vote of a place the staff member's role does not reach is refused.
Every refusal changes nothing."""

from __future__ import annotations

from consult.accounts.tables import AuditEntry
from consult.voting.tables import Candidate, RollEntry, Vote
from tests.conftest import run, text_of
from tests.http._world import db_fingerprint
from tests.http.test_voting import add_candidate, create_vote, open_vote, set_roll, signed_in, staff  # noqa: F401


def _draft(staff, make_user) -> int:
    vote_id = create_vote(staff, seats="2")
    add_candidate(staff, vote_id, "加装电梯补贴")
    add_candidate(staff, vote_id, "修缮屋顶")
    set_roll(staff, vote_id, [(make_user("representative"), "1") for _ in range(3)])
    return vote_id


def _exists(vote_id: int) -> bool:
    return bool(run(Vote.exists().where(Vote.id == vote_id)))


def test_staff_delete_a_draft_after_confirming(staff, make_user):
    vote_id = _draft(staff, make_user)
    manage = staff.get(f"/staff/votes/{vote_id}")
    assert f'href="/staff/votes/{vote_id}/delete"' in manage.text
    before = db_fingerprint()
    for form in ({}, {"confirm": "no"}):  # one tap: sent to the confirmation, nothing changes
        r = staff.post(f"/staff/votes/{vote_id}/delete", form)
        assert r.status_code == 303 and r.headers["location"] == f"/staff/votes/{vote_id}/delete"
    assert db_fingerprint() == before
    page = staff.get(f"/staff/votes/{vote_id}/delete")
    assert page.status_code == 200 and 'name="confirm" value="yes"' in page.text
    assert "候选项目（2 个）和代表名册（3 人）" in text_of(page.text)
    r = staff.post(f"/staff/votes/{vote_id}/delete", {"confirm": "yes"})
    assert r.status_code == 303 and r.headers["location"] == "/staff/votes"
    assert not _exists(vote_id)
    assert run(Candidate.count().where(Candidate.vote == vote_id)) == 0
    assert run(RollEntry.count().where(RollEntry.vote == vote_id)) == 0
    entry = run(AuditEntry.select(AuditEntry.detail).where(
        (AuditEntry.action == "vote.deleted") & (AuditEntry.target_id == str(vote_id))).first())
    assert entry is not None and "加装电梯补贴" in str(entry["detail"])
    assert staff.get(f"/staff/votes/{vote_id}").status_code == 404


def test_an_open_vote_with_ballots_is_never_deleted(staff, make_user, new_client):
    from tests.http.test_voting import cast

    vote_id, reps, ids = open_vote(staff, make_user)
    assert cast(signed_in(new_client, reps[0]), vote_id, {ids[0]: "approve"}).status_code in (200, 303)
    assert f'/staff/votes/{vote_id}/delete"' not in staff.get(f"/staff/votes/{vote_id}").text
    before = db_fingerprint()
    assert staff.get(f"/staff/votes/{vote_id}/delete").status_code == 409
    assert staff.post(f"/staff/votes/{vote_id}/delete", {"confirm": "yes"}).status_code == 409
    assert db_fingerprint() == before and _exists(vote_id)


def test_only_staff_and_only_of_the_votes_place(staff, make_user, new_client, community):
    vote_id = _draft(staff, make_user)
    rep, resident = signed_in(new_client, make_user("representative")), signed_in(new_client, make_user("resident"))
    # a vote of 和顺社区: the staff of 幸福里社区 (the fixture's staff) does not reach it
    other = create_vote(staff, seats="1")
    run(Vote.update({Vote.place: community["communities"]["和顺社区"]["id"]}).where(Vote.id == other))
    before = db_fingerprint()
    for c in (rep, resident):
        assert c.get(f"/staff/votes/{vote_id}/delete").status_code == 403
        assert c.post(f"/staff/votes/{vote_id}/delete", {"confirm": "yes"}).status_code == 403
    r = staff.post(f"/staff/votes/{other}/delete", {"confirm": "yes"})
    assert r.status_code == 403, r.text[:300]
    assert staff.get(f"/staff/votes/{other}/delete").status_code == 403
    assert db_fingerprint() == before and _exists(vote_id) and _exists(other)
