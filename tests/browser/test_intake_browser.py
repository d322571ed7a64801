"""A grid worker on a home visit enters a topic for a resident from a 360 px phone, in Chinese;
the slip shows the tracking code, and the resident's family follow it at /track/CODE without
an account, in English, where neither the name nor the phone appears."""

from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import PASSWORD

NAME, PHONE = "孙大爷", "13700137000"


def test_a_grid_worker_enters_a_home_visit_topic_on_a_phone(live_server, phone, new_phone, make_user, request):
    for old in ARTIFACTS.glob(f"{request.node.name}-*.png"):
        old.unlink(missing_ok=True)
    worker = make_user("grid_worker")
    sign_in(phone, live_server, worker, PASSWORD)
    phone.goto(live_server + "/intake/new")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.select_option("#f-channel", "home_visit")
    phone.fill("#f-resident_name", NAME)
    phone.fill("#f-resident_phone", PHONE)
    phone.fill("#f-title", "小区里多几把休息长椅")
    phone.fill("#f-description", "入户走访时老人说，散步走一段就没地方坐，希望在花园边加几把长椅。")
    phone.select_option("#f-category", index=1)
    phone.select_option("#f-grid_id", index=1)
    phone.click("form[action='/intake'] button[type=submit]")  # not yet agreed: refused, the form again
    phone.wait_for_selector("#e-consent")
    assert phone.locator("#f-resident_name").input_value() == NAME  # what was typed is kept
    phone.check("input[name=consent]")
    phone.shot("form")
    phone.click("form[action='/intake'] button[type=submit]")
    phone.wait_for_selector("#tracking-code")
    code = phone.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert "查询码" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.shot("slip")

    family = new_phone()
    family.context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    family.goto(live_server + "/track")
    family.fill("#f-code", code.lower())
    family.click("form[action='/track'] button[type=submit]")
    family.wait_for_url(re.compile(r"/track/[0-9A-Z]{12}$"))
    text = family.inner_text("main") if family.locator("main").count() else family.inner_text("body")
    assert "Came in: Home visit" in text and "小区里多几把休息长椅" in text
    assert NAME not in family.content() and PHONE not in family.content()
    assert family.evaluate("document.documentElement.scrollWidth") <= 360
    family.shot("track-en")
    family.click("text=Every step, on its public page")
    family.wait_for_load_state("networkidle")
    assert "Home visit" in family.content() and NAME not in family.content()
    family.shot("topic-en")
