"""Issue 14's missing things on a 360 px phone, in Chinese and English: the author's edit form
(with the live character counter), the withdraw confirmation, the committee's queue of flagged
comments, the merge picker and the draft vote's delete confirmation. No page is wider than
the phone; the counter follows typing and its live region speaks only once typing pauses."""

from __future__ import annotations

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, run
from tests.http.test_topics_helpers import Topics, viewer
from tests.http.test_voting import create_vote, staff  # noqa: F401 (fixture)

WIDTH = "() => document.documentElement.scrollWidth"


def _flagged(topics, make_user):
    from consult.topics import discussion

    tid, _ = topics.create("discussing")
    cid = run(discussion.add_comment(viewer(make_user("resident")), tid, "停车位被占用太久了，请尽快处理。", None))
    for _i in range(2):
        run(discussion.flag_comment(viewer(make_user("resident")), tid, cid))
    return tid


def test_the_new_pages_fit_a_phone_in_both_languages(live_server, new_phone, make_user, community, staff):
    topics = Topics(make_user, community)
    tid, author = topics.create("proposed", title="楼下路灯不亮")
    topics.create("proposed", title="小区门口积水")
    _flagged(topics, make_user)
    vote_id = create_vote(staff, seats="1")
    for lang in ("zh_CN", "en"):
        resident = new_phone()
        resident.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
        sign_in(resident, live_server, author, PASSWORD)
        resident.goto(f"{live_server}/topics/{tid}/edit")
        counter = resident.locator("#f-description-count")
        assert counter.is_visible()  # counter.js shows it
        resident.fill("#f-description", "")
        resident.type("#f-description", "路灯坏了三天")
        resident.wait_for_function("() => document.querySelector('#f-description-count span').textContent.includes('6')")
        live = resident.locator("#f-description-count .sr-only")
        resident.wait_for_function(
            "() => document.querySelector('#f-description-count .sr-only').textContent.includes('6')", timeout=5000)
        assert "5000" in live.inner_text()
        assert resident.evaluate(WIDTH) <= 360
        resident.shot(f"edit-{lang}")
        resident.goto(f"{live_server}/topics/{tid}/withdraw")
        assert resident.evaluate(WIDTH) <= 360
        resident.shot(f"withdraw-confirm-{lang}")

        committee = new_phone()
        committee.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
        sign_in(committee, live_server, topics.committee, PASSWORD)
        committee.goto(f"{live_server}/committee/flags")
        assert committee.locator(".flag-queue li").count() >= 1
        assert committee.evaluate(WIDTH) <= 360
        committee.shot(f"flag-queue-{lang}")
        committee.goto(f"{live_server}/topics/{tid}#actions")
        committee.click("#actions summary:has-text('{}')".format("合并" if lang == "zh_CN" else "merge"))
        assert committee.locator("#f-target_id option").count() >= 2
        assert committee.evaluate(WIDTH) <= 360
        committee.locator("#f-target_id").scroll_into_view_if_needed()
        committee.shot(f"merge-picker-{lang}")

        staff_page = new_phone()
        staff_page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
        sign_in(staff_page, live_server, staff.username, PASSWORD)
        staff_page.goto(f"{live_server}/staff/votes/{vote_id}/delete")
        assert staff_page.evaluate(WIDTH) <= 360
        staff_page.shot(f"delete-vote-confirm-{lang}")
