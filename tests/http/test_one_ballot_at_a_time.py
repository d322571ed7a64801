"""Issue 14 defect 5: a project on the ballot of a vote not yet published (draft, open or
closed) cannot be added to another vote, and publishing another vote never marks it not
elected (nor tells residents so) while it is still on that ballot."""

from __future__ import annotations

import pytest

from tests.conftest import run, text_of
from tests.http.test_topics_helpers import Topics, state_of
from tests.http.test_voting import add_candidate, audit_actions, candidate_ids, cast, create_vote, set_roll, signed_in


@pytest.fixture
def staff(client, make_user):
    client.username = make_user("staff")
    client.login(client.username)
    client.tc.cookies.set("lang", "en")
    return client


def add_projects(staff, vote_id, tids):
    return staff.post(f"/staff/votes/{vote_id}/candidates/from-projects", {"topic": [str(t) for t in tids]})


def topics_of(vote_id):
    from consult.voting.tables import Candidate

    return [r["topic"] for r in run(Candidate.select(Candidate.topic).where(Candidate.vote == vote_id)) if r["topic"]]


def open_with(staff, make_user, vote_id):
    add_candidate(staff, vote_id, "A direct candidate")
    add_candidate(staff, vote_id, "Another direct candidate")
    set_roll(staff, vote_id, [(make_user("representative"), "1") for _ in range(3)])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303


@pytest.mark.parametrize("first_state", ["draft", "open", "closed"])
def test_a_project_on_an_unpublished_ballot_is_neither_offered_nor_added_to_another_vote(
        first_state, staff, make_user, community):
    topics = Topics(make_user, community)
    on_ballot, _ = topics.create("project", funding_route="annual_vote", title="Lift on the 2026 ballot")
    free, _ = topics.create("project", funding_route="annual_vote", title="Free project sheet")
    first = create_vote(staff, title="2026 livelihood projects")
    assert add_projects(staff, first, [on_ballot]).status_code == 303
    if first_state != "draft":
        open_with(staff, make_user, first)
    if first_state == "closed":
        assert staff.post(f"/staff/votes/{first}/close", data={"confirm": "yes"}).status_code == 303
    other = create_vote(staff, title="Another vote")
    page = staff.get(f"/staff/votes/{other}").text
    assert f'name="topic" value="{free}"' in page and f'name="topic" value="{on_ballot}"' not in page  # the picker
    refused = add_projects(staff, other, [free, on_ballot])  # the command, whatever the picker showed
    assert refused.status_code == 409
    message = text_of(refused.text)
    assert f"Project #{on_ballot} is already a candidate of the vote #{first}" in message
    assert "2026 livelihood projects" in message
    assert topics_of(other) == []  # all or nothing
    assert on_ballot in topics_of(first)


def test_a_project_of_a_published_vote_may_be_on_a_new_ballot(staff, make_user, community, new_client):
    from consult.voting.tables import Candidate

    topics = Topics(make_user, community)
    tid, _ = topics.create("project", funding_route="annual_vote")
    first = create_vote(staff, seats="1")
    assert add_projects(staff, first, [tid]).status_code == 303
    open_with(staff, make_user, first)
    assert staff.post(f"/staff/votes/{first}/close", data={"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{first}/publish", data={"confirm": "yes"}).status_code == 303
    assert state_of(tid) == "not_elected"
    run(Candidate.delete().where(Candidate.vote == first))  # (only to see that a published vote holds nothing)
    other = create_vote(staff)
    assert state_of(tid) == "not_elected" and f'name="topic" value="{tid}"' not in staff.get(f"/staff/votes/{other}").text


def test_publishing_a_vote_never_marks_not_elected_a_project_still_on_another_ballot(
        staff, make_user, community, new_client):
    from consult.notifications.tables import Notification
    from consult.voting.tables import Candidate

    topics = Topics(make_user, community)
    shared, _ = topics.create("project", funding_route="annual_vote", title="On two ballots")
    alone, _ = topics.create("project", funding_route="annual_vote", title="Only here")
    ballot_2026 = create_vote(staff, title="2026 livelihood projects")
    assert add_projects(staff, ballot_2026, [shared]).status_code == 303
    open_with(staff, make_user, ballot_2026)
    other = create_vote(staff, seats="1")
    assert add_projects(staff, other, [alone]).status_code == 303
    # A row written before the rule (or by hand): the same project on the second ballot too.
    run(Candidate.insert(Candidate(vote=other, topic=shared, title="On two ballots", position=9)))
    reps = [make_user("representative") for _ in range(3)]
    set_roll(staff, other, [(u, "1") for u in reps])
    assert staff.post(f"/staff/votes/{other}/open").status_code == 303
    ids = candidate_ids(other)
    for rep in reps:
        cast(signed_in(new_client, rep), other, {ids[0]: "oppose", ids[1]: "oppose"})
    before = run(Notification.count().where(Notification.link == f"/topics/{shared}"))
    assert staff.post(f"/staff/votes/{other}/close", data={"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{other}/publish", data={"confirm": "yes"}).status_code == 303
    assert state_of(alone) == "not_elected"
    assert state_of(shared) == "project"  # still on the open 2026 ballot
    assert run(Notification.count().where(Notification.link == f"/topics/{shared}")) == before
    assert "vote.outcome_held" in audit_actions(other)


def test_two_staff_adding_one_project_to_two_votes_at_once_put_it_on_one_ballot(
        staff, make_user, community, new_client):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    topics = Topics(make_user, community)
    tid, _ = topics.create("project", funding_route="annual_vote")
    n = 6
    votes = [create_vote(staff, title=f"Vote number {i}") for i in range(n)]
    clients = []
    for _ in range(n):
        c = new_client()
        c.login(make_user("staff"))
        clients.append(c)
    barrier = threading.Barrier(n)

    def attempt(pair):
        c, vote_id = pair
        barrier.wait()
        return add_projects(c, vote_id, [tid])

    with ThreadPoolExecutor(max_workers=n) as pool:
        answers = list(pool.map(attempt, zip(clients, votes)))
    assert sorted(r.status_code for r in answers) == [303] + [409] * (n - 1)
    assert sum(topics_of(v).count(tid) for v in votes) == 1
