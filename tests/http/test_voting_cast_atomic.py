"""Casting a ballot is one transaction (SPEC §3): the participation record, the ballot and the
audit entry are written together or not at all. Fault injection: a write after the inserts
fails (the audit entry), or the ballot insert itself fails after the participation record;
either way nothing of the cast remains and the representative can still vote afterwards."""

from __future__ import annotations

import pytest

from tests.http._world import db_fingerprint
from tests.http.test_voting import cast, counts, open_vote, signed_in


class InjectedFault(RuntimeError):
    """The failure the test injects into a write of the cast."""


def _fail_inserts(monkeypatch, table, when=lambda row: True) -> list:
    """Make `table.insert(...)` raise InjectedFault for rows matching `when` (others go through)."""
    original = table.insert.__func__
    failed = []

    def insert(cls, *rows, **kw):
        if any(when(row) for row in rows):
            failed.append(rows)
            raise InjectedFault(f"injected failure inserting into {table._meta.tablename}")
        return original(cls, *rows, **kw)

    monkeypatch.setattr(table, "insert", classmethod(insert))
    return failed


def _cast_failing(client, vote_id, choices):
    """The cast request while a write fails: the person gets a server error."""
    r = cast(client, vote_id, choices)
    assert r.status_code == 500, (r.status_code, r.text[:500])
    return r


def _audit_actions(vote_id) -> list[str]:
    from consult.accounts.tables import AuditEntry
    from tests.conftest import run

    rows = run(AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.target_type == "vote") & (AuditEntry.target_id == str(vote_id))).order_by(AuditEntry.id))
    return [r["action"] for r in rows]


@pytest.fixture
def staff(client, make_user):
    client.login(make_user("staff"))
    return client


def test_a_failed_audit_write_after_the_inserts_leaves_no_participation_and_no_ballot(
    staff, make_user, new_client, monkeypatch
):
    from consult.accounts.tables import AuditEntry

    vote_id, reps, ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[0])
    failed = _fail_inserts(monkeypatch, AuditEntry, lambda row: row.action == "vote.ballot_cast")
    before = db_fingerprint()
    _cast_failing(rep, vote_id, {ids[0]: "approve"})
    assert failed, "the fault was not reached: the cast did not write its audit entry"
    assert counts(vote_id) == (0, 0)  # (ballots, participations)
    assert db_fingerprint() == before
    monkeypatch.undo()
    # nothing half-done blocks the representative: the cast goes through now, once
    r = cast(rep, vote_id, {ids[0]: "approve"})
    assert r.status_code == 200, r.text[:500]
    assert counts(vote_id) == (1, 1)
    assert _audit_actions(vote_id).count("vote.ballot_cast") == 1


def test_a_failed_ballot_insert_leaves_no_participation(staff, make_user, new_client, monkeypatch):
    from consult.voting.tables import Ballot

    vote_id, reps, ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[1])
    failed = _fail_inserts(monkeypatch, Ballot)
    before = db_fingerprint()
    _cast_failing(rep, vote_id, {ids[1]: "approve"})
    assert failed, "the fault was not reached: the cast did not insert a ballot"
    assert counts(vote_id) == (0, 0)
    assert db_fingerprint() == before
    assert "vote.ballot_cast" not in _audit_actions(vote_id)
    monkeypatch.undo()
    assert cast(rep, vote_id, {ids[1]: "approve"}).status_code == 200
    assert counts(vote_id) == (1, 1)
