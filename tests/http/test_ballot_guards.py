"""A record nobody can quietly change (issue 12, finding 7): the database itself refuses to
change or remove a cast ballot or a participation record, except through the close-time
rewrite; and a receipt that happens to be taken is tried again, not "already cast"."""

from __future__ import annotations

import pytest

from consult import db
from tests.conftest import PASSWORD, run, user_id

_made = iter(range(10**6))


def _user(community, role: str) -> int:
    from consult.accounts.services import create_user

    name = f"guard_{role}_{next(_made)}"
    run(create_user(name, PASSWORD, [role], display_name=name, grid_id=community["grids"][0]))
    return user_id(name)


def _viewer(uid: int, role: str):
    from consult.accounts.services import load_viewer

    viewer = run(load_viewer(uid))  # the roles as granted, each at its place
    assert role in viewer.granted
    return viewer


def _open_vote(community, reps: int = 3):  # a secret vote opens with weight classes of at least 3
    from consult.voting import commands

    staff = _viewer(_user(community, "staff"), "staff")
    vote_id = run(commands.create_vote(staff, {
        "title": "guarded ballots", "year": "2026", "seats": "1", "budget": "", "basis": "enrolled", "threshold": "1/2",
        "secrecy": "secret", "public_weight": "0", "rule": "majority"}))
    for i in range(2):
        run(commands.add_candidate(staff, vote_id, {"title": f"project {i}", "cost": "100", "support": "0"}))
    voters = [_user(community, "representative") for _ in range(reps)]
    for uid in voters:
        run(commands.set_roll_entry(staff, vote_id, uid, "1"))
    run(commands.open_vote(staff, vote_id))
    cids = [str(c["id"]) for c in run(commands.candidates_of(vote_id))]
    return staff, vote_id, voters, cids


@pytest.fixture(scope="module")
def published(app, community):
    from consult.voting import commands

    staff, vote_id, voters, cids = _open_vote(community)
    for uid in voters:
        run(commands.cast_ballot(_viewer(uid, "representative"), vote_id, {cids[0]: "approve"}))
    run(commands.close_vote(staff, vote_id))
    run(commands.publish_vote(staff, vote_id))
    return vote_id, cids


def _refused(sql: str) -> str:
    """Run one statement in a transaction of its own; the database's refusal, as text."""
    async def attempt():
        async with db.transaction():
            await db.engine().run_ddl(sql)  # not raw(): its "{}" are placeholders

    with pytest.raises(Exception) as caught:
        run(attempt())
    return str(caught.value)


def _count(sql: str) -> int:
    from consult.voting.tables import Ballot

    return int(run(Ballot.raw(sql))[0]["n"])


def test_a_published_ballot_cannot_be_changed_or_removed(published):
    vote_id, cids = published
    before = run(db.engine().run_ddl(f"SELECT receipt, choices FROM ballot WHERE vote = {vote_id} ORDER BY receipt"))
    flipped = '{"%s": "oppose", "%s": "approve"}' % (cids[0], cids[1])
    assert "cannot be changed" in _refused(f"UPDATE ballot SET choices = '{flipped}' WHERE vote = {vote_id}")
    assert "cannot be changed" in _refused(f"UPDATE ballot SET weight_cents = 999999 WHERE vote = {vote_id}")
    assert "cannot be removed" in _refused(f"DELETE FROM ballot WHERE vote = {vote_id}")
    assert "only while its vote is open" in _refused(
        f"INSERT INTO ballot (id, vote, receipt, weight_cents, choices, sealed) "
        f"VALUES (7, {vote_id}, 'forged-receipt', 100, '{flipped}', '')")
    after = run(db.engine().run_ddl(f"SELECT receipt, choices FROM ballot WHERE vote = {vote_id} ORDER BY receipt"))
    assert after == before


def test_the_rewrite_guard_cannot_be_used_on_a_published_vote(published):
    vote_id, _ = published
    assert "only when their vote closes" in _refused(f"INSERT INTO ballot_rewrite (vote) VALUES ({vote_id})")
    assert _count(f"SELECT COUNT(*) AS n FROM ballot_rewrite WHERE vote = {vote_id}") == 0


def test_participation_cannot_be_changed_or_removed(published):
    vote_id, _ = published
    assert "cannot be changed" in _refused(f'UPDATE participation SET "user" = "user" WHERE vote = {vote_id}')
    assert "cannot be removed" in _refused(f"DELETE FROM participation WHERE vote = {vote_id}")
    assert _count(f"SELECT COUNT(*) AS n FROM participation WHERE vote = {vote_id}") == 3  # all three who cast


