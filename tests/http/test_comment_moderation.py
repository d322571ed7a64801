"""Moderation that was missing (issue 14): showing a hidden comment again, and the
committee's queue of flagged comments in the places a member serves, with hide and
dismiss. Wrong role, wrong place and wrong state are refused and change nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import PASSWORD, run, text_of
from tests.http._world import db_fingerprint
from tests.http.test_topics_helpers import Topics, english, viewer


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


@pytest.fixture
def elsewhere(community):
    """A person whose grid (and so the default place of their roles) is in 和顺社区."""
    from consult.accounts.services import create_user

    def make(*roles):
        name = f"h{uuid.uuid4().hex[:8]}"
        run(create_user(name, PASSWORD, list(roles), display_name=name.upper(),
                        grid_id=community["communities"]["和顺社区"]["grids"][0]))
        return name

    return make


def _comment(topic_id, author, body=None):
    from consult.topics import discussion

    return run(discussion.add_comment(viewer(author), topic_id, body or f"Comment {uuid.uuid4().hex[:6]}", None))


def _flag(topic_id, comment_id, *people):
    from consult.topics import discussion

    for person in people:
        run(discussion.flag_comment(viewer(person), topic_id, comment_id))


def _comment_row(comment_id):
    from consult.topics.tables import TopicComment

    return run(TopicComment.select().where(TopicComment.id == comment_id).first())


def _open_flags(comment_id):
    from consult.topics.tables import CommentFlag

    return run(CommentFlag.count().where((CommentFlag.comment == comment_id) & (CommentFlag.dismissed == False)))  # noqa: E712


def _audit(comment_id):
    from consult.accounts.tables import AuditEntry

    rows = run(AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.target_type == "comment") & (AuditEntry.target_id == str(comment_id))).order_by(AuditEntry.id))
    return [r["action"] for r in rows]


def _signed_in(client, name):
    client.login(name)
    return english(client)


def test_who_hid_may_show_a_comment_again(client, topics, make_user):
    tid, _ = topics.create("discussing")
    cid = _comment(tid, make_user("resident"), "A comment hidden by mistake.")
    _flag(tid, cid, make_user("resident"))
    committee = make_user("committee")
    _signed_in(client, committee)
    assert client.post(f"/topics/{tid}/comments/{cid}/hide", {"reason": "Looks like an advert."}).status_code == 303
    page = client.get(f"/topics/{tid}").text
    assert "A comment hidden by mistake." not in page and f"/comments/{cid}/unhide" in page
    r = client.post(f"/topics/{tid}/comments/{cid}/unhide", {})
    assert r.status_code == 303 and r.headers["location"] == f"/topics/{tid}#c{cid}"
    row = _comment_row(cid)
    assert not row["hidden"] and row["hidden_reason"] == "" and row["hidden_by"] is None
    assert "A comment hidden by mistake." in client.get(f"/topics/{tid}").text
    assert _audit(cid)[-1] == "comment.unhide"
    assert _open_flags(cid) == 0  # shown again = judged acceptable: its open flags are dismissed
    # it shows on the committee's moderation timeline
    text = text_of(client.get("/committee/flags").text)
    assert "showed a hidden comment again" in text and "hid a comment: Looks like an advert." in text


def test_unhide_refused_for_the_wrong_role_place_or_state(new_client, topics, make_user, elsewhere):
    tid, _ = topics.create("discussing")
    cid = _comment(tid, make_user("resident"))
    shown = _comment(tid, make_user("resident"))
    from consult.topics import discussion

    run(discussion.hide_comment(viewer(make_user("committee")), tid, cid, "Off topic here."))
    resident, far, committee = (_signed_in(new_client(), n) for n in
                                (make_user("resident"), elsewhere("committee"), make_user("committee")))
    before = db_fingerprint()
    assert resident.post(f"/topics/{tid}/comments/{cid}/unhide", {}).status_code == 403
    r = far.post(f"/topics/{tid}/comments/{cid}/unhide", {})  # the committee of another community
    assert r.status_code == 403 and "does not reach" in r.text
    r = committee.post(f"/topics/{tid}/comments/{shown}/unhide", {})  # not hidden
    assert r.status_code == 409 and "not hidden" in r.text
    assert db_fingerprint() == before
    assert _comment_row(cid)["hidden"]


def test_the_queue_shows_open_flags_in_ones_places_most_flagged_first(client, topics, make_user, elsewhere, community):
    tid, _ = topics.create("discussing")
    once = _comment(tid, make_user("resident"), "Flagged once here.")
    thrice = _comment(tid, make_user("resident"), "Flagged three times here.")
    never = _comment(tid, make_user("resident"), "Never flagged at all.")
    _flag(tid, once, make_user("resident"))
    _flag(tid, thrice, make_user("resident"), make_user("resident"), make_user("resident"))
    # a topic of 和顺社区 with a flagged comment: not this committee's
    other_topic = Topics(lambda *roles, grid=0: elsewhere(*roles),
                         {**community, "grids": community["communities"]["和顺社区"]["grids"]})
    other_topic._committee = elsewhere("committee")
    otid, _ = other_topic.create("discussing")
    far = _comment(otid, elsewhere("resident"), "Flagged in the other community.")
    _flag(otid, far, elsewhere("resident"))

    _signed_in(client, make_user("committee"))
    page = client.get("/committee/flags")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Flagged three times here." in text and "Flagged once here." in text
    assert text.index("Flagged three times here.") < text.index("Flagged once here.")
    assert "Never flagged at all." not in text and "Flagged in the other community." not in text
    assert "flagged 3 times" in text
    client.post("/auth/logout", {})
    _signed_in(client, make_user("admin"))  # an administrator serves the whole install
    assert "Flagged in the other community." in client.get("/committee/flags").text


def test_dismissing_keeps_the_comment_and_the_flag_rows(client, topics, make_user):
    tid, _ = topics.create("discussing")
    cid = _comment(tid, make_user("resident"), "Sharp but fair words.")
    flagger = make_user("resident")
    _flag(tid, cid, flagger, make_user("resident"))
    _signed_in(client, make_user("committee"))
    r = client.post(f"/topics/{tid}/comments/{cid}/dismiss-flags", {"next": "/committee/flags"})
    assert r.status_code == 303 and r.headers["location"] == "/committee/flags"
    assert _open_flags(cid) == 0 and not _comment_row(cid)["hidden"]
    from consult.topics.tables import CommentFlag

    assert run(CommentFlag.count().where(CommentFlag.comment == cid)) == 2  # kept as history
    assert _audit(cid)[-1] == "comment.flags_dismissed"
    assert "Sharp but fair words." not in text_of(client.get("/committee/flags").text).split("Recent moderation")[0]
    assert "flagged 2 times" not in client.get(f"/topics/{tid}").text
    # the one who flagged cannot raise the same flag again
    from consult.topics import discussion
    from consult.topics.lifecycle import TopicRefused

    with pytest.raises(TopicRefused):
        run(discussion.flag_comment(viewer(flagger), tid, cid))
    before = db_fingerprint()
    r = client.post(f"/topics/{tid}/comments/{cid}/dismiss-flags", {})  # nothing open any more
    assert r.status_code == 409 and db_fingerprint() == before


def test_dismiss_refused_for_the_wrong_role_or_place(new_client, topics, make_user, elsewhere):
    tid, _ = topics.create("discussing")
    cid = _comment(tid, make_user("resident"))
    _flag(tid, cid, make_user("resident"))
    resident, staff, far = (_signed_in(new_client(), n) for n in
                            (make_user("resident"), make_user("staff"), elsewhere("committee")))
    before = db_fingerprint()
    for c in (resident, staff, far):
        assert c.post(f"/topics/{tid}/comments/{cid}/dismiss-flags", {}).status_code == 403
    assert resident.get("/committee/flags").status_code == 403
    assert db_fingerprint() == before and _open_flags(cid) == 1
    assert f"/comments/{cid}/dismiss-flags" not in far.get("/committee/flags").text  # not in their queue either


def test_hiding_from_the_queue_goes_back_to_the_queue(client, topics, make_user):
    tid, _ = topics.create("discussing")
    cid = _comment(tid, make_user("resident"), "An advert for a shop.")
    _flag(tid, cid, make_user("resident"))
    _signed_in(client, make_user("committee"))
    assert f"/comments/{cid}/hide" in client.get("/committee/flags").text
    r = client.post(f"/topics/{tid}/comments/{cid}/hide", {"reason": "Advertising.", "next": "/committee/flags"})
    assert r.status_code == 303 and r.headers["location"] == "/committee/flags"
    assert _comment_row(cid)["hidden"]
    queue = text_of(client.get("/committee/flags").text).split("Recent moderation")[0]
    assert "An advert for a shop." not in queue
