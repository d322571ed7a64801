"""Unread notifications are grouped by what they are about ("议题《…》有 5 条新回复"), so
27 of them do not pile up; each group can be marked read at once, and all of them."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import PASSWORD, run, text_of
from tests.http.test_notifications import notifications_of, notify


@pytest.fixture
def person(app, community):
    from consult.accounts.services import create_user

    def make(*roles):
        name = "g" + uuid.uuid4().hex[:10]
        uid = run(create_user(name, PASSWORD, list(roles), display_name=name.upper(), grid_id=community["grids"][0]))
        return name, uid

    return make


def _replies(uid, topic_id, n, title):
    for i in range(n):
        notify([uid], kind="reply", params={"title": title}, link=f"/topics/{topic_id}#c{100 + i}")


def _unread(uid):
    return [n for n in notifications_of(uid) if n["read_at"] is None]


def test_replies_on_one_topic_become_one_line(client, person):
    from consult.notifications.domain import ANNOUNCEMENT_MESSAGE

    name, uid = person("resident")
    _replies(uid, 7001, 5, "电梯加装")
    notify([uid], kind="topic_state", params={"title": "路灯"}, link="/topics/7002")
    for title in ("停水通知", "停电通知"):
        notify([uid], kind="announcement", message=ANNOUNCEMENT_MESSAGE, params={"title": title},
               link=f"/announcements/{uuid.uuid4().int % 10**6}")
    client.login(name)
    html = client.get("/notifications").text
    text = text_of(html)
    assert "议题《电梯加装》有 5 条新回复" in text
    assert text.count("议题《电梯加装》有") == 1
    assert "2 条新公告" in text
    # the topic's group links to the topic; a group of one is shown as the notification itself
    assert 'href="/topics/7001"' in html and 'href="/topics/7002"' in html
    assert html.count('class="notification unread group"') == 2
    # each notification of a group is still there to open, without JavaScript (details)
    assert 'href="/topics/7001#c104"' in html and "<details>" in html

    client.get("/lang/en?next=/")
    text = text_of(client.get("/notifications").text)
    assert "5 new replies on the topic “电梯加装”" in text and "2 new announcements" in text


def test_mixed_kinds_on_one_topic_say_notifications(client, person):
    name, uid = person("resident")
    _replies(uid, 7101, 2, "停车")
    notify([uid], kind="topic_state", params={"title": "停车"}, link="/topics/7101")
    client.login(name)
    assert "议题《停车》有 3 条新消息" in text_of(client.get("/notifications").text)


def test_mark_one_group_read(client, new_client, person):
    from consult.accounts.tables import AuditEntry

    (name, uid), (_other_name, other) = person("resident"), person("resident")
    _replies(uid, 7201, 3, "垃圾分类")
    _replies(other, 7201, 2, "垃圾分类")
    notify([uid], kind="reply", params={"title": "另一个"}, link="/topics/72011")  # not the same topic
    notify([uid], kind="reply", params={"title": "第三个"}, link="/topics/7202")
    client.login(name)
    r = client.post("/notifications/groups/read", {"subject": "/topics/7201", "next": "/notifications"})
    assert r.status_code == 303 and r.headers["location"] == "/notifications"
    left = {n["link"] for n in _unread(uid)}
    assert left == {"/topics/72011", "/topics/7202"}
    assert len(_unread(other)) == 2  # someone else's stay unread
    entry = run(AuditEntry.select().where(AuditEntry.action == "notification.group_read")
                .order_by(AuditEntry.id, ascending=False).first().output(load_json=True))
    assert entry["actor"] == uid and entry["detail"]["count"] == 3

    htmx = client.post("/notifications/groups/read", {"subject": "/topics/7202"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.text and 'id="notification-list"' in htmx.text
    assert htmx.headers.get("hx-trigger") == "notifications-changed"
    assert {n["link"] for n in _unread(uid)} == {"/topics/72011"}


def test_mark_the_announcements_read_together(client, person):
    from consult.notifications.domain import ANNOUNCEMENT_MESSAGE

    name, uid = person("resident")
    for _ in range(3):
        notify([uid], kind="announcement", message=ANNOUNCEMENT_MESSAGE, params={"title": "通知"},
               link=f"/announcements/{uuid.uuid4().int % 10**6}")
    notify([uid], kind="reply", params={"title": "留下"}, link="/topics/7301")
    client.login(name)
    assert client.post("/notifications/groups/read", {"subject": "announcements"}).status_code == 303
    assert [n["kind"] for n in _unread(uid)] == ["reply"]


@pytest.mark.parametrize("subject", ["", "//evil.example/topics/1", "https://evil.example/", "/topics/1#c2",
                                     "topics/1", "/topics/\\1"])
def test_a_subject_that_is_not_one_is_refused_and_changes_nothing(client, person, subject):
    name, uid = person("resident")
    _replies(uid, 7401, 2, "x")
    client.login(name)
    r = client.post("/notifications/groups/read", {"subject": subject})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert len(_unread(uid)) == 2


def test_csrf_less_group_read_is_refused(client, person):
    name, uid = person("resident")
    _replies(uid, 7501, 2, "x")
    client.login(name)
    assert client.post("/notifications/groups/read", {"subject": "/topics/7501"}, csrf=False).status_code == 403
    assert len(_unread(uid)) == 2


def test_mark_all_read_still_reads_every_group(client, person):
    name, uid = person("resident")
    _replies(uid, 7601, 4, "a")
    _replies(uid, 7602, 4, "b")
    client.login(name)
    assert client.post("/notifications/read-all").status_code == 303
    assert _unread(uid) == []
    text = text_of(client.get("/notifications").text)
    assert "有 4 条新回复" not in text and "a" in text


def test_a_real_reply_groups_under_its_topic(client, make_user, community):
    """End to end: the discussion's own notices (links with #c<id>) group by topic."""
    from consult.topics.discussion import add_comment
    from tests.http.test_topics_helpers import Topics, viewer

    topics = Topics(make_user, community)
    tid, _ = topics.create("discussing", title="Replies grouped")
    first_author = make_user("resident")
    parent = run(add_comment(viewer(first_author), tid, "The first comment."))
    for _ in range(3):
        run(add_comment(viewer(make_user("resident")), tid, "A reply to it.", parent))
    client.login(first_author)
    assert "议题《Replies grouped》有 3 条新回复" in text_of(client.get("/notifications").text)