def test_an_open_votes_sealed_ballot_cannot_be_removed_either(app, community):
    from consult.voting import commands

    _staff, vote_id, voters, cids = _open_vote(community)
    run(commands.cast_ballot(_viewer(voters[0], "representative"), vote_id, {cids[1]: "approve"}))
    assert "cannot be removed" in _refused(f"DELETE FROM ballot WHERE vote = {vote_id}")
    assert "cannot be changed" in _refused(f"UPDATE ballot SET sealed = '' WHERE vote = {vote_id}")


def test_the_audit_log_ballots_and_participation_cannot_be_emptied_at_once(published):
    """PostgreSQL: TRUNCATE skips row triggers, so each table refuses it as a statement.
    SQLite has no TRUNCATE; its "DELETE FROM t" (the truncate optimisation) meets the row triggers."""
    for table in ("audit_entry", "ballot", "participation"):
        refused = _refused(f"DELETE FROM {table}" if db.is_sqlite() else f"TRUNCATE {table} CASCADE")
        assert "append-only" in refused or "cannot be" in refused, refused
    assert _count("SELECT COUNT(*) AS n FROM audit_entry") > 0
    assert _count("SELECT COUNT(*) AS n FROM ballot") > 0


def test_a_receipt_already_taken_is_tried_again_not_reported_as_already_cast(app, community, monkeypatch):
    """Two identical ballots with the same nonce have the same receipt (and tag): the second
    cast meets the unique receipt index, and gets a new receipt instead of a refusal."""
    from consult.voting import commands

    _staff, vote_id, voters, cids = _open_vote(community)
    nonces = iter([b"\x00" * 16, b"\x00" * 16])
    real = commands.new_nonce
    monkeypatch.setattr(commands, "new_nonce", lambda: next(nonces, None) or real())
    same = {cids[0]: "approve"}
    first = run(commands.cast_ballot(_viewer(voters[0], "representative"), vote_id, same))
    second = run(commands.cast_ballot(_viewer(voters[1], "representative"), vote_id, same))
    assert first != second
    assert _count(f"SELECT COUNT(*) AS n FROM ballot WHERE vote = {vote_id}") == 2
    assert _count(f"SELECT COUNT(*) AS n FROM participation WHERE vote = {vote_id}") == 2
    # and the participation index still means "already cast"
    from consult.messages import Refusal
    from consult.voting.queries import ALREADY_CAST

    monkeypatch.setattr(commands, "entry_to_cast", _roll_entry_without_the_check)
    with pytest.raises(Refusal) as again:
        run(commands.cast_ballot(_viewer(voters[0], "representative"), vote_id, same))
    assert again.value.code == ALREADY_CAST


async def _roll_entry_without_the_check(vote, viewer):
    """The roll entry, skipping the "has cast" check (a second request racing past it)."""
    from consult.voting.queries import roll_entry_of

    return await roll_entry_of(vote["id"], viewer.id)


def test_closing_with_another_secret_key_is_refused_and_changes_nothing(app, community, settings):
    from consult.voting import commands, sealing
    from consult.voting.sealing import SealBroken

    staff, vote_id, voters, cids = _open_vote(community)
    run(commands.cast_ballot(_viewer(voters[0], "representative"), vote_id, {cids[0]: "approve"}))
    sealing.configure("another-secret-key-" * 4)
    try:
        with pytest.raises(SealBroken):
            run(commands.close_vote(staff, vote_id))
    finally:
        sealing.configure(settings.secret_key)
    assert run(db.engine().run_ddl(f"SELECT state FROM vote WHERE id = {vote_id}"))[0]["state"] == "open"
    run(commands.close_vote(staff, vote_id))  # the right key: closes
    assert _count(f"SELECT COUNT(*) AS n FROM ballot WHERE vote = {vote_id} AND sealed = ''") == 1


def test_a_random_ballot_id_already_taken_is_tried_again(app, community, monkeypatch):
    """Ids are drawn, not looked up first: the second cast meets the primary key with the
    first cast's id, and the cast is tried again with a new id, not refused."""
    from consult.voting import ballots, commands

    _staff, vote_id, voters, cids = _open_vote(community)
    draws = iter([7, 7])
    real = ballots.random_ballot_id
    monkeypatch.setattr(ballots, "random_ballot_id", lambda: next(draws, None) or real())
    run(commands.cast_ballot(_viewer(voters[0], "representative"), vote_id, {cids[0]: "approve"}))
    run(commands.cast_ballot(_viewer(voters[1], "representative"), vote_id, {cids[1]: "approve"}))
    assert _count(f"SELECT COUNT(*) AS n FROM ballot WHERE vote = {vote_id}") == 2
    assert _count(f"SELECT COUNT(*) AS n FROM ballot WHERE vote = {vote_id} AND id = 7") == 1
