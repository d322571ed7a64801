"""Merging a proposed topic into another, through the committee's merge action (SPEC §2):
the source's author and seconders second the target, except the target's own author (nobody
seconds their own topic) and those who second it already; followers carry over; and the
audit log records the absorption on the target (`topic.absorb`) with what was carried."""

from __future__ import annotations

import json

from tests.conftest import run, text_of, user_id


def _propose(client, community, title: str) -> int:
    r = client.post("/topics", {"title": title, "description": "A description that is long enough.",
                                "category": "parking", "grid_id": str(community["grids"][0])})
    assert r.status_code == 303, text_of(r.text)[:500]
    return int(r.headers["location"].rsplit("/", 1)[1])


def _as(new_client, username):
    c = new_client()
    c.login(username)
    return c


def _seconders(topic_id) -> set[int]:
    from consult.topics.tables import TopicSecond

    return {r["user"] for r in run(TopicSecond.select(TopicSecond.user).where(TopicSecond.topic == topic_id))}


def _followers(topic_id) -> set[int]:
    from consult.topics.tables import TopicFollower

    return {r["user"] for r in run(TopicFollower.select(TopicFollower.user).where(TopicFollower.topic == topic_id))}


def _audit(topic_id, action):
    from consult.accounts.tables import AuditEntry

    return run(AuditEntry.select(AuditEntry.actor, AuditEntry.target_type, AuditEntry.detail).where(
        (AuditEntry.action == action) & (AuditEntry.target_id == str(topic_id))).order_by(AuditEntry.id))


def test_merge_does_not_make_the_targets_author_second_their_own_topic_and_is_audited(
    new_client, make_user, community
):
    target_author, source_author, other = (make_user("resident") for _ in range(3))
    committee = make_user("committee")
    target = _propose(_as(new_client, target_author), community, "Bicycle racks by gate 2")
    source = _propose(_as(new_client, source_author), community, "More bicycle racks")
    # the target's author and another resident second the source
    for who in (target_author, other):
        r = _as(new_client, who).post(f"/topics/{source}/second")
        assert r.status_code in (200, 303), text_of(r.text)[:500]
    assert _seconders(source) == {user_id(target_author), user_id(other)}
    assert _seconders(target) == set()
    new_followers = _followers(source) - _followers(target)

    c = _as(new_client, committee)
    r = c.post(f"/topics/{source}/actions/merge", {"target_id": str(target)})
    assert r.status_code == 303, text_of(r.text)[:500]

    # the source's author and the other seconder carry over; the target's author does not
    assert _seconders(target) == {user_id(source_author), user_id(other)}
    assert c.get(f"/api/v1/topics/{target}").json()["seconds"] == 2
    assert user_id(target_author) in _followers(target)
    assert new_followers and new_followers <= _followers(target)

    entries = _audit(target, "topic.absorb")
    assert len(entries) == 1, entries
    entry = entries[0]
    assert entry["actor"] == user_id(committee) and entry["target_type"] == "topic"
    assert json.loads(entry["detail"]) == {"source_id": source, "seconds": 2, "followers": len(new_followers)}


def test_merge_carries_nobody_twice_and_audits_zero_when_everyone_seconds_already(
    new_client, make_user, community
):
    target_author, source_author = make_user("resident"), make_user("resident")
    committee = make_user("committee")
    target = _propose(_as(new_client, target_author), community, "Lights on the path")
    source = _propose(_as(new_client, source_author), community, "Path lighting")
    # the source's author already seconds the target; the target's author seconds the source
    assert _as(new_client, source_author).post(f"/topics/{target}/second").status_code in (200, 303)
    assert _as(new_client, target_author).post(f"/topics/{source}/second").status_code in (200, 303)
    r = _as(new_client, committee).post(f"/topics/{source}/actions/merge", {"target_id": str(target)})
    assert r.status_code == 303, text_of(r.text)[:500]
    assert _seconders(target) == {user_id(source_author)}
    (entry,) = _audit(target, "topic.absorb")
    assert json.loads(entry["detail"]) == {"source_id": source, "seconds": 0, "followers": 0}
