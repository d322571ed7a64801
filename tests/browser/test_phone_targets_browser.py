"""Issue 14 on a 360 px phone: the ballot's radios and labels are big enough to tap, the approvals
counter stays in view down a long ballot, comment actions are 44 px tall, and the receipt can be
copied, printed and seen again after reload and Back (from the #fragment only: defect 4)."""

import re

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.http.test_topics_helpers import Topics
from tests.http.test_voting import open_vote, staff  # noqa: F401 (fixture)

RECEIPT_RE = re.compile(r"^[0-9a-f]{4}(-[0-9a-f]{4}){4}$")
BOX = "el => { const r = el.getBoundingClientRect(); return [r.width, r.height, r.top, r.bottom]; }"


def test_ballot_targets_sticky_counter_and_a_receipt_kept_through_reload_and_back(
        live_server, phone, staff, make_user):
    vote_id, reps, _ids = open_vote(staff, make_user, n_candidates=12)
    page = phone
    sign_in(page, live_server, reps[0], PASSWORD)
    page.goto(f"{live_server}/votes/{vote_id}/ballot")
    for radio in page.locator("input[type=radio]").all()[:6]:
        w, h, _t, _b = radio.evaluate(BOX)
        assert w >= 24 and h >= 24, (w, h)
    for label in page.locator("label.choice").all()[:6]:
        _w, h, _t, _b = label.evaluate(BOX)
        assert h >= 44, h
    # the counter stays in the viewport wherever one is on the long ballot
    names = page.eval_on_selector_all("input[type=radio][value=approve]", "els => els.map(e => e.name)")
    for name in (names[0], names[6], names[11]):
        page.locator(f"input[name='{name}'][value=approve]").scroll_into_view_if_needed()
        _w, _h, top, bottom = page.locator("#counter").evaluate(BOX)
        assert 0 <= top and bottom <= 780, (name, top, bottom)
    page.check(f"input[name='{names[11]}'][value=approve]")
    page.wait_for_function("() => document.querySelector('#counter').textContent.includes('1')")
    _w, _h, top, bottom = page.locator("#counter").evaluate(BOX)
    assert 0 <= top and bottom <= 780
    page.shot("long-ballot-bottom")

    page.click(f"form[action='/votes/{vote_id}/ballot/review'] button[type=submit]:not(.secondary)")
    page.wait_for_url(f"**/votes/{vote_id}/ballot/review")
    page.click(f"form[action='/votes/{vote_id}/ballot'] button[type=submit]")
    page.wait_for_selector("#receipt")
    code = page.inner_text("#receipt").strip()
    assert RECEIPT_RE.match(code)
    page.wait_for_url(f"**/votes/{vote_id}/receipt/yours#{code}")  # the code lives after the "#" only
    assert page.locator("[data-copy]").is_visible() and page.locator("[data-print]").is_visible()
    page.click("[data-copy]")
    page.wait_for_function("() => document.querySelector('[data-copied]').textContent.length > 0")
    assert page.evaluate("document.activeElement.id") == "receipt-copy"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.shot("receipt")

    page.reload()
    page.wait_for_selector("#receipt-shown:not([hidden])")
    assert page.inner_text("#receipt").strip() == code and page.input_value("#receipt-copy") == code
    assert page.locator("#receipt-gone").is_hidden()
    page.click(f"a[href='/votes/{vote_id}']")
    page.wait_for_url(f"**/votes/{vote_id}")
    page.go_back()
    page.wait_for_selector("#receipt-shown:not([hidden])")
    assert page.inner_text("#receipt").strip() == code

    page.emulate_media(media="print")  # the print stylesheet: the code large, the title and address
    assert page.locator("header.site").is_hidden() and page.locator("[data-copy]").is_hidden()
    assert page.locator(".receipt-vote").is_visible() and page.locator(".receipt-check").is_visible()
    size = page.eval_on_selector("#receipt", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 36, size
    page.emulate_media(media="screen")


def test_comment_actions_are_44_px_tall(live_server, phone, make_user, community):
    topics = Topics(make_user, community)
    tid, _ = topics.create("discussing")
    author = make_user("resident")
    page = phone
    sign_in(page, live_server, author, PASSWORD)
    page.goto(f"{live_server}/topics/{tid}")
    page.fill("#discussion textarea[name=body]", "门口的路灯坏了，请尽快修理。")
    page.click("#discussion form[action$='/comments'] button[type=submit]")
    page.wait_for_selector("#discussion article.comment")
    page.context.clear_cookies()
    sign_in(page, live_server, make_user("resident"), PASSWORD)
    page.goto(f"{live_server}/topics/{tid}")
    actions = page.locator("#discussion .comment-actions button, #discussion .comment-actions > a").all()
    assert actions
    for action in actions:
        _w, h, _t, _b = action.evaluate(BOX)
        assert h >= 44, (action.inner_text(), h)
    page.shot("comment-actions")
