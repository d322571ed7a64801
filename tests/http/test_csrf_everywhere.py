"""CSRF protection on EVERY unsafe route of the app, sign-in and sign-out included.

The routes come from the app itself (the authorization matrix's enumeration), so a new
unsafe route is checked the day it is added. For each, a visitor and an admin (who passes
every guard) send the request without a CSRF token, then with a wrong one: each must get
the CSRF refusal (403, "the form expired ..."), and the database must not change. The
same requests with the token are not refused for CSRF, so the refusal is really the
token check and not a guard.
"""

from __future__ import annotations

import pytest

from tests.http._world import db_fingerprint
from tests.http.test_authorization_matrix import FORMS, MATRIX, SAFE_METHODS, SESSION_CHANGING, _url, app_entries
from tests.http.test_authorization_matrix import world  # noqa: F401 - the same world fixture, built for this module

# the CSRF refusal's message, in English or in the default Chinese
CSRF_MESSAGES = ("The form expired or did not come from this site.", "表单已过期或并非来自本站。")
ROLES = ("visitor", "admin")


def unsafe_entries(app) -> list[str]:
    return sorted(key for key in app_entries(app) if key.split(" ", 1)[0] not in SAFE_METHODS)


def test_the_app_has_the_unsafe_routes_the_matrix_lists(app):
    """The enumeration is the app's own; it agrees with the matrix (which checks there is no stray route)."""
    found = unsafe_entries(app)
    assert found == sorted(k for k in MATRIX if k.split(" ", 1)[0] not in SAFE_METHODS)
    assert "POST /auth/login" in found and "POST /auth/logout" in found and "POST /auth/register" in found
    assert len(found) > 40


def _data(key: str, world, role: str) -> dict:
    if key == "POST /auth/login":
        return {"username": world.users[role] or world.users["resident"], "password": "test-password-1", "next": "/"}
    return dict(FORMS.get(key, {}))


def _refused_for_csrf(response) -> bool:
    return response.status_code == 403 and any(m in response.text for m in CSRF_MESSAGES)


def test_every_unsafe_route_refuses_a_request_without_a_valid_csrf_token(app, world):
    problems = []
    for key in unsafe_entries(app):
        method = key.split(" ", 1)[0]
        for role in ROLES:
            url = _url(key, world, role)
            client = world.fresh_client(role) if key in SESSION_CHANGING else world.client(role)
            try:
                client.get("/healthz")  # the client holds a CSRF cookie: only the header is missing
                assert client.cookies.get("csrftoken")
                for label, headers in (("no token", {}), ("a wrong token", {"x-csrftoken": "not-the-token"})):
                    before = db_fingerprint()
                    r = client.request(method, url, csrf=False, data=_data(key, world, role), headers=headers)
                    if not _refused_for_csrf(r):
                        problems.append(f"{role}: {method} {url} with {label} -> {r.status_code}, not refused")
                    if db_fingerprint() != before:
                        problems.append(f"{role}: {method} {url} with {label} changed the database")
            finally:
                if key in SESSION_CHANGING:
                    client.tc.__exit__(None, None, None)
    assert not problems, "\n".join(problems)


def test_sign_in_and_sign_out_without_a_token_change_no_session(app, world):
    name = world.users["resident"]
    c = world.fresh_client("visitor")
    try:
        r = c.post("/auth/login", {"username": name, "password": "test-password-1", "next": "/"}, csrf=False)
        assert _refused_for_csrf(r)
        assert c.get("/account").status_code == 303  # still a visitor
        c.login(name)
        assert c.get("/account").status_code == 200
        assert _refused_for_csrf(c.post("/auth/logout", csrf=False))
        assert c.get("/account").status_code == 200  # still signed in
    finally:
        c.tc.__exit__(None, None, None)


def test_with_the_token_the_same_requests_pass_the_csrf_check(app, world):
    """Only the token makes the difference (the admin's session stays: no session-changing route here)."""
    problems = []
    for key in unsafe_entries(app):
        if key in SESSION_CHANGING:
            continue
        method = key.split(" ", 1)[0]
        url = _url(key, world, "visitor")
        r = world.client("visitor").request(method, url, data=_data(key, world, "visitor"))
        if _refused_for_csrf(r):
            problems.append(f"visitor: {method} {url} with the token -> refused for CSRF")
    assert not problems, "\n".join(problems)
