"""Accounts after issue 12: common passwords, the user name and the current password are
refused; a password change ends every other session and rotates this one; session ids are
stored hashed; `__Host-` cookies in production; failed sign-ins and sign-outs audited;
nobody grants or revokes their own roles."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from litestar.testing import TestClient

from consult.accounts.common_passwords import common_passwords, is_common
from tests.conftest import PASSWORD, Client, run, text_of, user_id

ROOT = Path(__file__).resolve().parents[2]


def english(client):
    client.tc.cookies.set("lang", "en", domain="testserver.local")
    return client


def register(client, community, username, password):
    return client.post("/auth/register", {"username": username, "display_name": "R " + username,
                                          "password": password, "password2": password,
                                          "grid_id": str(community["grids"][0])})


def audit_rows(action: str, target_id=None) -> list[dict]:
    from consult.accounts.tables import AuditEntry

    q = AuditEntry.select(AuditEntry.actor, AuditEntry.target_id, AuditEntry.detail).where(AuditEntry.action == action)
    if target_id is not None:
        q = q.where(AuditEntry.target_id == str(target_id))
    rows = run(q.order_by(AuditEntry.id))
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]
    return rows


# ---------------------------------------------------------------- the bundled list


def test_the_bundled_list_is_the_10000_most_common_passwords_with_its_source_named():
    listed = common_passwords()
    assert len(listed) == 10_000
    assert {"password", "12345678", "qwerty", "iloveyou"} <= listed
    header = (ROOT / "consult/accounts/common-passwords.txt").read_text().splitlines()[:3]
    assert any("SecLists" in line and "10k-most-common.txt" in line for line in header)
    assert any("MIT" in line and "4f84b3c29b5f2192cc82ccdeaf655f0c5f0ab547" in line for line in header)
    # installed with the package, not only present in the source tree
    assert '"consult.accounts" = ["common-passwords.txt"]' in (ROOT / "pyproject.toml").read_text()
    assert is_common("PassWord") and is_common("12345678") and not is_common("demo-pass-2026")
    assert not is_common(PASSWORD)


def test_the_demo_and_test_passwords_are_not_on_the_list():
    demo = (ROOT / "consult/accounts/demo.py").read_text()
    assert "demo-pass-2026" in demo and not is_common("demo-pass-2026")
    assert not is_common(PASSWORD)


# ---------------------------------------------------------------- refused passwords


@pytest.mark.parametrize("password", ["password", "12345678", "PASSWORD", "Qwertyuiop"])
def test_registration_refuses_a_common_password_with_a_clear_message(client, community, password):
    name = f"cp_{uuid.uuid4().hex[:8]}"
    r = register(english(client), community, name, password)
    assert r.status_code == 400
    assert "10,000 most used" in text_of(r.text)
    from consult.accounts.tables import User

    assert not run(User.exists().where(User.username == name))


def test_registration_refuses_a_password_containing_the_user_name(client, community):
    name = f"maria_{uuid.uuid4().hex[:6]}"
    r = register(english(client), community, name, f"{name.upper()}-2026")
    assert r.status_code == 400 and "must not contain your user name" in text_of(r.text)


def test_the_refusals_are_translated(client, community):
    r = register(client, community, f"zh_{uuid.uuid4().hex[:6]}", "password")
    assert r.status_code == 400 and "10,000 most used" not in r.text and "常用" in text_of(r.text)


def test_change_refuses_common_user_name_and_current_passwords(client, make_user):
    name = make_user("resident")
    english(client).login(name)
    for new, message in (("12345678", "10,000 most used"), (name + "!x", "must not contain your user name"),
                         (PASSWORD, "must differ from the current one")):
        r = client.post("/account/password", {"current": PASSWORD, "new": new, "new2": new})
        assert r.status_code == 400 and message in text_of(r.text), new
    client.post("/auth/logout")
    client.login(name)  # still the old password


def test_the_first_admin_cannot_keep_the_printed_one_time_password(app, new_client):
    from consult.accounts.services import ensure_first_admin
    from consult.accounts.tables import UserRole

    run(UserRole.delete().where(UserRole.role == "admin"))
    line = run(ensure_first_admin(None))
    username, one_time = line.split("'")[1], line.split("password: ")[1].split()[0]
    c = english(new_client())
    c.login(username, one_time)
    r = c.post("/account/password", {"current": one_time, "new": one_time, "new2": one_time})
    assert r.status_code == 400 and "must differ from the current one" in text_of(r.text)
    from consult.accounts.tables import User

    assert run(User.select(User.must_change_password).where(User.username == username).first())[
        "must_change_password"] is True  # still to be changed


# ---------------------------------------------------------------- sessions


def test_a_password_change_ends_every_other_session_and_rotates_this_one(client, new_client, make_user):
    name = make_user("resident")
    other = new_client()
    client.login(name)
    other.login(name)
    assert other.get("/account").status_code == 200
    before = client.cookies.get("session")
    r = client.post("/account/password", {"current": PASSWORD, "new": "fresh-secret-77", "new2": "fresh-secret-77"})
    assert r.status_code == 303
    after = client.cookies.get("session")
    assert after and after != before  # rotated
    assert client.get("/account").status_code == 200  # and still signed in
    assert other.get("/account").status_code == 303  # the other session has ended
    client.tc.cookies.delete("session")
    client.tc.cookies.set("session", before, domain="testserver.local")
    assert client.get("/account").status_code == 303  # the old id is no longer valid
    other.login(name, "fresh-secret-77")


def test_session_ids_are_stored_hashed(client, make_user, app):
    from consult.accounts.sessions import stored_key
    from consult.accounts.tables import SessionRecord

    client.login(make_user("resident"))
    sid = client.cookies.get("session")
    rows = run(SessionRecord.select(SessionRecord.key, SessionRecord.value))
    dump = "\n".join(r["key"] + bytes(r["value"] or b"").decode("latin-1") for r in rows)
    assert sid not in dump  # a copy of the table gives no usable cookie
    assert any(r["key"].endswith(":" + stored_key(sid)) for r in rows)


def test_session_ids_are_stored_hashed_in_redis(settings, make_user):
    redis = pytest.importorskip("redis")
    try:
        server = redis.Redis.from_url("redis://127.0.0.1:6379/15")
        server.ping()
    except Exception as exc:  # noqa: BLE001 - an unreachable Redis fails the test
        pytest.fail(f"Redis at 127.0.0.1:6379 is not reachable: {exc}")
    from consult.app import create_app

    namespace = f"t{uuid.uuid4().hex[:12]}"
    app = create_app(settings.with_(redis_url="redis://127.0.0.1:6379/15", store_namespace=namespace),
                     manage_engine=False)
    with TestClient(app, base_url="http://testserver.local") as tc:
        Client(tc).login(make_user("resident"))
        sid = tc.cookies.get("session")
        keys = server.keys(f"{namespace}*")
        assert keys and all(sid.encode() not in k and sid.encode() not in (server.get(k) or b"") for k in keys)
        assert tc.get("/account", follow_redirects=False).status_code == 200
    for k in keys:
        server.delete(k)


def test_production_cookies_have_host_prefixed_names(settings, make_user):
    from consult.app import create_app

    assert (settings.session_cookie, settings.csrf_cookie) == ("session", "csrftoken")  # http://127.0.0.1 works
    prod = settings.with_(env="production")
    assert (prod.session_cookie, prod.csrf_cookie) == ("__Host-session", "__Host-csrftoken")
    name = make_user("resident")
    with TestClient(create_app(prod, manage_engine=False), base_url="https://testserver.local") as tc:
        first = tc.get("/auth/login")
        token = tc.cookies.get("__Host-csrftoken")
        r = tc.post("/auth/login", data={"username": name, "password": PASSWORD, "next": "/"},
                    headers={"x-csrftoken": token}, follow_redirects=False)
        assert r.status_code == 303
        assert tc.get("/account", follow_redirects=False).status_code == 200
    for response, cookie in ((first, "__Host-csrftoken"), (r, "__Host-session")):
        lines = [c for c in response.headers.get_list("set-cookie") if c.startswith(cookie + "=")]
        assert lines, response.headers.get_list("set-cookie")
        attrs = [a.strip().lower() for a in lines[0].split(";")[1:]]
        assert "secure" in attrs and "path=/" in attrs and not any(a.startswith("domain") for a in attrs)


# ---------------------------------------------------------------- audit


def test_failed_sign_ins_are_audited_without_the_password(client, make_user):
    name = make_user("resident")
    uid = user_id(name)
    client.post("/auth/login", {"username": " " + name.upper(), "password": "guess-one-2026", "next": "/"})
    unknown = "nobody_" + uuid.uuid4().hex[:6] + "x" * 100
    client.post("/auth/login", {"username": unknown, "password": "guess-two-2026", "next": "/"})
    known = audit_rows("account.login_failed", uid)
    assert len(known) == 1 and known[0]["actor"] is None
    assert known[0]["detail"]["username"] == " " + name.upper() and known[0]["detail"]["address"]
    typed = [r for r in audit_rows("account.login_failed") if r["detail"]["username"].startswith("nobody_")]
    assert typed and typed[-1]["target_id"] == "" and len(typed[-1]["detail"]["username"]) == 64
    every = json.dumps(audit_rows("account.login_failed"))
    assert "guess-one-2026" not in every and "guess-two-2026" not in every


def test_a_throttled_sign_in_is_audited_once_per_window_not_per_request(client, make_user):
    name = make_user("resident")
    uid = user_id(name)
    statuses = [client.post("/auth/login", {"username": name, "password": "nope-nope-9", "next": "/"}).status_code
                for _ in range(8)]
    assert statuses == [400] * 5 + [429] * 3
    assert len(audit_rows("account.login_failed", uid)) == 5
    assert len(audit_rows("account.login_throttled", uid)) == 1


def test_sign_out_is_audited(client, make_user):
    name = make_user("resident")
    uid = user_id(name)
    client.login(name)
    client.post("/auth/logout")
    rows = audit_rows("account.logout", uid)
    assert len(rows) == 1 and rows[0]["actor"] == uid
    client.post("/auth/logout")  # a visitor signing out: nothing to record
    assert len(audit_rows("account.logout", uid)) == 1


# ---------------------------------------------------------------- separation of duties


@pytest.mark.parametrize("granter", ["staff", "admin"])
def test_nobody_grants_or_revokes_their_own_roles(client, make_user, granter):
    from consult.accounts.services import roles_of

    name = make_user(granter)
    uid = user_id(name)
    english(client).login(name)
    r = client.post(f"/staff/users/{uid}/roles", {"role": "representative"})  # the staff attack of finding 4
    assert r.status_code == 403 and "their own roles" in text_of(r.text)
    assert client.post(f"/staff/users/{uid}/verify").status_code == 403
    r = client.post(f"/staff/users/{uid}/roles/{granter}/revoke", {"confirm": "yes"})
    assert r.status_code == 403 and "their own roles" in text_of(r.text)
    assert run(roles_of(uid)) == frozenset({granter})
    assert not audit_rows("role.granted", uid)[1:]  # only the grant that created the account


def test_nobody_decides_on_their_own_role_request(client, new_client, make_user):
    from consult.accounts.services import request_role
    from consult.accounts.tables import RoleRequest

    name = make_user("admin")
    uid = user_id(name)
    request_id = run(request_role(uid, "representative", "I would like to vote"))
    english(client).login(name)
    assert client.post(f"/staff/role-requests/{request_id}/decline").status_code == 403
    other = new_client()
    other.login(make_user("admin"))  # someone else may
    assert other.post(f"/staff/role-requests/{request_id}/decline").status_code == 303
    assert run(RoleRequest.select(RoleRequest.status).where(RoleRequest.id == request_id).first())["status"] == "declined"


def test_staff_still_grant_and_revoke_other_peoples_roles(client, make_user):
    from consult.accounts.services import roles_of

    target = user_id(make_user("resident"))
    client.login(make_user("staff"))
    assert client.post(f"/staff/users/{target}/roles", {"role": "representative"}).status_code == 303
    assert client.post(f"/staff/users/{target}/roles/representative/revoke", {"confirm": "yes"}).status_code == 303
    assert run(roles_of(target)) == frozenset({"resident"})
