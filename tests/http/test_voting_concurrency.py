"""One ballot per representative, even when the same representative casts 20 times at once.

Each attempt runs in its own thread with its own TestClient (its own event loop), all
released together by a barrier, so the requests really overlap inside the app and the
database. Exactly one may succeed; every other answer must be a clear refusal, never a 500.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from consult.voting.tables import Ballot, Participation
from tests.conftest import run, text_of
from tests.http.test_voting import RECEIPT_RE, ballot_form, open_vote

ATTEMPTS = 20


def test_the_same_representative_casting_20_times_at_once_gets_exactly_one_ballot(client, make_user, new_client):
    client.login(make_user("staff"))
    vote_id, reps, ids = open_vote(client, make_user, seats="2")
    clients = []
    for _ in range(ATTEMPTS):
        c = new_client()
        c.login(reps[0])
        clients.append(c)
    form = ballot_form({ids[0]: "approve", ids[1]: "oppose"})
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(c):
        barrier.wait()
        return c.post(f"/votes/{vote_id}/ballot", form)

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        answers = list(pool.map(attempt, clients))

    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [409] * (ATTEMPTS - 1), statuses
    ok = next(r for r in answers if r.status_code == 200)
    assert RECEIPT_RE.search(ok.text)
    for r in answers:
        if r.status_code == 409:
            text = text_of(r.text)
            assert "已经投过票" in text or "already cast" in text, text[:300]
    assert run(Ballot.count().where(Ballot.vote == vote_id)) == 1
    assert run(Participation.count().where(Participation.vote == vote_id)) == 1


def test_different_representatives_casting_at_once_are_all_counted(client, make_user, new_client):
    client.login(make_user("staff"))
    n = 8
    vote_id, reps, ids = open_vote(client, make_user, seats="1", weights=("1",) * n)
    clients = []
    for rep in reps:
        c = new_client()
        c.login(rep)
        clients.append(c)
    barrier = threading.Barrier(n)

    def attempt(c):
        barrier.wait()
        return c.post(f"/votes/{vote_id}/ballot", ballot_form({ids[0]: "approve"}))

    with ThreadPoolExecutor(max_workers=n) as pool:
        answers = list(pool.map(attempt, clients))
    assert [r.status_code for r in answers] == [200] * n
    assert run(Ballot.count().where(Ballot.vote == vote_id)) == n
    assert run(Participation.count().where(Participation.vote == vote_id)) == n
