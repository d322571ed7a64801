"""Issue 14, defects 1 and 2 at 360 px without JavaScript: a bad form comes back as a page
(not page source) with its error in view, and reloading the address does not give 405."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, run


@pytest.fixture
def no_js_phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=1, locale="zh-CN",
                                  java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_a_bad_announcement_without_js_shows_the_error_in_view(live_server, no_js_phone, community):
    from consult.accounts.services import create_user

    run(create_user("nojs_staff", PASSWORD, ["staff"], display_name="社区小周"))
    page = no_js_phone
    sign_in(page, live_server, "nojs_staff", PASSWORD)
    page.goto(live_server + "/staff/announcements")
    page.fill("#f-title", "停水通知")
    page.fill("#f-body", "明天上午停水")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("form[action='/staff/announcements'] button[type=submit]")
    assert answer.value.status == 400
    assert answer.value.headers["content-type"].startswith("text/html")
    page.wait_for_load_state()
    expect(page.locator("#e-target")).to_be_visible()
    expect(page.locator("#f-grid_ids")).to_be_in_viewport()
    expect(page.locator("#e-target")).to_be_in_viewport()
    expect(page.locator("form[action='/auth/logout']")).to_have_count(1)  # still signed in
    page.goto(page.url)  # Enter in the address bar on the submit address: the form again, not 405
    assert "/staff/announcements" in page.url
    expect(page.locator("#f-title")).to_be_visible()


def test_a_bad_candidate_without_js_focuses_the_field_and_reload_is_no_405(live_server, no_js_phone, community):
    from consult.accounts.services import create_user, load_viewer
    from consult.voting.commands import create_vote
    from tests.conftest import user_id

    run(create_user("nojs_staff2", PASSWORD, ["staff"], display_name="社区小郑"))
    staff = run(load_viewer(user_id("nojs_staff2")))
    vote_id = run(create_vote(staff, {"title": "无脚本票决", "year": "2026", "seats": "2", "budget": "",
                                      "basis": "enrolled", "threshold": "1/2", "secrecy": "secret",
                                      "public_weight": "0", "rule": "majority"}))
    page = no_js_phone
    sign_in(page, live_server, "nojs_staff2", PASSWORD)
    page.goto(f"{live_server}/staff/votes/{vote_id}")
    page.fill("#c-f-title", "新增路灯")
    page.fill("#c-f-cost", "-5")
    page.click(f"form[action='/staff/votes/{vote_id}/candidates'] button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#c-e-cost")).to_be_visible()
    expect(page.locator("#c-e-cost")).to_be_in_viewport()  # not below the fold, at the top of a long page
    expect(page.locator("form[action='/auth/logout']")).to_have_count(1)
    assert page.url.endswith(f"/staff/votes/{vote_id}/candidates")
    answer = page.goto(page.url)  # Enter on the submit address
    assert answer.status == 200 and page.url.endswith(f"/staff/votes/{vote_id}")
    expect(page.locator("form[action='/auth/logout']")).to_have_count(1)
