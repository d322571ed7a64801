"""Notifications and staff announcements: who gets what, read/unread, the bell, preferences, guards."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id

MSG = "Someone replied to your comment on {title}."  # a template as another feature would mark it


def notifications_of(uid: int) -> list[dict]:
    from consult.notifications.tables import Notification

    return run(
        Notification.select().where(Notification.user == uid).order_by(Notification.id).output(load_json=True)
    )


def recipients_of(announcement_id: int) -> set[int]:
    from consult.notifications.tables import Notification

    rows = run(Notification.select(Notification.user).where(Notification.announcement == announcement_id))
    return {r["user"] for r in rows}


def latest_announcement() -> dict | None:
    from consult.notifications.tables import Announcement

    return run(Announcement.select().order_by(Announcement.id, ascending=False).first().output(load_json=True))


def notify(user_ids, kind="reply", message=MSG, params=None, link="/topics/1", actor_id=None) -> int:
    from consult.notifications.services import notify as _notify

    return run(_notify(user_ids, kind, message, params or {"title": "Bins"}, link, actor_id))


@pytest.fixture
def new_grid(community):
    """A grid of its own for each test, so audience counts are exact."""
    from consult.places.commands import create_place

    def make() -> int:
        return run(create_place(None, community["community"], "grid-" + uuid.uuid4().hex[:8], "grid", 10))

    return make


@pytest.fixture
def person(app, community):
    """Create a user in a given grid with roles; returns (username, id)."""
    from consult.accounts.services import create_user

    def make(*roles, grid_id=None):
        name = "n" + uuid.uuid4().hex[:10]
        uid = run(create_user(name, PASSWORD, list(roles), display_name=name.upper(),
                              grid_id=grid_id or community["grids"][0]))
        return name, uid

    return make


def signed_in(new_client, username):
    c = new_client()
    c.login(username)
    return c


# ---------------------------------------------------------------- notify()


def test_notify_excludes_the_actor_and_opted_out_users_and_creates_exactly_the_right_rows(person):
    from consult.notifications.services import set_preferences

    (_, actor), (_, b), (_, c), (_, off) = person("resident"), person("resident"), person("resident"), person("resident")
    run(set_preferences(off, {"reply": False}))

    count = notify([actor, b, c, off, b, c], params={"title": "Bins"}, link="/topics/7#c3", actor_id=actor)

    assert count == 2
    assert notifications_of(actor) == [] and notifications_of(off) == []
    for uid in (b, c):
        [row] = notifications_of(uid)
        assert (row["kind"], row["message"], row["params"], row["link"]) == ("reply", MSG, {"title": "Bins"}, "/topics/7#c3")
        assert row["read_at"] is None and row["announcement"] is None and row["created_at"] is not None
    # the opt-out is per kind: the same person still gets other kinds
    assert notify([off], kind="topic_state") == 1


def test_notify_leaves_out_inactive_accounts_and_unknown_ids(person):
    from consult.accounts.tables import User

    (_, a), (_, gone) = person("resident"), person("resident")
    run(User.update({User.active: False}).where(User.id == gone))
    assert notify([a, gone, 987654321]) == 1
    assert notifications_of(gone) == []
    assert notify([]) == 0


def test_notify_joins_the_callers_transaction(person):
    from consult import db
    from consult.notifications.services import notify as _notify

    (_, a), (_, b) = person("resident"), person("resident")

    async def rolled_back():
        async with db.transaction():
            assert await _notify([a, b], "topic_state", MSG, {"title": "x"}, "/topics/1", None) == 2
            raise RuntimeError("the caller's change failed")

    with pytest.raises(RuntimeError):
        run(rolled_back())
    assert notifications_of(a) == [] and notifications_of(b) == []

    async def committed():
        async with db.transaction():
            return await _notify([a, b], "topic_state", MSG, {"title": "x"}, "/topics/1", None)

    assert run(committed()) == 2
    assert len(notifications_of(a)) == len(notifications_of(b)) == 1


def test_notify_refuses_an_unknown_kind_or_a_link_off_the_site(person):
    _, a = person("resident")
    with pytest.raises(ValueError):
        notify([a], kind="spam")
    for link in ("https://evil.example/", "//evil.example/x", "topics/1"):
        with pytest.raises(ValueError):
            notify([a], link=link)
    assert notifications_of(a) == []


# ---------------------------------------------------------------- preferences


def test_preferences_off_means_none(client, person):
    from consult.notifications.services import preferences_of

    name, uid = person("resident")
    client.login(name)
    page = client.get("/notifications/preferences")
    from consult.notifications.domain import KINDS

    assert page.status_code == 200 and page.text.count('type="checkbox"') == len(KINDS)  # one box per kind of notice (account, work orders, meetings among them)
    # keep every kind except replies and announcements
    r = client.post("/notifications/preferences", {"kinds": ["topic_state", "evaluation_open", "vote_open", "vote_published"]})
    assert r.status_code == 303
    prefs = run(preferences_of(uid))
    assert prefs["reply"] is False and prefs["announcement"] is False and prefs["topic_state"] is True
    assert notify([uid], kind="reply") == 0
    assert notifications_of(uid) == []
    # turn replies back on: one upsert per kind, no duplicate rows
    assert client.post("/notifications/preferences", {"kinds": ["reply"]}).status_code == 303
    assert run(preferences_of(uid))["reply"] is True and run(preferences_of(uid))["topic_state"] is False
    assert notify([uid], kind="reply") == 1


# ---------------------------------------------------------------- the bell and the list


def test_bell_count_fragment_counts_unread_only(client, person):
    name, uid = person("resident")
    notify([uid], params={"title": "one"})
    notify([uid], params={"title": "two"})
    notify([uid], params={"title": "three"})
    client.login(name)
    r = client.get("/notifications/count", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and 'id="bell-count"' in r.text
    assert 'hx-get="/notifications/count"' in r.text and "load" not in r.text  # keeps polling, no reload loop
    assert text_of(r.text).split()[0] == "3"
    first = notifications_of(uid)[0]["id"]
    assert client.post(f"/notifications/{first}/read").status_code == 303
    assert text_of(client.get("/notifications/count").text).split()[0] == "2"
    # the header carries the bell on every page for a signed-in person
    home = client.get("/")
    assert 'href="/notifications"' in home.text and 'hx-get="/notifications/count"' in home.text


def test_bell_count_for_a_visitor_is_an_empty_badge_that_stops_polling(client):
    r = client.get("/notifications/count")
    assert r.status_code == 200 and "hx-get" not in r.text and "hidden" in r.text


def test_notifications_page_lists_newest_first_highlights_unread_and_links(client, person):
    from consult.notifications.services import mark_read

    name, uid = person("resident")
    notify([uid], params={"title": "older"}, link="/topics/1")
    notify([uid], params={"title": "newer"}, link="/topics/2")
    run(mark_read(uid, notifications_of(uid)[0]["id"]))
    client.login(name)
    page = client.get("/notifications")
    assert page.status_code == 200
    text = text_of(page.text)
    assert text.index("newer") < text.index("older")
    assert page.text.count('class="notification unread"') == 1 and page.text.count('class="notification read"') == 1
    assert 'href="/topics/2"' in page.text and 'href="/topics/1"' in page.text
    assert page.text.count('action="/notifications/') >= 2  # one mark-read form + mark all
    assert 'name="_csrf_token"' in page.text


def test_notifications_page_is_paginated(client, person):
    """Those already read come a page at a time (the unread ones are grouped above them:
    tests/http/test_notification_groups.py)."""
    from consult.notifications.services import mark_all_read

    name, uid = person("resident")
    for i in range(23):
        notify([uid], params={"title": f"item{i:02d}"})
    run(mark_all_read(uid))
    client.login(name)
    first = client.get("/notifications")
    assert first.text.count('class="notification ') == 20 and "item22" in first.text and "item02" not in first.text
    second = client.get("/notifications?page=2")
    assert second.text.count('class="notification ') == 3 and "item00" in second.text


def test_messages_are_translated_when_shown(client, person):
    from consult.notifications.domain import ANNOUNCEMENT_MESSAGE

    name, uid = person("resident")
    notify([uid], kind="announcement", message=ANNOUNCEMENT_MESSAGE, params={"title": "停水通知"})
    client.login(name)
    assert "通知：停水通知" in text_of(client.get("/notifications").text)
    client.get("/lang/en?next=/")
    assert "Announcement: 停水通知" in text_of(client.get("/notifications").text)


def test_visitor_is_sent_to_sign_in(client):
    r = client.get("/notifications")
    assert r.status_code == 303 and r.headers["location"].startswith("/auth/login?next=/notifications")


# ---------------------------------------------------------------- mark read


def test_mark_read_only_own(client, new_client, person):
    (owner_name, owner), (other_name, _) = person("resident"), person("resident")
    notify([owner])
    nid = notifications_of(owner)[0]["id"]
    other = signed_in(new_client, other_name)
    assert other.post(f"/notifications/{nid}/read").status_code == 404
    assert notifications_of(owner)[0]["read_at"] is None
    assert other.post("/notifications/999999/read").status_code == 404

    client.login(owner_name)
    r = client.post(f"/notifications/{nid}/read", {"next": "/notifications?page=1"})
    assert r.status_code == 303 and r.headers["location"] == "/notifications?page=1"
    assert notifications_of(owner)[0]["read_at"] is not None
    assert client.post(f"/notifications/{nid}/read").status_code == 303  # again: harmless


def test_mark_read_with_htmx_swaps_the_item_and_tells_the_bell(client, person):
    name, uid = person("resident")
    notify([uid], params={"title": "swap-me"})
    nid = notifications_of(uid)[0]["id"]
    client.login(name)
    r = client.post(f"/notifications/{nid}/read", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and f'id="n-{nid}"' in r.text and 'class="notification read"' in r.text
    assert "swap-me" in r.text
    assert r.headers.get("hx-trigger") == "notifications-changed"


def test_mark_all_read(client, person):
    from consult.notifications.services import unread_count

    (name, uid), (_, other) = person("resident"), person("resident")
    notify([uid, other])
    notify([uid, other])
    notify([uid])
    assert run(unread_count(uid)) == 3
    client.login(name)
    r = client.post("/notifications/read-all")
    assert r.status_code == 303 and r.headers["location"] == "/notifications"
    assert run(unread_count(uid)) == 0
    assert run(unread_count(other)) == 2  # someone else's stay unread
    htmx = client.post("/notifications/read-all", headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.text and 'id="notification-list"' in htmx.text


def test_csrf_less_posts_are_refused(client, person, make_user):
    from consult.notifications.tables import Announcement

    name, uid = person("resident")
    notify([uid])
    nid = notifications_of(uid)[0]["id"]
    client.login(name)
    assert client.post(f"/notifications/{nid}/read", csrf=False).status_code == 403
    assert client.post("/notifications/read-all", csrf=False).status_code == 403
    assert client.post("/notifications/preferences", {"kinds": []}, csrf=False).status_code == 403
    assert notifications_of(uid)[0]["read_at"] is None

    before = run(Announcement.count())
    staff = make_user("staff")
    client.login(staff)
    r = client.post("/staff/announcements", {"title": "Hello", "body": "x", "everyone": "1"}, csrf=False)
    assert r.status_code == 403 and run(Announcement.count()) == before


# ---------------------------------------------------------------- announcements


def send(client, **data):
    return client.post("/staff/announcements", data)


def test_announcement_to_one_grid_reaches_exactly_its_active_members(client, person, new_grid):
    from consult.accounts.tables import User
    from consult.notifications.services import announcement_stats

    grid, elsewhere = new_grid(), new_grid()
    staff_name, staff_id = person("staff", grid_id=grid)  # the sender is not notified
    members = {person("resident", grid_id=grid)[1] for _ in range(3)} | {person(grid_id=grid)[1]}
    _, gone = person("resident", grid_id=grid)
    run(User.update({User.active: False}).where(User.id == gone))
    person("resident", grid_id=elsewhere)

    client.login(staff_name)
    r = send(client, title="Water off Tuesday", body="From 9 to 12.", grid_ids=[str(grid)])
    assert r.status_code == 303 and r.headers["location"] == "/staff/announcements"
    a = latest_announcement()
    assert a["target"] == {"grids": [grid], "role": None, "everyone": False}
    assert a["recipient_count"] == 4
    assert recipients_of(a["id"]) == members
    assert run(announcement_stats(a["id"])).recipients == 4
    [note] = [n for n in notifications_of(next(iter(members))) if n["announcement"] == a["id"]]
    assert note["kind"] == "announcement" and note["link"] == f"/announcements/{a['id']}"
    assert note["params"] == {"title": "Water off Tuesday"}


def test_announcement_to_several_grids(client, person, new_grid):
    g1, g2, g3 = new_grid(), new_grid(), new_grid()
    staff_name, _ = person("staff", grid_id=g3)
    expected = {person("resident", grid_id=g1)[1], person("resident", grid_id=g2)[1], person("resident", grid_id=g2)[1]}
    person("resident", grid_id=g3)
    client.login(staff_name)
    assert send(client, title="Two grids", body="Both of you.", grid_ids=[str(g1), str(g2)]).status_code == 303
    a = latest_announcement()
    assert a["recipient_count"] == 3 and recipients_of(a["id"]) == expected
    assert sorted(a["target"]["grids"]) == sorted([g1, g2])


def test_announcement_to_one_role(client, person):
    from consult.accounts.tables import User, UserRole

    staff_name, staff_id = person("staff")
    person("representative")
    person("representative", "resident")
    person("resident")
    client.login(staff_name)
    assert send(client, title="Representatives", body="Meeting on Friday.", role="representative").status_code == 303
    a = latest_announcement()
    reps = {r["user"] for r in run(UserRole.select(UserRole.user).where(UserRole.role == "representative"))}
    active = {r["id"] for r in run(User.select(User.id).where(User.active == True))}  # noqa: E712
    expected = (reps & active) - {staff_id}
    assert len(expected) >= 2
    assert recipients_of(a["id"]) == expected and a["recipient_count"] == len(expected)


def test_announcement_to_residents_includes_party_members(client, person):
    staff_name, _ = person("staff")
    _, party = person("party_member")
    client.login(staff_name)
    assert send(client, title="Residents", body="All residents.", role="resident").status_code == 303
    assert party in recipients_of(latest_announcement()["id"])


def test_announcement_to_everyone_leaves_out_the_sender_inactive_and_opted_out(client, person):
    from consult.accounts.tables import User
    from consult.notifications.services import set_preferences
    from consult.notifications.tables import NotificationPreference

    staff_name, staff_id = person("staff")
    _, quiet = person("resident")
    run(set_preferences(quiet, {"announcement": False}))
    _, gone = person("resident")
    run(User.update({User.active: False}).where(User.id == gone))

    client.login(staff_name)
    assert send(client, title="Everyone", body="Hello all.", everyone="1").status_code == 303
    a = latest_announcement()
    active = {r["id"] for r in run(User.select(User.id).where(User.active == True))}  # noqa: E712
    opted_out = {
        r["user"]
        for r in run(
            NotificationPreference.select(NotificationPreference.user).where(
                (NotificationPreference.kind == "announcement") & (NotificationPreference.enabled == False)  # noqa: E712
            )
        )
    }
    expected = active - {staff_id} - opted_out
    assert quiet not in expected and gone not in expected
    assert recipients_of(a["id"]) == expected and a["recipient_count"] == len(expected)


def test_read_ratio_after_some_read(client, new_client, person, new_grid):
    from consult.notifications.services import announcement_stats

    grid = new_grid()
    staff_name, _ = person("staff", grid_id=new_grid())
    readers = [person("resident", grid_id=grid) for _ in range(4)]
    client.login(staff_name)
    assert send(client, title="Ratio", body="Please read.", grid_ids=[str(grid)]).status_code == 303
    aid = latest_announcement()["id"]

    # one opens the announcement (opening is reading) ...
    reader = signed_in(new_client, readers[0][0])
    page = reader.get(f"/announcements/{aid}")
    assert page.status_code == 200 and "Please read." in page.text
    reader.get(f"/announcements/{aid}")  # twice counts once
    # ... another marks it read from the list
    reader.login(readers[1][0])
    [note] = [n for n in notifications_of(readers[1][1]) if n["announcement"] == aid]
    assert reader.post(f"/notifications/{note['id']}/read").status_code == 303

    stats = run(announcement_stats(aid))
    assert (stats.recipients, stats.read, stats.ratio) == (4, 2, 0.5)
    listing = client.get("/staff/announcements")
    assert listing.status_code == 200
    row = text_of(listing.text.split(f'id="a-{aid}"')[1].split("</tr>")[0])
    assert "Ratio" in row and " 4 " in row and " 2 " in row and "50%" in row


def test_announcement_page_is_for_recipients_and_staff_only(client, new_client, person, new_grid):
    grid = new_grid()
    staff_name, _ = person("staff", grid_id=new_grid())
    recipient, _ = person("resident", grid_id=grid)
    outsider, _ = person("resident", grid_id=new_grid())
    client.login(staff_name)
    send(client, title="Private", body="Only this grid.", grid_ids=[str(grid)])
    aid = latest_announcement()["id"]
    other = signed_in(new_client, outsider)
    assert other.get(f"/announcements/{aid}").status_code == 404
    other.login(recipient)
    assert other.get(f"/announcements/{aid}").status_code == 200
    assert client.get(f"/announcements/{aid}").status_code == 200  # staff may look
    other.post("/auth/logout")
    assert other.get(f"/announcements/{aid}").status_code == 303  # visitor: sign in


@pytest.mark.parametrize(
    "data, fields",
    [
        ({"title": "x", "body": "", "everyone": "1"}, ["e-title", "e-body"]),
        ({"title": "Fine title", "body": "b" * 2001, "everyone": "1"}, ["e-body"]),
        ({"title": "T" * 81, "body": "ok", "everyone": "1"}, ["e-title"]),
        ({"title": "No audience", "body": "ok"}, ["e-target"]),
        ({"title": "Two audiences", "body": "ok", "everyone": "1", "role": "resident"}, ["e-target"]),
        ({"title": "Bad role", "body": "ok", "role": "king"}, ["e-role"]),
        ({"title": "Bad grid", "body": "ok", "grid_ids": ["999999"]}, ["e-grid_ids"]),
    ],
)
def test_announcement_errors_are_shown_beside_fields_and_nothing_is_saved(client, make_user, data, fields):
    from consult.notifications.tables import Announcement, Notification

    before = (run(Announcement.count()), run(Notification.count()))
    client.login(make_user("staff"))
    r = send(client, **data)
    assert r.status_code == 400
    for field in fields:
        assert f'id="{field}"' in r.text
    assert 'aria-invalid="true"' in r.text or 'id="e-target"' in r.text
    assert (run(Announcement.count()), run(Notification.count())) == before
    if data.get("title"):
        assert f'value="{data["title"]}"' in r.text  # the form keeps what was typed


def test_announcement_error_messages_are_clear(client, make_user):
    client.login(make_user("staff"))
    r = send(client, title="x", body="ok", everyone="1", role="resident")
    text = text_of(r.text)
    assert "标题须为 2 至 80 个字符。" in text
    assert "请只选择一种发送对象：网格、某一角色或全体。" in text
    assert "未发送。请修改标出的内容。" in text


@pytest.mark.parametrize("roles", [("resident",), ("committee", "resident"), ("representative",)])
def test_wrong_role_gets_403_on_announcement_routes(client, make_user, roles):
    from consult.notifications.tables import Announcement

    before = run(Announcement.count())
    client.login(make_user(*roles))
    assert client.get("/staff/announcements").status_code == 403
    assert send(client, title="Sneaky", body="no", everyone="1").status_code == 403
    assert run(Announcement.count()) == before


def test_visitor_on_announcement_routes_is_sent_to_sign_in(client):
    r = client.get("/staff/announcements")
    assert r.status_code == 303 and r.headers["location"] == "/auth/login?next=/staff/announcements"
    assert client.post("/staff/announcements", {"title": "x"}).status_code == 303


def test_admin_may_send_announcements_and_it_is_audited(client, make_user, person, new_grid):
    from consult.accounts.tables import AuditEntry

    grid = new_grid()
    person("resident", grid_id=grid)
    admin = make_user("admin")
    client.login(admin)
    assert client.get("/staff/announcements").status_code == 200
    assert send(client, title="From admin", body="Hi.", grid_ids=[str(grid)]).status_code == 303
    aid = latest_announcement()["id"]
    entry = run(
        AuditEntry.select(AuditEntry.action, AuditEntry.actor, AuditEntry.detail)
        .where((AuditEntry.target_type == "announcement") & (AuditEntry.target_id == str(aid)))
        .first()
        .output(load_json=True)
    )
    assert entry["action"] == "announcement.sent" and entry["actor"] == user_id(admin)
    assert entry["detail"]["recipients"] == 1 and entry["detail"]["grids"] == [grid]


def test_announce_service_refuses_non_staff(person):
    from consult.accounts.services import load_viewer
    from consult.messages import Refusal
    from consult.notifications.services import announce

    _, uid = person("committee", "resident")
    viewer = run(load_viewer(uid))
    with pytest.raises(Refusal) as exc:
        run(announce(viewer, "Title", "Body", [], None, True))
    assert exc.value.status_code == 403
