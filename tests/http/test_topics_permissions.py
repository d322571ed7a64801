"""The rules that live in the permission object, over HTTP: nobody flags their own
comment (the page offers no button and the command refuses), the evaluation rule's
figures come from the lifecycle's evaluation module."""

from __future__ import annotations

import pytest

from tests.conftest import run
from tests.http.test_topics_helpers import Topics, english

HX = {"hx-request": "true"}


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def test_a_resident_cannot_flag_their_own_comment(client, topics, make_user):
    from consult.topics.tables import CommentFlag, TopicComment

    tid, _ = topics.create("discussing")
    client.login(make_user("resident"))
    english(client)
    assert client.post(f"/topics/{tid}/comments", {"body": "My own words"}).status_code == 303
    cid = run(TopicComment.select(TopicComment.id).where(TopicComment.topic == tid).first())["id"]
    page = client.get(f"/topics/{tid}").text
    assert f"/topics/{tid}/comments/{cid}/flag" not in page
    r = client.post(f"/topics/{tid}/comments/{cid}/flag", headers=HX)
    assert r.status_code == 409 and r.headers["HX-Retarget"] == "#topic-alert"
    assert "You may not “flag” your own comment." in r.text
    assert run(CommentFlag.count().where(CommentFlag.comment == cid)) == 0


def test_the_early_end_states_the_rule_from_its_figures(client, topics):
    tid, _ = topics.create("evaluating")
    client.login(topics.staff)
    english(client)
    page = client.get(f"/topics/{tid}").text
    assert ("A project is completed when at least 80% of its ratings are satisfied or basically satisfied, "
            "out of at least 5 ratings; with fewer, the window is extended once by 14 days.") in page
