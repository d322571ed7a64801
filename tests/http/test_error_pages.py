"""Issue 14, defects 1-3: a failed form post without JavaScript comes back as an HTML page
with the error in view and the viewer still signed in; the submit address answers GET with
a redirect (no 405 on reload); error pages lead back to where the person came from."""

from __future__ import annotations

import re

from tests.conftest import text_of
from tests.http.test_voting import RECEIPT_RE, cast, create_vote, open_vote, signed_in, staff  # noqa: F401 (fixture)

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SIGNED_IN = re.compile(r'action="/auth/logout"')


def _is_page(r) -> bool:
    return r.headers["content-type"].startswith("text/html") and r.text.lstrip().lower().startswith("<!doctype html")


def test_announcement_without_audience_is_an_html_page_with_the_error_focused(client, make_user):
    client.login(make_user("staff"))
    r = client.post("/staff/announcements", {"title": "停水通知", "body": "明天停水"}, headers=BROWSER)
    assert r.status_code == 400
    assert _is_page(r), r.headers["content-type"]
    assert 'id="e-target"' in r.text and SIGNED_IN.search(r.text)
    assert re.search(r'<select id="f-grid_ids"[^>]*autofocus', r.text)  # the browser scrolls to the error


def test_wrong_password_without_js_is_an_html_page(client, make_user):
    user = make_user("resident")
    r = client.post("/auth/login", {"username": user, "password": "not the password", "next": "/"}, headers=BROWSER)
    assert r.status_code in (400, 401, 403) and _is_page(r), r.headers["content-type"]
    assert "autofocus" in r.text


def test_htmx_and_api_answers_are_unchanged(client, make_user):
    client.login(make_user("staff"))
    r = client.get("/api/v1/votes/999999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


def test_get_on_a_submit_address_redirects_to_the_form_page_signed_in(client, make_user):
    client.login(make_user("staff"))
    r = client.get("/staff/votes/123/open", headers=BROWSER)
    assert r.status_code == 303 and r.headers["location"] == "/staff/votes/123"
    r = client.get("/account/password", headers=BROWSER)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    page = client.get("/staff/announcements", headers=BROWSER)
    assert page.status_code == 200 and SIGNED_IN.search(page.text)


def test_opening_a_vote_without_candidates_offers_the_way_back_to_its_setup(staff, make_user):
    vote_id = create_vote(staff)
    r = staff.post(f"/staff/votes/{vote_id}/open", headers=BROWSER)
    assert r.status_code >= 400 and _is_page(r)
    assert f'class="back" href="/staff/votes/{vote_id}"' in r.text
    assert SIGNED_IN.search(r.text)  # the header still shows the viewer


def test_error_page_links_back_to_a_same_site_referer_only(staff, make_user):
    vote_id = create_vote(staff)
    mine = {**BROWSER, "referer": f"http://testserver.local/staff/votes/{vote_id}?tab=roll"}
    r = staff.post(f"/staff/votes/{vote_id}/open", headers=mine)
    assert f'class="back" href="/staff/votes/{vote_id}?tab=roll"' in r.text
    evil = {**BROWSER, "referer": "https://evil.example/staff/votes"}
    r = staff.post(f"/staff/votes/{vote_id}/open", headers=evil)
    assert "evil.example" not in r.text and f'class="back" href="/staff/votes/{vote_id}"' in r.text


def test_staff_are_offered_only_the_roles_they_may_grant(client, make_user):
    resident = make_user("resident")
    client.login(make_user("staff"))
    page = client.get("/staff/users", params={"q": resident}, headers=BROWSER).text
    offered = set(re.findall(r'<option value="([a-z_]+)"', page))
    assert offered and "staff" not in offered and "admin" not in offered
    assert {"resident", "committee", "representative"} <= offered


def test_back_after_casting_says_the_ballot_was_cast_and_how_to_check_it(staff, make_user, new_client):
    vote_id, reps, ids = open_vote(staff, make_user)
    rep = signed_in(new_client, reps[0])
    assert RECEIPT_RE.search(cast(rep, vote_id, {ids[0]: "approve"}).text)
    for r in (rep.get(f"/votes/{vote_id}/ballot", headers=BROWSER),
              rep.post(f"/votes/{vote_id}/ballot/review", {f"c_{ids[0]}": "approve"}, headers=BROWSER),
              cast(rep, vote_id, {ids[0]: "approve"})):
        text = text_of(r.text)
        assert r.status_code in (200, 409) and _is_page(r)
        assert "未能完成" not in text and "已经投出" in text
        assert f'href="/votes/{vote_id}/receipt"' in r.text


def test_a_page_that_does_not_exist_still_shows_the_viewer_in_their_language(client, make_user):
    client.login(make_user("resident"))
    r = client.get("/no/such/page", headers=BROWSER)
    assert r.status_code == 404 and _is_page(r) and SIGNED_IN.search(r.text)
    client.get("/lang/en?next=/")
    r = client.get("/no/such/page", headers=BROWSER)
    assert r.status_code == 404 and "There is no page at this address." in r.text and SIGNED_IN.search(r.text)


def test_a_visitor_gets_the_not_found_page(client):
    r = client.get("/no/such/page", headers=BROWSER)
    assert r.status_code == 404 and _is_page(r) and not SIGNED_IN.search(r.text)
    r = client.post("/no/such/page", {"x": "1"}, headers=BROWSER)
    assert r.status_code in (403, 404) and _is_page(r)
