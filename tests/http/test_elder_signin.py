"""Issue 14, sign-in for older residents: Chinese and mobile-number sign-in names
(normalised, case-insensitive, unique), a phone number never shown publicly, registration
that signs in, a forgotten password recovered in person (one-time password issued by staff
of the resident's place), and a registration declined with a reason."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http._world import db_fingerprint


def english(client):
    client.tc.cookies.set("lang", "en", domain="testserver.local")
    return client


def register(client, community, username, display_name=None, grid=0):
    return client.post("/auth/register", {
        "username": username, "display_name": display_name or "R " + uuid.uuid4().hex[:6],
        "password": PASSWORD, "password2": PASSWORD, "grid_id": str(community["grids"][grid])})


def phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def spaced(number: str) -> str:
    return f"{number[:3]} {number[3:7]} {number[7:]}"


def audit_rows(action: str, target_id) -> list[dict]:
    from consult.accounts.tables import AuditEntry

    rows = run(AuditEntry.select(AuditEntry.actor, AuditEntry.detail).where(
        (AuditEntry.action == action) & (AuditEntry.target_id == str(target_id))).order_by(AuditEntry.id))
    for r in rows:
        r["detail"] = r["detail"] if isinstance(r["detail"], dict) else json.loads(r["detail"])
    return rows


def other_community_user(community, *roles, name=None) -> str:
    """A user of 和顺社区 (not the community of ``community["grids"]``)."""
    from consult.accounts.services import create_user

    name = name or f"hs_{uuid.uuid4().hex[:8]}"
    run(create_user(name, PASSWORD, list(roles), display_name=name.upper(),
                    grid_id=community["communities"]["和顺社区"]["grids"][0]))
    return name


# ---------------------------------------------------------------- 1. sign-in names


def test_a_chinese_name_registers_and_signs_in(client, new_client, community):
    name = "王奶奶" + uuid.uuid4().hex[:4]
    r = register(client, community, name, display_name="王奶奶")
    assert r.status_code == 303, text_of(r.text)[:500]
    other = new_client()
    other.login(" " + name.upper() + " ")  # spaces around and upper case: the same account
    assert user_id(name.lower())  # stored lower-case


def test_a_phone_number_registers_and_signs_in_however_it_is_typed(client, new_client, community):
    number = phone()
    r = register(client, community, spaced(number), display_name="李阿姨")
    assert r.status_code == 303, text_of(r.text)[:500]
    assert user_id(number)  # stored as its 11 digits
    full_width = "＋８６ " + "".join(chr(ord(d) + 0xFEE0) for d in number[:3]) + "-" + number[3:7] + "-" + number[7:]
    for typed in (number, "+86 " + number[:3] + "-" + number[3:7] + "-" + number[7:], full_width, "0086" + number):
        new_client().login(typed)
    # and it is unique in that form: typed differently, it is taken
    again = register(new_client(), community, "+86-" + number)
    assert again.status_code == 400 and "已被使用" in again.text


def test_names_are_unique_after_normalising(client, new_client, community):
    base = "wang" + uuid.uuid4().hex[:5]
    assert register(client, community, base).status_code == 303
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in base.upper())  # ＷＡＮＧ…
    r = register(english(new_client()), community, full_width)
    assert r.status_code == 400 and "This user name is taken." in text_of(r.text)


@pytest.mark.parametrize("typed, message", [
    ("\u0430dmin" + "x", "the character “а” (U+0430) is not allowed"),  # Cyrillic а looks like Latin a
    ("ab\u200bcd", "(U+200B) is not allowed"),  # zero-width space
    ("ab\u202ecd", "(U+202E) is not allowed"),  # right-to-left override
    ("ab\x07cd", "(U+0007) is not allowed"),  # control character
    ("力カ", "(U+30AB) is not allowed"),  # katakana カ passes for the ideograph 力
    ("12345", "digits only must be an 11-digit mobile number"),
    ("1391234567", "digits only must be an 11-digit mobile number"),  # one digit short
    ("王", "2 to 32 characters (this one has 1)"),
    ("x" * 33, "2 to 32 characters (this one has 33)"),
    ("·王芳", "with at least one Chinese character or letter"),
])
def test_refused_names_say_why_at_the_field_and_save_nothing(client, community, typed, message):
    from consult.accounts.tables import User

    before = run(User.count())
    r = register(english(client), community, typed)
    assert r.status_code == 400 and message in text_of(r.text), text_of(r.text)[:800]
    assert 'id="e-username"' in r.text and 'aria-invalid="true"' in r.text
    assert run(User.count()) == before


def test_the_form_hint_states_the_rules(client):
    page = text_of(english(client).get("/auth/register").text)
    assert "Your mobile number (11 digits), or a name of 2 to 32 characters" in page
    assert "User name or mobile number" in text_of(client.get("/auth/login").text)


def test_a_display_name_with_a_phone_number_is_refused(client, community):
    r = register(english(client), community, "li" + uuid.uuid4().hex[:5], display_name="李阿姨 138-1234-5678")
    assert r.status_code == 400 and "do not put a phone number in it" in text_of(r.text)


# ---------------------------------------------------------------- the phone number stays private


def test_a_phone_sign_in_name_never_reaches_a_public_page_the_api_or_a_csv(client, new_client, community, make_user):
    from consult.accounts.services import create_user

    number = phone()
    run(create_user(number, PASSWORD, ["representative", "resident"], display_name="赵代表",
                    grid_id=community["grids"][0]))
    rep = new_client()
    rep.login(spaced(number))
    # a topic of theirs
    r = rep.post("/topics", {"title": "楼道灯不亮了", "description": "三号楼二单元的楼道灯坏了一周。",
                             "category": next(iter(community["categories"])), "grid_id": str(community["grids"][0])})
    assert r.status_code == 303, text_of(r.text)[:800]
    topic_id = int(r.headers["location"].rsplit("/", 1)[1])
    # a recorded vote they are on the roll of, cast and published
    staff = new_client()
    staff.login(make_user("staff"))
    r = staff.post("/staff/votes", {"title": "记名票决", "year": "2026", "seats": "1", "budget": "",
                                    "basis": "enrolled", "threshold": "1/2", "secrecy": "recorded",
                                    "public_weight": "0", "rule": "majority"})
    vote_id = int(r.headers["location"].rsplit("/", 1)[1])
    for title in ("修缮楼道路灯", "加装单元门禁"):
        assert staff.post(f"/staff/votes/{vote_id}/candidates", {"title": title, "description": "说明",
                                                                 "cost": "100", "support": "0"}).status_code == 303
    others = [make_user("representative") for _ in range(2)]
    csv_text = "username,weight\n" + "\n".join(f"{u},1" for u in [number, *others])
    assert staff.post(f"/staff/votes/{vote_id}/roll/csv", {"csv_text": csv_text}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    from consult.voting.tables import Candidate

    first = run(Candidate.select(Candidate.id).where(Candidate.vote == vote_id).order_by(Candidate.position))[0]["id"]
    assert rep.post(f"/votes/{vote_id}/ballot", {f"c_{first}": "approve"}).status_code == 200
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303

    visitor = new_client()
    public = [f"/topics/{topic_id}", "/topics", f"/api/v1/topics/{topic_id}", "/api/v1/topics", "/topics.csv",
              f"/votes/{vote_id}", f"/api/v1/votes/{vote_id}", f"/api/v1/votes/{vote_id}/ballots",
              f"/api/v1/votes/{vote_id}/results", f"/votes/{vote_id}/results.csv", "/dashboard", "/api/v1/stats"]
    seen_name = False
    for path in public:
        r = visitor.get(path)
        assert r.status_code == 200, (path, r.status_code)
        body = r.content.decode("utf-8", "replace")
        assert number not in body and number[:3] + " " + number[3:7] not in body, path
        seen_name = seen_name or "赵代表" in body
    assert "赵代表" in visitor.get(f"/votes/{vote_id}").text  # the roll names them by display name
    ballots = visitor.get(f"/api/v1/votes/{vote_id}/ballots").json()["ballots"]
    assert "赵代表" in {b["voter"] for b in ballots}  # recorded ballots too
    assert seen_name


def test_a_vote_sealed_before_display_names_is_still_intact(staff_client, make_user, new_client):
    """Records sealed with user names (before this change) are read as sealed: no false alarm."""
    from consult.accounts.tables import AuditEntry
    from consult.voting import record

    staff = staff_client
    r = staff.post("/staff/votes", {"title": "旧记名票决", "year": "2026", "seats": "1", "budget": "",
                                    "basis": "enrolled", "threshold": "1/2", "secrecy": "recorded",
                                    "public_weight": "0", "rule": "majority"})
    vote_id = int(r.headers["location"].rsplit("/", 1)[1])
    for title in ("修缮楼道路灯", "加装单元门禁"):
        staff.post(f"/staff/votes/{vote_id}/candidates", {"title": title, "description": "说明",
                                                          "cost": "100", "support": "0"})
    reps = [make_user("representative") for _ in range(2)]
    staff.post(f"/staff/votes/{vote_id}/roll/csv", {"csv_text": "\n".join(f"{u},1" for u in reps)})
    assert staff.post(f"/staff/votes/{vote_id}/open").status_code == 303
    from consult.voting.tables import Candidate

    first = run(Candidate.select(Candidate.id).where(Candidate.vote == vote_id).order_by(Candidate.position))[0]["id"]
    for u in reps:
        c = new_client()
        c.login(u)
        assert c.post(f"/votes/{vote_id}/ballot", {f"c_{first}": "approve"}).status_code == 200
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    # publish as an older version did: the seal over the user-name record, without voter_name
    from consult.voting import queries

    async def old_style_seal():
        vote = await queries.vote_row(vote_id)
        data = await record.election_data(vote, "username")
        return record.sha256_hex(record.record_bytes(data))

    digest = run(old_style_seal())
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    run(AuditEntry.insert(AuditEntry(action="vote.published", target_type="vote", target_id=str(vote_id),
                                     detail=json.dumps({"ballots_sha256": digest}))))
    record._PUBLISHED.clear()
    ballots = new_client().get(f"/api/v1/votes/{vote_id}/ballots")
    assert ballots.status_code == 200 and sorted(b["voter"] for b in ballots.json()["ballots"]) == sorted(reps)
    assert new_client().get(f"/api/v1/votes/{vote_id}/results").status_code == 200  # no alarm


@pytest.fixture
def staff_client(client, make_user):
    client.login(make_user("staff"))
    return client


# ---------------------------------------------------------------- 2. registration signs in


def test_registration_signs_the_newcomer_in_under_a_new_session_and_says_what_happens_next(client, app, community):
    client.get("/auth/register")
    before = client.cookies.get("session")
    name = "张" + uuid.uuid4().hex[:6]
    r = register(client, community, name)
    assert r.status_code == 303 and r.headers["location"] == "/welcome"
    after = client.cookies.get("session")
    assert after and after != before
    if before:
        assert run(app.stores.get("sessions").get(before)) is None
    page = text_of(client.get("/welcome").text)
    assert "接下来会怎样" in page and "幸福里社区" in page and "身份证" in page
    assert "账号已创建，您已登录" in page
    # signed in, and the CSRF token still works for a write the account may make
    ok = client.post("/account/role-requests", {"role": "party_member", "note": "第一党支部"})
    assert ok.status_code == 303
    from consult.accounts.tables import RoleRequest

    assert run(RoleRequest.count().where(RoleRequest.user == user_id(name.lower()))) == 1
    # the welcome page is for signed-in people
    assert english(client).post("/auth/logout").status_code == 303
    assert client.get("/welcome").status_code == 303


# ---------------------------------------------------------------- 3. a forgotten password


def test_the_sign_in_page_links_to_the_recovery_explanation_which_names_the_office(client, community):
    login = client.get("/auth/login").text
    assert 'href="/auth/forgot"' in login and "忘记密码" in login
    general = text_of(client.get("/auth/forgot").text)
    assert "带上身份证，到您所在的社区办公室" in general
    grid = community["communities"]["和顺社区"]["grids"][0]
    named = text_of(client.get(f"/auth/forgot?grid={grid}").text)
    assert "到和顺社区办公室" in named
    assert client.get("/auth/forgot?grid=abc").status_code == 200  # nonsense is ignored


def test_staff_of_the_place_issue_a_one_time_password_which_must_be_changed(client, new_client, make_user, app):
    resident = make_user("resident")
    uid = user_id(resident)
    theirs = new_client()
    theirs.login(resident)
    for _ in range(5):  # they forgot it: locked out by the attempt limit
        new_client().post("/auth/login", {"username": resident, "password": "not-the-password"})
    staff = english(client)
    staff.login(make_user("staff"))
    page = text_of(staff.get(f"/staff/users?q={resident}").text)
    assert "issue a one-time password" in page
    confirm = staff.get(f"/staff/users/{uid}/one-time-password")
    assert confirm.status_code == 200 and "ID card" in text_of(confirm.text)
    # one tap changes nothing: back to the confirmation
    before = db_fingerprint()
    r = staff.post(f"/staff/users/{uid}/one-time-password")
    assert r.status_code == 303 and r.headers["location"] == f"/staff/users/{uid}/one-time-password"
    assert db_fingerprint() == before
    shown = staff.post(f"/staff/users/{uid}/one-time-password", {"confirm": "yes"})
    assert shown.status_code == 200 and "no-store" in shown.headers.get("cache-control", "")
    import re

    groups = re.search(r'<p class="one-time"><span>(\d{5})</span> <span>(\d{5})</span></p>', shown.text)
    one_time = groups.group(1) + groups.group(2)
    # the old password no longer works, their sessions ended
    assert theirs.get("/account").status_code == 303
    assert new_client().post("/auth/login", {"username": resident, "password": PASSWORD}).status_code == 400
    # audited without the password
    rows = audit_rows("account.one_time_password", uid)
    assert len(rows) == 1 and one_time not in json.dumps(rows[0]["detail"])
    # signing in with it leads to the password change, and nothing else is allowed before it
    fresh = new_client()
    r = fresh.login(resident, one_time)
    assert r.headers["location"] == "/account"
    blocked = fresh.get("/topics/new")
    assert blocked.status_code == 303 and blocked.headers["location"] == "/account"
    r = fresh.post("/account/password", {"current": one_time, "new": "green-door-2026", "new2": "green-door-2026"})
    assert r.status_code == 303
    assert fresh.get("/topics/new").status_code == 200
    # and it was for one sign-in only
    assert new_client().post("/auth/login", {"username": resident, "password": one_time}).status_code == 400


def test_a_one_time_password_is_refused_to_the_wrong_place_and_the_wrong_role(client, new_client, make_user, community):
    resident = make_user("resident")
    uid = user_id(resident)
    elsewhere = new_client()
    elsewhere.login(other_community_user(community, "staff"))  # staff of 和顺社区
    committee = new_client()
    committee.login(make_user("committee"))
    staff_name = make_user("staff")
    staff = new_client()
    staff.login(staff_name)
    guarded = [make_user("staff"), make_user("admin"), staff_name]
    before = db_fingerprint()
    for r in (elsewhere.get(f"/staff/users/{uid}/one-time-password"),
              elsewhere.post(f"/staff/users/{uid}/one-time-password", {"confirm": "yes"})):
        assert r.status_code == 403 and "所在社区的社区工作者" in r.text
    r = committee.post(f"/staff/users/{uid}/one-time-password", {"confirm": "yes"})
    assert r.status_code == 403 and "社区工作者" in r.text
    # staff of the place cannot take over another staff member's or an administrator's account, nor their own
    for target in guarded:
        r = staff.post(f"/staff/users/{user_id(target)}/one-time-password", {"confirm": "yes"})
        assert r.status_code == 403, target
    assert db_fingerprint() == before
    new_client().login(resident)  # the password is unchanged
    # an administrator may
    admin = new_client()
    admin.login(make_user("admin"))
    assert admin.post(f"/staff/users/{user_id(staff_name)}/one-time-password", {"confirm": "yes"}).status_code == 200


# ---------------------------------------------------------------- 4. declining a registration


def notices_of(uid: int) -> list[dict]:
    from consult.notifications.tables import Notification

    return run(Notification.select(Notification.kind, Notification.message, Notification.params).where(
        Notification.user == uid).order_by(Notification.id))


def test_staff_decline_a_registration_with_a_reason_the_newcomer_reads_and_may_ask_again(
        client, new_client, make_user, community):
    name = "新人" + uuid.uuid4().hex[:5]
    newcomer = new_client()
    assert register(newcomer, community, name).status_code == 303
    uid = user_id(name)
    staff = new_client()
    staff.login(make_user("staff"))
    queue = staff.get("/staff/verification").text
    assert f"/staff/users/{uid}/decline" in queue
    # the reason is required: the form comes back with the message at the field, nothing changed
    before = db_fingerprint()
    r = staff.post(f"/staff/users/{uid}/decline", {"reason": " "})
    assert r.status_code == 400 and 'id="e-reason"' in r.text and "2 至 300" in r.text
    assert db_fingerprint() == before
    reason = "第一网格没有此人的住户登记，请带身份证到社区办公室。"
    r = staff.post(f"/staff/users/{uid}/decline", {"reason": reason})
    assert r.status_code == 303
    assert audit_rows("account.registration_declined", uid)[0]["detail"]["reason"] == reason
    # notified with the reason, which the account page shows
    notice = notices_of(uid)[-1]
    assert notice["kind"] == "account" and reason in json.dumps(notice["params"], ensure_ascii=False)
    assert reason in newcomer.get("/notifications").text
    account = newcomer.get("/account").text
    assert reason in account and "社区工作者未通过您的注册" in account
    # it can read, not write
    assert newcomer.get("/topics").status_code == 200
    assert newcomer.get("/topics/new").status_code == 403
    # out of the waiting list (shown as declined), and declining twice is refused
    assert staff.post(f"/staff/users/{uid}/decline", {"reason": reason}).status_code == 409
    # it asks again with another grid: back in the queue
    other_grid = community["grids"][1]
    assert newcomer.post("/account/verification", {"grid_id": str(other_grid)}).status_code == 303
    assert reason not in newcomer.get("/account").text
    assert newcomer.post("/account/verification", {"grid_id": str(other_grid)}).status_code == 409
    assert f"/staff/users/{uid}/decline" in staff.get("/staff/verification").text
    # verified: notified too
    assert staff.post(f"/staff/users/{uid}/verify").status_code == 303
    assert notices_of(uid)[-1]["message"].startswith("Staff verified that you live here")
    assert newcomer.get("/topics/new").status_code == 200


def test_declining_is_refused_to_the_wrong_place_and_the_wrong_role(client, new_client, make_user, community):
    name = f"nd_{uuid.uuid4().hex[:8]}"
    assert register(new_client(), community, name).status_code == 303
    uid = user_id(name)
    elsewhere = new_client()
    elsewhere.login(other_community_user(community, "staff"))
    committee = new_client()
    committee.login(make_user("committee"))
    staff = new_client()
    staff.login(make_user("staff"))
    resident = user_id(make_user("resident"))
    before = db_fingerprint()
    assert elsewhere.get(f"/staff/users/{uid}/decline").status_code == 403
    assert elsewhere.post(f"/staff/users/{uid}/decline", {"reason": "不认识此人。"}).status_code == 403
    assert committee.post(f"/staff/users/{uid}/decline", {"reason": "不认识此人。"}).status_code == 403
    # a verified account is not a registration to decline
    assert staff.post(f"/staff/users/{resident}/decline",
                      {"reason": "不认识此人。"}).status_code == 409
    assert db_fingerprint() == before
