"""Issue 14, defect 10: closing a vote, publishing a result and revoking a role each took one
tap. Now each has a confirmation page that works without JavaScript, and a POST without its
confirmation field changes nothing: it is sent to that page."""

from __future__ import annotations

from consult.accounts.services import roles_of
from consult.voting.tables import Vote
from tests.conftest import run, text_of, user_id
from tests.http.test_voting import cast, counts, open_vote, signed_in, staff  # noqa: F401 (fixture)


def state_of(vote_id: int) -> str:
    return run(Vote.select(Vote.state).where(Vote.id == vote_id).first())["state"]


def test_one_tap_on_close_changes_nothing_and_leads_to_the_confirmation(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user)
    cast(signed_in(new_client, reps[0]), vote_id, {ids[0]: "approve"})
    manage = staff.get(f"/staff/votes/{vote_id}")
    assert f'action="/staff/votes/{vote_id}/close"' not in manage.text  # no one-tap form any more
    assert f'href="/staff/votes/{vote_id}/close/confirm"' in manage.text
    for form in ({}, {"confirm": ""}, {"confirm": "no"}):
        r = staff.post(f"/staff/votes/{vote_id}/close", form)
        assert r.status_code == 303 and r.headers["location"] == f"/staff/votes/{vote_id}/close/confirm"
        assert state_of(vote_id) == "open"
    page = staff.get(f"/staff/votes/{vote_id}/close/confirm")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "确认结束投票" in words and "不能重新开放" in words and "已投选票：1" in words
    assert f'action="/staff/votes/{vote_id}/close"' in page.text and 'name="confirm" value="yes"' in page.text
    assert f'href="/staff/votes/{vote_id}"' in page.text  # "no, go back"
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    assert state_of(vote_id) == "closed"


def test_one_tap_on_publish_changes_nothing_and_leads_to_the_confirmation(staff, make_user):
    vote_id, _reps, _ids = open_vote(staff, make_user)
    assert staff.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 303
    r = staff.post(f"/staff/votes/{vote_id}/publish")
    assert r.status_code == 303 and r.headers["location"] == f"/staff/votes/{vote_id}/publish/confirm"
    assert state_of(vote_id) == "closed"
    page = staff.get(r.headers["location"])
    assert page.status_code == 200 and "确认公布投票" in text_of(page.text) and "不能撤回" in text_of(page.text)
    assert staff.post(f"/staff/votes/{vote_id}/publish", {"confirm": "yes"}).status_code == 303
    assert state_of(vote_id) == "published"


def test_confirmation_pages_are_staff_only_and_know_only_their_steps(staff, make_user, new_client):
    vote_id, reps, _ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[0])
    assert rep.get(f"/staff/votes/{vote_id}/close/confirm").status_code == 403
    assert rep.post(f"/staff/votes/{vote_id}/close", {"confirm": "yes"}).status_code == 403
    assert staff.get(f"/staff/votes/{vote_id}/open/confirm").status_code == 404
    assert state_of(vote_id) == "open"


def test_one_tap_on_revoke_changes_nothing_and_leads_to_the_confirmation(staff, make_user, new_client):
    target = make_user("representative")
    uid = user_id(target)
    users = staff.get("/staff/users", params={"q": target})
    assert f'action="/staff/users/{uid}/roles/representative/revoke"' not in users.text
    assert f'href="/staff/users/{uid}/roles/representative/revoke?next=' in users.text
    r = staff.post(f"/staff/users/{uid}/roles/representative/revoke", {"next": "/staff/users?q=x"})
    assert r.status_code == 303
    assert r.headers["location"].startswith(f"/staff/users/{uid}/roles/representative/revoke?next=")
    assert "representative" in run(roles_of(uid))
    page = staff.get(r.headers["location"])
    assert page.status_code == 200
    assert "确认撤销" in text_of(page.text) and "代表" in text_of(page.text) and target in page.text
    assert 'name="confirm" value="yes"' in page.text and 'name="next" value="/staff/users?q=x"' in page.text
    done = staff.post(f"/staff/users/{uid}/roles/representative/revoke", {"confirm": "yes", "next": "/staff/users?q=x"})
    assert done.status_code == 303 and done.headers["location"] == "/staff/users?q=x"
    assert "representative" not in run(roles_of(uid))
    # a role that does not exist and a user who does not exist are refused on the page too
    assert staff.get(f"/staff/users/{uid}/roles/emperor/revoke").status_code == 400
    assert staff.get("/staff/users/999999/roles/resident/revoke").status_code == 404
    resident = signed_in(new_client, make_user("resident"))
    assert resident.get(f"/staff/users/{uid}/roles/resident/revoke").status_code == 403


def test_the_revoke_page_speaks_of_the_residency_check_only_for_the_resident_role(staff, make_user):
    uid = user_id(make_user("representative"))
    other = text_of(staff.get(f"/staff/users/{uid}/roles/representative/revoke").text)
    resident = text_of(staff.get(f"/staff/users/{uid}/roles/resident/revoke").text)
    assert "residency check" not in other and "居住核实" not in other
    assert "residency check" in resident or "居住核实" in resident
