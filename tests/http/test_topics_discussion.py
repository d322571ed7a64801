"""Discussion over HTTP: seconds, stances, comments and replies, the 党员 badge and
guidance, flag once, pin and hide with a public reason; htmx swaps the changed block,
without JavaScript the same forms redirect."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run, text_of, user_id
from tests.http.test_topics_helpers import Topics, audit_for, english, state_of, viewer

HX = {"hx-request": "true"}


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def comments_of(tid):
    from consult.topics.tables import TopicComment

    return run(TopicComment.select().where(TopicComment.topic == tid).order_by(TopicComment.id))


# ---------------------------------------------------------------- seconds


def test_a_resident_seconds_once_and_htmx_updates_the_count_in_place(client, topics, make_user):
    from consult.topics.tables import TopicSecond

    tid, author = topics.create()
    client.login(make_user("resident"))
    english(client)
    r = client.post(f"/topics/{tid}/second", headers=HX)
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<section class="card" id="engagement">')  # only the block
    assert "1 second" in text_of(r.text) and "You seconded this topic." in r.text
    assert "Vary" in r.headers and "HX-Request" in r.headers["Vary"]
    again = client.post(f"/topics/{tid}/second", headers=HX)
    assert again.status_code == 409 and again.headers["HX-Retarget"] == "#topic-alert"
    assert "You have already seconded this topic." in again.text
    plain = client.post(f"/topics/{tid}/second")
    assert plain.status_code == 409
    assert run(TopicSecond.count().where(TopicSecond.topic == tid)) == 1
    assert [a["action"] for a in audit_for(tid)].count("topic.second") == 1


def test_seconding_works_without_javascript_and_the_author_cannot_second(client, topics, make_user):
    tid, author = topics.create()
    client.login(make_user("resident"))
    r = client.post(f"/topics/{tid}/second")
    assert r.status_code == 303 and r.headers["location"] == f"/topics/{tid}#engagement"
    client.post("/auth/logout")
    client.login(author)
    assert client.post(f"/topics/{tid}/second").status_code == 409


def test_one_second_per_resident_is_a_database_rule(topics, make_user):
    from consult.topics.tables import TopicSecond

    tid, _ = topics.create()
    who = user_id(make_user("resident"))
    run(TopicSecond.insert(TopicSecond(topic=tid, user=who)))
    import sqlite3

    from asyncpg.exceptions import UniqueViolationError

    from consult import db

    with pytest.raises((sqlite3.IntegrityError, UniqueViolationError)) as refused:  # the engine's unique violation
        run(TopicSecond.insert(TopicSecond(topic=tid, user=who)))
    assert db.is_unique_violation(refused.value)
    assert run(TopicSecond.count().where(TopicSecond.topic == tid)) == 1


def test_who_may_second_and_when(client, topics, make_user):
    proposed, _ = topics.create()
    closed_for_seconds, _ = topics.create("project")
    for roles, status in ((("representative",), 403), (("staff",), 403), (("committee",), 403), ((), 403)):
        client.post("/auth/logout")
        client.login(make_user(*roles))
        assert client.post(f"/topics/{proposed}/second").status_code == status, roles
    client.post("/auth/logout")
    client.login(make_user("resident"))
    assert client.post(f"/topics/{closed_for_seconds}/second").status_code == 409
    client.post("/auth/logout")
    r = client.post(f"/topics/{proposed}/second")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")


# ---------------------------------------------------------------- stances


def test_one_stance_per_resident_changeable_while_discussing(client, topics, make_user):
    from consult.topics.tables import TopicStance

    tid, _ = topics.create("discussing")
    client.login(make_user("resident"))
    english(client)
    r = client.post(f"/topics/{tid}/stance", {"stance": "support"}, headers=HX)
    assert r.status_code == 200 and "support 1" in text_of(r.text)
    r = client.post(f"/topics/{tid}/stance", {"stance": "oppose"}, headers=HX)
    assert "support 0" in text_of(r.text) and "oppose 1" in text_of(r.text)
    assert run(TopicStance.count().where(TopicStance.topic == tid)) == 1
    assert client.post(f"/topics/{tid}/stance", {"stance": "maybe"}).status_code == 400
    # once the discussion is closed the stance is fixed
    from consult.topics import commands
    from consult.topics.lifecycle import Action

    run(commands.screen_topic(viewer(topics.committee), tid, Action.reject, {"reason": "No consensus."}))
    assert client.post(f"/topics/{tid}/stance", {"stance": "support"}).status_code == 409
    assert run(TopicStance.select(TopicStance.value).where(TopicStance.topic == tid).first())["value"] == "oppose"


def test_stance_before_discussion_is_refused(client, topics, make_user):
    tid, _ = topics.create()
    client.login(make_user("resident"))
    r = client.post(f"/topics/{tid}/stance", {"stance": "support"})
    assert r.status_code == 409 and "已提出" in r.text


# ---------------------------------------------------------------- comments and replies


def test_comments_and_one_level_of_replies_update_in_place(client, topics, make_user):
    tid, _ = topics.create("discussing")
    client.login(make_user("resident"))
    english(client)
    r = client.post(f"/topics/{tid}/comments", {"body": "Let us do it."}, headers=HX)
    assert r.status_code == 200 and r.text.lstrip().startswith('<section class="card" id="discussion">')
    top = comments_of(tid)[0]["id"]
    r = client.post(f"/topics/{tid}/comments", {"body": "Agreed.", "parent_id": str(top)}, headers=HX)
    reply = comments_of(tid)[-1]
    assert reply["parent"] == top
    # a reply to a reply joins the top-level thread
    client.post(f"/topics/{tid}/comments", {"body": "Me too.", "parent_id": str(reply["id"])})
    assert comments_of(tid)[-1]["parent"] == top
    page = client.get(f"/topics/{tid}").text
    assert page.index("Let us do it.") < page.index("Agreed.") < page.index("Me too.")
    plain = client.post(f"/topics/{tid}/comments", {"body": "Without JS."})
    assert plain.status_code == 303 and plain.headers["location"] == f"/topics/{tid}#discussion"


def test_comment_limits_are_shown_and_nothing_is_saved(client, topics, make_user):
    tid, _ = topics.create("discussing")
    client.login(make_user("resident"))
    english(client)
    r = client.post(f"/topics/{tid}/comments", {"body": "x" * 2001}, headers=HX)
    assert r.status_code == 400 and "Must be at most 2000 characters." in r.text and 'aria-invalid="true"' in r.text
    assert r.text.lstrip().startswith('<section class="card" id="discussion">')
    r = client.post(f"/topics/{tid}/comments", {"body": "   "})
    assert r.status_code == 400 and "This field is required." in text_of(r.text)
    assert comments_of(tid) == []


def test_comments_only_while_discussing_and_only_by_residents(client, topics, make_user):
    proposed, _ = topics.create()
    discussing, _ = topics.create("discussing")
    client.login(make_user("resident"))
    assert client.post(f"/topics/{proposed}/comments", {"body": "Too early"}).status_code == 409
    for roles in (("representative",), ("staff",), ("committee",)):
        client.post("/auth/logout")
        client.login(make_user(*roles))
        assert client.post(f"/topics/{discussing}/comments", {"body": "Hi"}).status_code == 403, roles
    assert comments_of(proposed) == comments_of(discussing) == []


# ---------------------------------------------------------------- party members


def test_party_member_badge_and_own_guidance_comment_stand_out(client, new_client, topics, make_user):
    tid, _ = topics.create("discussing")
    party = make_user("resident", "party_member")
    client.login(party)
    english(client)
    client.post(f"/topics/{tid}/comments", {"body": "Let us hear the ground floor first."})
    mine = comments_of(tid)[-1]
    assert mine["party_badge"] is True
    r = client.post(f"/topics/{tid}/comments/{mine['id']}/guidance", headers=HX)
    assert r.status_code == 200
    html = r.text
    article = re.search(r'<article class="([^"]*)" id="c%d">' % mine["id"], html)
    assert article and "guidance" in article.group(1)
    assert "Party member" in html and "Guidance" in html
    # not on someone else's comment, and plain residents cannot mark guidance
    other = new_client()
    resident = make_user("resident")
    other.login(resident)
    other.post(f"/topics/{tid}/comments", {"body": "A plain comment."})
    theirs = comments_of(tid)[-1]
    assert theirs["party_badge"] is False
    assert client.post(f"/topics/{tid}/comments/{theirs['id']}/guidance").status_code == 409
    assert other.post(f"/topics/{tid}/comments/{theirs['id']}/guidance").status_code == 403
    chinese = new_client().get(f"/topics/{tid}").text
    assert '<span class="badge party">党员</span>' in chinese and "引导" in chinese


# ---------------------------------------------------------------- moderation


def test_flag_once_per_resident(client, new_client, topics, make_user):
    from consult.topics.tables import CommentFlag

    tid, _ = topics.create("discussing")
    writer = new_client()
    writer.login(make_user("resident"))
    writer.post(f"/topics/{tid}/comments", {"body": "Buy cheap watches!"})
    cid = comments_of(tid)[-1]["id"]
    client.login(make_user("resident"))
    english(client)
    r = client.post(f"/topics/{tid}/comments/{cid}/flag", headers=HX)
    assert r.status_code == 200 and "You flagged this comment." in r.text
    assert client.post(f"/topics/{tid}/comments/{cid}/flag").status_code == 409
    assert run(CommentFlag.count().where(CommentFlag.comment == cid)) == 1
    committee = new_client()
    committee.login(topics.committee)
    english(committee)
    assert "flagged 1 time<" in committee.get(f"/topics/{tid}").text


def test_committee_hides_with_a_public_reason_shown_in_place_and_pins(client, new_client, topics, make_user):
    tid, _ = topics.create("discussing")
    writer = new_client()
    writer.login(make_user("resident"))
    writer.post(f"/topics/{tid}/comments", {"body": "Secret spam text"})
    writer.post(f"/topics/{tid}/comments", {"body": "A useful idea"})
    spam, useful = (c["id"] for c in comments_of(tid))
    # residents may not moderate
    assert writer.post(f"/topics/{tid}/comments/{spam}/hide", {"reason": "Advert"}).status_code == 403
    assert writer.post(f"/topics/{tid}/comments/{useful}/pin").status_code == 403
    client.login(topics.committee)
    english(client)
    r = client.post(f"/topics/{tid}/comments/{spam}/hide", {"reason": ""}, headers=HX)
    assert r.status_code == 400 and "This field is required." in r.text
    assert comments_of(tid)[0]["hidden"] is False
    r = client.post(f"/topics/{tid}/comments/{spam}/hide", {"reason": "Advertising, not about the topic"}, headers=HX)
    assert "Hidden by a committee member: Advertising, not about the topic" in r.text
    assert "Secret spam text" not in r.text
    r = client.post(f"/topics/{tid}/comments/{useful}/pin", headers=HX)
    assert r.status_code == 200
    assert r.text.index("A useful idea") < r.text.index("Hidden by a committee member")  # pinned first
    visitor = new_client()
    page = visitor.get(f"/topics/{tid}").text
    assert "Secret spam text" not in page and "广告" not in page and "Advertising, not about the topic" in page
    api = visitor.get(f"/api/v1/topics/{tid}").json()
    hidden = [c for c in api["comments"] if c["hidden"]]
    assert hidden and hidden[0]["body"] is None and hidden[0]["hidden_reason"] == "Advertising, not about the topic"
    assert "Secret spam text" not in visitor.get(f"/api/v1/topics/{tid}").text
    assert [a["action"] for a in audit_for(spam, prefix="comment.")] == ["comment.hide"]


def test_refusals_in_htmx_requests_land_in_the_alert_area(client, topics, make_user):
    tid, _ = topics.create()
    client.login(make_user("resident"))
    r = client.post(f"/topics/{tid}/comments", {"body": "Too early"}, headers=HX)
    assert r.status_code == 409 and r.headers["HX-Retarget"] == "#topic-alert"
    assert 'role="alert"' in r.text and "已提出" in r.text
    assert state_of(tid) == "proposed"
