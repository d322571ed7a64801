"""Sessions live in a store every worker shares: sign in on one worker, be signed in on another."""

import pytest
from litestar.testing import TestClient

from consult.app import create_app
from tests.conftest import PASSWORD, Client, run


def _two_workers(settings):
    return create_app(settings, manage_engine=False), create_app(settings, manage_engine=False)


def _signed_in_across_workers(settings, make_user):
    name = make_user("resident")
    app_a, app_b = _two_workers(settings)
    with TestClient(app_a, base_url="http://testserver.local") as a, TestClient(
        app_b, base_url="http://testserver.local"
    ) as b:
        Client(a).login(name)
        b.cookies.set("session", a.cookies.get("session"), domain="testserver.local")
        page = b.get("/account", follow_redirects=False)
        assert page.status_code == 200 and name in page.text
        # signing out on worker B ends the session for worker A too
        b.cookies.set("csrftoken", a.cookies.get("csrftoken"), domain="testserver.local")
        r = b.post("/auth/logout", headers={"x-csrftoken": a.cookies.get("csrftoken")}, follow_redirects=False)
        assert r.status_code == 303
        assert a.get("/account", follow_redirects=False).status_code == 303


def test_database_session_store_is_shared_between_workers(settings, make_user):
    _signed_in_across_workers(settings, make_user)


def test_redis_session_store_is_shared_between_workers(settings, make_user):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis at 127.0.0.1:6379 is not reachable: {exc}")
    _signed_in_across_workers(settings.with_(redis_url="redis://127.0.0.1:6379/15"), make_user)


def test_visitor_session_is_not_written(client, app):
    """A visitor reading pages creates no session row and gets no session cookie."""
    from consult.accounts.tables import SessionRecord

    before = run(SessionRecord.count())
    for path in ("/", "/auth/login", "/healthz"):
        r = client.get(path)
        assert "session=" not in r.headers.get("set-cookie", "")
    assert run(SessionRecord.count()) == before


def test_idle_session_expires(client, make_user, app):
    import time

    name = make_user("resident")
    client.login(name)
    store = app.stores.get("sessions")
    sid = client.cookies.get("session")
    import msgspec

    data = msgspec.json.decode(run(store.get(sid)))
    data["seen"] = int(time.time()) - 3 * 3600  # idle longer than the 2-hour limit
    run(store.set(sid, msgspec.json.encode(data), expires_in=3600))
    assert client.get("/account").status_code == 303


def test_an_expired_stored_session_is_gone_and_a_viewer_has_exactly_their_roles(client, make_user, app):
    from datetime import datetime, timedelta, timezone

    from consult.accounts.services import load_viewer
    from consult.accounts.sessions import stored_key
    from consult.accounts.tables import SessionRecord
    from tests.conftest import user_id

    store = app.stores.get("sessions")
    run(store.set("expiring", b"{}", expires_in=3600))
    assert run(store.get("expiring")) == b"{}"
    past = datetime.now(timezone.utc) - timedelta(seconds=5)
    run(SessionRecord.update({SessionRecord.expires_at: past}).where(SessionRecord.key.like("%:" + stored_key("expiring"))))
    assert run(store.get("expiring")) is None
    assert run(SessionRecord.count().where(SessionRecord.key.like("%:" + stored_key("expiring")))) == 0  # and deleted

    name = make_user("resident", "party_member")
    viewer = run(load_viewer(user_id(name)))
    assert viewer.granted == frozenset({"resident", "party_member"}) and viewer.username == name
    assert viewer.must_change_password is False
    nobody = run(load_viewer(user_id(make_user())))
    assert nobody.granted == frozenset()  # an account without roles still signs in


def test_last_seen_is_written_once_a_minute_not_by_every_request_in_flight(client, make_user, app):
    import time

    import msgspec

    client.login(make_user("resident"))
    store = app.stores.get("sessions")
    sid = client.cookies.get("session")

    def stored_seen():
        return msgspec.json.decode(run(store.get(sid)))["seen"]

    def set_seen(value):
        data = msgspec.json.decode(run(store.get(sid)))
        data["seen"] = value
        run(store.set(sid, msgspec.json.encode(data), expires_in=3600))

    set_seen(int(time.time()) - 90)  # last seen a minute and a half ago
    assert client.get("/account").status_code == 200
    assert stored_seen() >= int(time.time()) - 2  # noted as seen now
    # a request that loaded the session before that write (same old time) must not write it again
    set_seen(int(time.time()) - 90)
    assert client.get("/account").status_code == 200
    assert stored_seen() <= int(time.time()) - 89
