"""Notification triggers: topic state changes, replies, evaluation windows, votes.

Each test counts the notification rows per person for the thing it changed (its link), so
earlier tests in this module's shared database do not disturb the counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import run, text_of, user_id
from tests.http.test_topics_helpers import SHEET, Topics, english, state_of, today, viewer
from tests.http.test_voting import add_candidate, candidate_ids, cast, create_vote, set_roll, signed_in


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def rows_for(link: str, kind: str | None = None) -> list[dict]:
    """Every notification pointing at `link` (a topic, a comment or a vote)."""
    from consult.notifications.tables import Notification

    where = Notification.link == link
    if kind:
        where = where & (Notification.kind == kind)
    return run(Notification.select().where(where).order_by(Notification.id).output(load_json=True))


def per_user(link: str, kind: str | None = None) -> dict[int, int]:
    counts: dict[int, int] = {}
    for row in rows_for(link, kind):
        counts[row["user"]] = counts.get(row["user"], 0) + 1
    return counts


def ids(*usernames) -> list[int]:
    return [user_id(u) for u in usernames]


def total_notifications() -> int:
    from consult.notifications.tables import Notification

    return run(Notification.count())


def turn_off(username, *kinds):
    from consult.notifications.services import set_preferences

    run(set_preferences(user_id(username), {k: False for k in kinds}))


def rate_as(username, tid, value="satisfied"):
    from consult.topics import projects

    run(projects.rate_topic(viewer(username), tid, value))


# ---------------------------------------------------------------- topic_state


def test_each_transition_notifies_every_follower_once_and_never_the_actor(client, topics, make_user):
    from consult.topics import commands, discussion

    chair = make_user("committee", "resident")  # a committee member who also comments: a follower
    topics._committee = chair
    tid, author = topics.create()
    seconder, stance_taker, commenter, outsider = (make_user("resident") for _ in range(4))
    run(discussion.second_topic(viewer(seconder), tid))
    link = f"/topics/{tid}"

    client.login(chair)
    assert client.post(f"{link}/actions/open_discussion", {"end_date": ""}).status_code == 303
    a, s, c, st, o, ch = ids(author, seconder, commenter, stance_taker, outsider, chair)
    assert per_user(link, "topic_state") == {a: 1, s: 1}
    row = rows_for(link, "topic_state")[0]
    assert row["message"] == "Topic “{title}” is now {state_label}."
    assert row["params"]["state_label"] == "under discussion" and row["params"]["title"].startswith("Topic ")

    run(discussion.set_stance(viewer(stance_taker), tid, "support"))
    run(discussion.add_comment(viewer(commenter), tid, "I agree with this plan."))
    run(discussion.add_comment(viewer(chair), tid, "The committee will look at costs."))
    deadline = (today() + timedelta(days=30)).isoformat()
    assert client.post(f"{link}/actions/form_project", dict(SHEET, deadline=deadline)).status_code == 303
    assert per_user(link, "topic_state") == {a: 2, s: 2, st: 1, c: 1}  # not the chair, not the outsider
    assert ch not in per_user(link) and o not in per_user(link)

    # staff steps and the system's steps notify the same followers
    run(commands.start_implementation(viewer(topics.staff), tid))
    assert per_user(link, "topic_state") == {a: 3, s: 3, st: 2, c: 2, ch: 1}
    assert rows_for(link, "topic_state")[-1]["params"]["state_label"] == "being implemented"


def test_the_label_is_translated_when_the_notification_is_shown(client, topics, new_client):
    tid, author = topics.create("discussing")
    reader = signed_in(new_client, author)
    page = text_of(reader.get("/notifications").text)
    assert "的状态已变为：讨论中。" in page and "under discussion" not in page
    english(reader)
    page = text_of(reader.get("/notifications").text)
    assert "is now under discussion." in page


def test_the_end_of_an_evaluation_notifies_followers_with_no_actor(topics, make_user):
    from consult.topics import projects

    tid, author = topics.create("evaluating")  # the window ends tomorrow
    link = f"/topics/{tid}"
    raters = [make_user("resident") for _ in range(5)]
    for who in raters:
        rate_as(who, tid, "unsatisfied")
    before = per_user(link, "topic_state")
    later = today() + timedelta(days=2)
    assert run(projects.close_due_evaluations(today=later)) == [(tid, "second_handling")]
    after = per_user(link, "topic_state")
    # only the author follows (rating does not make one a follower); the staff who opened it is not told
    assert {u: after[u] - before.get(u, 0) for u in after if after[u] != before.get(u, 0)} == {user_id(author): 1}
    assert rows_for(link, "topic_state")[-1]["params"]["state_label"] == "being implemented"


def test_a_merge_notifies_the_merged_topics_followers_not_the_targets(client, topics, make_user):
    from consult.topics import commands, discussion

    target, target_author = topics.create("discussing")
    source, source_author = topics.create()
    seconder = make_user("resident")
    run(discussion.second_topic(viewer(seconder), source))
    target_before = per_user(f"/topics/{target}", "topic_state")
    client.login(topics.committee)
    assert client.post(f"/topics/{source}/actions/merge", {"target_id": str(target)}).status_code == 303
    assert per_user(f"/topics/{source}", "topic_state") == {user_id(source_author): 1, user_id(seconder): 1}
    assert rows_for(f"/topics/{source}", "topic_state")[0]["params"]["state_label"] == "merged"
    assert per_user(f"/topics/{target}", "topic_state") == target_before  # its state did not change
    # from now on they follow the target and hear of its next step
    run(commands.form_project(viewer(topics.committee), target,
                         dict(SHEET, deadline=(today() + timedelta(days=30)).isoformat())))
    after = per_user(f"/topics/{target}", "topic_state")
    for who in (source_author, seconder, target_author):
        assert after[user_id(who)] == target_before.get(user_id(who), 0) + 1


def test_a_vote_outcome_notifies_each_projects_followers(make_user, community, new_client):
    topics = Topics(make_user, community)
    staff_name = make_user("staff")
    staff = signed_in(new_client, staff_name)
    made = [topics.create("project", funding_route="annual_vote", title=f"Vote project {i}") for i in range(3)]
    tids = [t for t, _ in made]
    before = {t: per_user(f"/topics/{t}", "topic_state") for t in tids}
    vote_id = create_vote(staff, seats="2")
    assert staff.post(f"/staff/votes/{vote_id}/candidates/from-projects",
                      {"topic": [str(t) for t in tids]}).status_code == 303
    reps = [make_user("representative") for _ in range(3)]
    set_roll(staff, vote_id, [(u, "1") for u in reps])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    cids = candidate_ids(vote_id)
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {cids[0]: "approve", cids[1]: "approve", cids[2]: "oppose"})
    staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"})
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    assert [state_of(t) for t in tids] == ["implementing", "implementing", "not_elected"]
    for (tid, author), label in zip(made, ("being implemented", "being implemented", "not elected")):
        after = per_user(f"/topics/{tid}", "topic_state")
        assert after[user_id(author)] == before[tid][user_id(author)] + 1
        assert user_id(staff_name) not in after
        assert rows_for(f"/topics/{tid}", "topic_state")[-1]["params"]["state_label"] == label


# ---------------------------------------------------------------- reply


def test_a_reply_notifies_the_comments_author_and_not_the_one_replying(topics, make_user):
    from consult.topics import discussion

    tid, _ = topics.create("discussing")
    alice, bob, carol = (make_user("resident") for _ in range(3))
    a, b, c = ids(alice, bob, carol)
    top = run(discussion.add_comment(viewer(alice), tid, "The north gate needs racks."))
    assert rows_for(f"/topics/{tid}#c{top}") == []  # a top-level comment is nobody's reply

    reply = run(discussion.add_comment(viewer(bob), tid, "Agreed, and the south one too.", parent_id=top))
    assert per_user(f"/topics/{tid}#c{reply}", "reply") == {a: 1}
    row = rows_for(f"/topics/{tid}#c{reply}")[0]
    assert row["kind"] == "reply" and row["params"]["name"] == bob.upper()

    own = run(discussion.add_comment(viewer(alice), tid, "Replying to myself.", parent_id=top))
    assert rows_for(f"/topics/{tid}#c{own}") == []

    # a reply to a reply: its author, and the thread's author (the reply lands in that thread)
    nested = run(discussion.add_comment(viewer(carol), tid, "Bob, which south one?", parent_id=reply))
    assert per_user(f"/topics/{tid}#c{nested}", "reply") == {b: 1, a: 1}
    # Bob answering in Alice's thread under his own reply: Alice only
    again = run(discussion.add_comment(viewer(bob), tid, "The one by block 7.", parent_id=reply))
    assert per_user(f"/topics/{tid}#c{again}", "reply") == {a: 1}
    assert c not in per_user(f"/topics/{tid}#c{again}")


# ---------------------------------------------------------------- evaluation_open


def _expected_raters(grid_id: int) -> set[int]:
    """Who may rate a topic of `grid_id`, worked out in Python from the role rows."""
    from consult.accounts.tables import User, UserRole

    active = {r["id"]: r["grid"] for r in run(User.select(User.id, User.grid).where(User.active == True))}  # noqa: E712
    expected = set()
    for r in run(UserRole.select(UserRole.user, UserRole.role)):
        if r["user"] not in active:
            continue
        if r["role"] == "representative" or (r["role"] in ("resident", "party_member") and active[r["user"]] == grid_id):
            expected.add(r["user"])
    return expected


def test_opening_an_evaluation_notifies_who_may_rate_it_once_each(client, topics, make_user, community):
    from consult.accounts.tables import User

    grids = community["grids"]
    topics._staff = make_user("staff", "resident", grid=2)  # the actor could rate: still not told
    tid, author = topics.create("implementing", grid=2)
    here = [make_user("resident", grid=2), make_user("party_member", grid=2)]
    rep_elsewhere = make_user("representative", grid=3)
    not_raters = [make_user("resident", grid=1), make_user("staff", grid=2), make_user("committee", grid=2)]
    gone = make_user("resident", grid=2)
    run(User.update({User.active: False}).where(User.id == user_id(gone)))

    client.login(topics.staff)
    end = (today() + timedelta(days=5)).isoformat()
    assert client.post(f"/topics/{tid}/actions/open_evaluation", {"end_date": end}).status_code == 303
    got = per_user(f"/topics/{tid}", "evaluation_open")
    expected = _expected_raters(grids[2]) - {user_id(topics.staff)}
    assert set(got) == expected and set(got.values()) == {1}
    assert set(ids(author, rep_elsewhere, *here)) <= set(got)
    assert not set(ids(topics.staff, gone, *not_raters)) & set(got)
    row = rows_for(f"/topics/{tid}", "evaluation_open")[0]
    assert row["params"]["end_date"] == end


def test_an_extended_window_reminds_only_those_who_have_not_rated(topics, make_user, community):
    from consult.topics import projects

    tid, author = topics.create("evaluating", grid=3)  # the window ends tomorrow
    link = f"/topics/{tid}"
    first, states = per_user(link, "evaluation_open"), per_user(link, "topic_state")
    rater = make_user("resident", grid=3)
    rate_as(author, tid)
    rate_as(rater, tid)
    assert run(projects.close_due_evaluations(today=today() + timedelta(days=2))) == [(tid, "extend")]
    reminded = {u: n - first.get(u, 0) for u, n in per_user(link, "evaluation_open").items() if n != first.get(u, 0)}
    expected = _expected_raters(community["grids"][3]) - {user_id(author), user_id(rater)}
    assert set(reminded) == expected and set(reminded.values()) == {1}
    last = rows_for(link, "evaluation_open")[-1]
    assert "extended" in last["message"]
    assert per_user(link, "topic_state") == states  # the state did not change: no state notice


# ---------------------------------------------------------------- vote_open / vote_published


def test_opening_and_publishing_a_vote_notify_the_roll_only(make_user, new_client):
    staff_name = make_user("staff")  # the one acting (staff are never on a roll: separation of duties)
    staff = signed_in(new_client, staff_name)
    vote_id = create_vote(staff, seats="1")
    for i in range(2):
        add_candidate(staff, vote_id, f"候选项目 {i + 1} 号")
    reps = [make_user("representative") for _ in range(3)]
    off_roll = make_user("representative")
    set_roll(staff, vote_id, [(u, "1") for u in reps])
    link = f"/votes/{vote_id}"
    assert rows_for(link) == []
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    assert per_user(link, "vote_open") == {uid: 1 for uid in ids(*reps)}
    cids = candidate_ids(vote_id)
    for rep in reps:
        cast(signed_in(new_client, rep), vote_id, {cids[0]: "approve", cids[1]: "oppose"})
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert per_user(link, "vote_published") == {}  # closing is not publishing
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    assert per_user(link, "vote_published") == {uid: 1 for uid in ids(*reps)}
    assert user_id(off_roll) not in per_user(link) and user_id(staff_name) not in per_user(link)


# ---------------------------------------------------------------- preferences and refusals


def test_a_kind_turned_off_means_no_notification_of_that_kind(client, topics, make_user, new_client):
    from consult.topics import commands, discussion

    tid, author = topics.create()
    quiet, loud = make_user("resident"), make_user("resident")
    for who in (quiet, loud):
        run(discussion.second_topic(viewer(who), tid))
    turn_off(quiet, "topic_state")
    turn_off(author, "reply")
    run(commands.screen_topic(viewer(topics.committee), tid, "open_discussion", {"end_date": ""}))
    assert per_user(f"/topics/{tid}", "topic_state") == {user_id(author): 1, user_id(loud): 1}
    top = run(discussion.add_comment(viewer(author), tid, "My own comment here."))
    reply = run(discussion.add_comment(viewer(loud), tid, "A reply to the author.", parent_id=top))
    assert rows_for(f"/topics/{tid}#c{reply}") == []
    # the preference page turns a kind back on: the next one arrives
    c = signed_in(new_client, author)
    r = c.post("/notifications/preferences", {"kinds": ["topic_state", "reply", "evaluation_open", "vote_open",
                                                        "vote_published", "announcement"]})
    assert r.status_code == 303, r.text[:300]
    reply2 = run(discussion.add_comment(viewer(loud), tid, "Another reply to the author.", parent_id=top))
    assert per_user(f"/topics/{tid}#c{reply2}", "reply") == {user_id(author): 1}


def test_a_refused_transition_notifies_nobody(client, topics, make_user):
    tid, _ = topics.create("discussing")
    before = total_notifications()
    client.login(topics.committee)
    assert client.post(f"/topics/{tid}/actions/open_discussion", {"end_date": ""}).status_code == 409  # wrong state
    assert client.post(f"/topics/{tid}/actions/merge", {"target_id": str(tid)}).status_code in (400, 409)
    assert client.post(f"/topics/{tid}/actions/form_project", {"title": ""}).status_code == 400  # bad input
    client.post("/auth/logout")
    client.login(make_user("staff"))
    assert client.post(f"/topics/{tid}/actions/form_project", dict(SHEET, deadline="2099-01-01")).status_code == 409
    assert state_of(tid) == "discussing"
    assert total_notifications() == before


def test_a_refused_vote_opening_notifies_nobody(make_user, new_client):
    staff = signed_in(new_client, make_user("staff"))
    vote_id = create_vote(staff, seats="2")
    add_candidate(staff, vote_id, "只有一个候选项目")
    set_roll(staff, vote_id, [(make_user("representative"), "1")])
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 409  # too few candidates
    assert rows_for(f"/votes/{vote_id}") == []


def test_notifications_roll_back_with_a_transition_that_fails_later(topics, monkeypatch):
    from consult.topics import commands

    tid, author = topics.create()
    before = total_notifications()
    real = commands.audit.record

    async def failing(actor_id, action, *args, **kwargs):
        if action == "topic.open_discussion":  # after the timeline and the notifications
            raise RuntimeError("the audit log is unavailable")
        return await real(actor_id, action, *args, **kwargs)

    monkeypatch.setattr(commands.audit, "record", failing)
    with pytest.raises(RuntimeError):
        run(commands.screen_topic(viewer(topics.committee), tid, "open_discussion", {"end_date": ""}))
    assert state_of(tid) == "proposed" and total_notifications() == before
    monkeypatch.setattr(commands.audit, "record", real)
    run(commands.screen_topic(viewer(topics.committee), tid, "open_discussion", {"end_date": ""}))
    assert per_user(f"/topics/{tid}", "topic_state") == {user_id(author): 1}
