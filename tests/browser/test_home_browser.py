"""The home page, the task view and the grouped notifications on a 360 px phone, in Chinese
and English: nothing wider than the screen, the committee lands on its tasks after signing
in, and a group of notifications is marked read with one tap."""

from __future__ import annotations

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, run
from tests.http.test_notifications import notify
from tests.http.test_topics_helpers import Topics, viewer

WIDTH = "document.documentElement.scrollWidth"


def _lang(page, base, code):
    page.context.add_cookies([{"name": "lang", "value": code, "url": base}])


def _data(make_user, community):
    from consult.topics.projects import post_progress

    topics = Topics(make_user, community)
    topics.create("proposed", title="小区东门增设电动自行车充电桩，方便居民夜间充电")
    topics.create("discussing", title="老旧小区加装电梯意见征集（第二批）")
    tid, _ = topics.create("implementing", deadline_days=-2)
    run(post_progress(viewer(topics.staff), tid, {"percent": "60", "note": "过半。", "on_date": ""}))
    return topics


def test_home_tasks_and_notifications_fit_a_phone_in_both_languages(live_server, new_phone, make_user, community):
    topics = _data(make_user, community)
    visitor = new_phone()
    for code in ("zh_CN", "en"):
        _lang(visitor, live_server, code)
        visitor.goto(live_server + "/")
        assert visitor.locator("#discussions").is_visible() and visitor.locator("#projects").is_visible()
        assert visitor.evaluate(WIDTH) <= 360
        visitor.shot(f"home-{code}")

    committee = new_phone()
    sign_in(committee, live_server, topics.committee, PASSWORD)
    assert committee.url.endswith("/tasks")  # people with tasks land on them
    for code in ("zh_CN", "en"):
        _lang(committee, live_server, code)
        committee.goto(live_server + "/tasks")
        assert committee.locator("#committee").is_visible()
        assert committee.evaluate(WIDTH) <= 360
        committee.shot(f"tasks-committee-{code}")

    staff = new_phone()
    sign_in(staff, live_server, topics.staff, PASSWORD)
    staff.goto(live_server + "/tasks")
    assert staff.locator("#staff").is_visible() and staff.evaluate(WIDTH) <= 360
    staff.shot("tasks-staff-zh_CN")


def test_a_group_of_notifications_is_marked_read_with_one_tap(live_server, phone, make_user):
    from tests.conftest import user_id

    name = make_user("resident")
    uid = user_id(name)
    for i in range(5):
        notify([uid], kind="reply", params={"title": "加装电梯"}, link=f"/topics/9{i}01#c{i}")
    for i in range(4):
        notify([uid], kind="reply", params={"title": "楼道灯不亮，晚上出行不便"}, link=f"/topics/9999#c{i}")
    notify([uid], kind="topic_state", params={"title": "停车", "state_label": "Discussing"}, link="/topics/9998")
    sign_in(phone, live_server, name, PASSWORD)
    for code in ("zh_CN", "en"):
        _lang(phone, live_server, code)
        phone.goto(live_server + "/notifications")
        assert phone.evaluate(WIDTH) <= 360
        phone.shot(f"notifications-{code}")
    _lang(phone, live_server, "zh_CN")
    phone.goto(live_server + "/notifications")
    group = phone.locator("li.group", has_text="楼道灯不亮")
    assert group.count() == 1 and "4 条新回复" in group.inner_text()
    box = group.locator("button").bounding_box()
    assert box["height"] >= 44  # a tap target outside the elder mode too
    group.locator("button").click()
    phone.wait_for_function("() => !document.body.innerText.includes('楼道灯不亮，晚上出行不便》有')")
    assert phone.locator("li.group").count() == 0  # the five others are on five topics
    phone.shot("notifications-after-group-read")
