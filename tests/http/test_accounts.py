"""Foundation HTTP stories: register, sign in/out, rate limit, CSRF, guards, verification, audit, language."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id


def register(client, community, username, password=PASSWORD, grid=0, **over):
    data = {
        "username": username,
        "display_name": "Resident " + username,
        "password": password,
        "password2": password,
        "grid_id": str(community["grids"][grid]),
    }
    data.update(over)
    return client.post("/auth/register", data)


def audit_actions(target_id=None):
    from consult.accounts.tables import AuditEntry

    q = AuditEntry.select(AuditEntry.action, AuditEntry.target_id, AuditEntry.detail, AuditEntry.actor)
    if target_id is not None:
        q = q.where(AuditEntry.target_id == str(target_id))
    return run(q.order_by(AuditEntry.id))


def test_register_creates_unverified_account_that_can_sign_in(client, community):
    r = register(client, community, "newbie1")
    assert r.status_code == 303 and r.headers["location"] == "/welcome"
    page = client.get("/")  # signed in by the registration itself
    assert page.status_code == 200
    # an unverified account sees the awaiting-verification notice (Chinese by default)
    assert "等待社区工作者核实" in page.text
    from consult.accounts.tables import User

    row = run(User.select(User.password_hash).where(User.username == "newbie1").first())
    assert row["password_hash"].startswith("$argon2id$")
    assert ["account.register"] == [a["action"] for a in audit_actions(user_id("newbie1")) if a["action"] == "account.register"]


def test_register_rejects_bad_input_with_messages_and_saves_nothing(client, community):
    from consult.accounts.tables import User

    before = run(User.count())
    r = register(client, community, "x", password="short", password2="other", grid_id="999999")
    assert r.status_code == 400
    assert 'aria-invalid="true"' in r.text
    for fragment in ("用户名：应为 2 至 32 个字符", "密码长度", "请从列表中选择您所在的网格"):
        assert fragment in r.text
    assert run(User.count()) == before


def test_register_refuses_a_taken_username_case_insensitively(client, community):
    assert register(client, community, "dupname").status_code == 303
    r = register(client, community, "DupName")
    assert r.status_code == 400
    assert "已被使用" in r.text


def test_login_failure_message_is_the_same_for_unknown_user_and_wrong_password(client, make_user):
    name = make_user("resident")
    wrong = client.post("/auth/login", {"username": name, "password": "not-the-password"})
    unknown = client.post("/auth/login", {"username": "nobody-here", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 400
    assert "用户名或密码错误" in wrong.text
    assert text_of(wrong.text).replace("nobody-here", name) == text_of(unknown.text).replace("nobody-here", name)


def test_repeated_failures_are_rate_limited_per_account(client, new_client, make_user):
    name = make_user("resident")
    for _ in range(5):
        assert client.post("/auth/login", {"username": name, "password": "wrong-password"}).status_code == 400
    blocked = client.post("/auth/login", {"username": name, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "失败次数过多" in blocked.text
    # another account from the same address still signs in
    other = make_user("resident")
    new_client().login(other)


def test_repeated_failures_are_rate_limited_per_address(client, make_user):
    for i in range(20):
        client.post("/auth/login", {"username": f"ghost{i}", "password": "wrong-password"})
    name = make_user("resident")
    r = client.post("/auth/login", {"username": name, "password": PASSWORD})
    assert r.status_code == 429


def test_unsafe_method_without_csrf_token_is_refused(client, make_user):
    name = make_user("resident")
    client.login(name)
    r = client.post("/account/role-requests", {"role": "party_member", "note": "branch 3"}, csrf=False)
    assert r.status_code == 403
    from consult.accounts.tables import RoleRequest

    assert run(RoleRequest.count().where(RoleRequest.user == user_id(name))) == 0
    ok = client.post("/account/role-requests", {"role": "party_member", "note": "branch 3"})
    assert ok.status_code == 303
    assert run(RoleRequest.count().where(RoleRequest.user == user_id(name))) == 1


def test_visitor_on_a_guarded_page_is_sent_to_sign_in_and_back(client, make_user):
    r = client.get("/staff/verification")
    assert r.status_code == 303
    assert r.headers["location"] == "/auth/login?next=/staff/verification"
    staff = make_user("staff")
    r = client.post("/auth/login", {"username": staff, "password": PASSWORD, "next": "/staff/verification"})
    assert r.headers["location"] == "/staff/verification"
    assert client.get("/staff/verification").status_code == 200


def test_login_refuses_to_redirect_off_site(client, make_user):
    name = make_user("resident")
    r = client.post("/auth/login", {"username": name, "password": PASSWORD, "next": "//evil.example/x"})
    assert r.headers["location"] == "/"


def test_wrong_role_gets_403_with_an_explanation(client, make_user):
    client.login(make_user("resident"))
    r = client.get("/staff/verification")
    assert r.status_code == 403
    assert "社区工作者" in r.text  # names the role that is needed
    r = client.post("/staff/users/1/verify")
    assert r.status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_unverified_account_cannot_write_and_is_told_why(client, community, make_user):
    name = make_user()  # no roles: awaiting verification
    client.login(name)
    r = client.get("/staff/verification")
    assert r.status_code == 403
    assert "等待社区工作者核实" in r.text


def test_verification_flow_staff_verifies_and_grants_requested_role(client, new_client, community):
    assert register(client, community, "verifyme").status_code == 303
    client.login("verifyme")
    assert client.post("/account/role-requests", {"role": "party_member", "note": "第三党支部"}).status_code == 303
    uid = user_id("verifyme")

    from consult.accounts.services import create_user

    run(create_user("staffer_v", PASSWORD, ["staff"]))
    staff = new_client()
    staff.login("staffer_v")
    queue = staff.get("/staff/verification")
    assert "verifyme" in queue.text and "第三党支部" in queue.text
    assert staff.post(f"/staff/users/{uid}/verify").status_code == 303
    assert staff.post(f"/staff/users/{uid}/roles", {"role": "party_member"}).status_code == 303

    from consult.accounts.services import roles_of

    assert run(roles_of(uid)) == {"resident", "party_member"}
    actions = [a["action"] for a in audit_actions(uid)]
    assert "account.residency_verified" in actions
    assert actions.count("role.granted") == 2
    # the request is answered and gone from the queue
    assert "第三党支部" not in staff.get("/staff/verification").text
    # the user now sees no awaiting notice
    assert "等待社区工作者核实" not in client.get("/").text

    assert staff.post(f"/staff/users/{uid}/roles/party_member/revoke", {"confirm": "yes"}).status_code == 303
    assert run(roles_of(uid)) == {"resident"}
    assert "role.revoked" in [a["action"] for a in audit_actions(uid)]
    # a role that does not exist is bad input (400), not a refusal (403), and changes nothing
    assert staff.post(f"/staff/users/{uid}/roles/emperor/revoke", {"confirm": "yes"}).status_code == 400
    assert run(roles_of(uid)) == {"resident"}


def test_staff_cannot_grant_staff_or_admin_but_admin_can(client, new_client, make_user):
    target = make_user("resident")
    uid = user_id(target)
    client.login(make_user("staff"))
    r = client.post(f"/staff/users/{uid}/roles", {"role": "admin"})
    assert r.status_code == 403
    from consult.accounts.services import roles_of

    assert "admin" not in run(roles_of(uid))
    admin = new_client()
    admin.login(make_user("admin"))
    assert admin.post(f"/staff/users/{uid}/roles", {"role": "staff"}).status_code == 303
    assert "staff" in run(roles_of(uid))


def test_audit_log_is_admin_only_and_append_only(client, make_user):
    client.login(make_user("admin"))
    page = client.get("/admin/audit")
    assert page.status_code == 200 and "role.granted" in page.text
    from consult.accounts.tables import AuditEntry

    with pytest.raises(Exception, match="append-only"):
        run(AuditEntry.delete(force=True))
    with pytest.raises(Exception, match="append-only"):
        run(AuditEntry.update({AuditEntry.action: "tampered"}, force=True))


def test_language_defaults_to_chinese_and_the_switch_sticks(client):
    home = client.get("/")
    assert '<html lang="zh-CN">' in home.text and "社区议事" in home.text
    r = client.get("/lang/en?next=/auth/login")
    assert r.status_code == 303 and r.headers["location"] == "/auth/login"
    page = client.get("/auth/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text and "登录" not in text_of(page.text).replace("中文", "")
    assert '<html lang="en">' in client.get("/").text  # sticks on the next page
    client.get("/lang/zh_CN?next=/")
    assert '<html lang="zh-CN">' in client.get("/").text


def test_session_id_rotates_at_sign_in_and_is_deleted_at_sign_out(client, make_user, app):
    name = make_user("resident")
    client.get("/auth/login")
    client.tc.cookies.set("session", "attacker-chosen-id", domain="testserver.local")
    client.login(name)
    sid = client.cookies.get("session")
    assert sid and sid != "attacker-chosen-id" and len(sid) >= 32
    store = app.stores.get("sessions")
    assert run(store.get(sid)) is not None
    assert client.post("/auth/logout").status_code == 303
    assert run(store.get(sid)) is None
    assert client.get("/account").status_code == 303  # signed out


def test_change_password(client, make_user):
    name = make_user("resident")
    client.login(name)
    bad = client.post("/account/password", {"current": "wrong", "new": "new-password-9", "new2": "new-password-9"})
    assert bad.status_code == 400 and "当前密码不正确" in bad.text
    ok = client.post("/account/password", {"current": PASSWORD, "new": "new-password-9", "new2": "new-password-9"})
    assert ok.status_code == 303
    client.post("/auth/logout")
    client.login(name, "new-password-9")


def test_password_is_rehashed_on_login_when_parameters_change(client, make_user):
    from argon2 import PasswordHasher

    from consult.accounts.tables import User

    name = make_user("resident")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    run(User.update({User.password_hash: weak}).where(User.username == name))
    client.login(name)
    new_hash = run(User.select(User.password_hash).where(User.username == name).first())["password_hash"]
    assert new_hash != weak and new_hash.startswith("$argon2id$")


def test_security_headers_and_health(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": True}
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]


def test_session_cookie_is_httponly_and_lax(client, make_user):
    r = client.login(make_user("resident"))
    cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


def test_openapi_schema_is_served(client):
    r = client.get("/api/schema/openapi.json")
    assert r.status_code == 200
    assert "/healthz" in r.json()["paths"]


def test_first_admin_bootstrap_prints_a_one_time_password_once(app):
    from consult.accounts.services import ensure_first_admin
    from consult.accounts.tables import User, UserRole

    has_admin = run(UserRole.exists().where(UserRole.role == "admin"))
    if has_admin:
        run(UserRole.delete().where(UserRole.role == "admin"))
    line = run(ensure_first_admin(None))
    assert line and "one-time password" in line
    password = line.split("password: ")[1].split()[0]
    assert len(password) >= 12
    row = run(User.select(User.must_change_password).where(User.username == line.split("'")[1]).first())
    assert row["must_change_password"] is True
    assert run(ensure_first_admin(None)) is None  # only once


def test_visitor_posting_a_write_form_is_sent_to_sign_in_and_back(client):
    client.get("/account/role-requests", follow_redirects=False)
    r = client.post("/account/role-requests", {"role": "resident"}, headers={"referer": "http://testserver.local/account"})
    assert r.status_code == 303
    assert r.headers["location"] == "/auth/login?next=/account"


def test_htmx_request_gets_only_the_block_and_boosted_gets_the_page(client, make_user):
    client.login(make_user("staff"))
    fragment = client.get("/staff/users", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="user-list"' in fragment.text
    assert "HX-Request" in fragment.headers["vary"]
    boosted = client.get("/staff/users", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text
    full = client.get("/staff/users")
    assert "<html" in full.text and 'hx-boost="true"' in full.text and "x-csrftoken" in full.text


def test_user_text_is_escaped(client, community):
    r = register(client, community, "xss_user", display_name="<script>alert(1)</script>")
    assert r.status_code == 303
    client.login("xss_user")
    page = client.get("/account")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
