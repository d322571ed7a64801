"""Session fixation: signing in issues a new session id AND deletes the session the browser
held before from the server-side store; signing out deletes the session from the store, so
replaying the old cookie gets a visitor."""

from __future__ import annotations

import uuid

from tests.conftest import PASSWORD, run


def _stored(app, sid: str):
    return run(app.stores.get("sessions").get(sid))


def _set_session_cookie(client, sid: str) -> None:
    client.tc.cookies.delete("session")
    client.tc.cookies.set("session", sid, domain="testserver.local")


def _sign_in_replaces_the_stored_session(client, app, username) -> str:
    """Sign in on a client whose session the store holds; returns the old session id, now gone."""
    old = client.cookies.get("session")
    assert old and _stored(app, old) is not None
    client.login(username)
    new = client.cookies.get("session")
    assert new and new != old
    assert _stored(app, old) is None, "the session from before the sign-in is still in the store"
    assert _stored(app, new) is not None
    return old


def test_a_visitors_stored_session_is_deleted_at_sign_in(client, app, community):
    # Registering leaves a flash message: a visitor's session that the store holds.
    name = f"rot_{uuid.uuid4().hex[:8]}"
    r = client.post("/auth/register", {"username": name, "display_name": "Rotation", "password": PASSWORD,
                                       "password2": PASSWORD, "grid_id": str(community["grids"][0])})
    assert r.status_code == 303, r.text[:500]
    _sign_in_replaces_the_stored_session(client, app, name)


def test_signing_in_again_deletes_the_previous_signed_in_session(client, app, make_user):
    first, second = make_user("resident"), make_user("resident")
    client.login(first)
    old = _sign_in_replaces_the_stored_session(client, app, second)
    # the old cookie, replayed, is a visitor's
    _set_session_cookie(client, old)
    assert client.get("/account").status_code == 303


def test_sign_out_deletes_the_session_on_the_server(client, app, make_user):
    client.login(make_user("resident"))
    sid = client.cookies.get("session")
    assert client.get("/account").status_code == 200
    assert client.post("/auth/logout").status_code == 303
    assert _stored(app, sid) is None
    _set_session_cookie(client, sid)  # a copy of the cookie kept from before the sign-out
    assert client.get("/account").status_code == 303
