"""Issue 14 at 360 px, in Chinese and English: the sign-in page (with its "forgot your
password?" link), registration with a Chinese name or a phone number (which signs in and
says what happens next), and the explanation of recovery at the community office."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

PASSWORD = "a-long-password-9"
NAMES = {"zh_CN": ("138 1234 5678", "王奶奶", "+86 138-1234-5678"), "en": ("李爷爷", "李爷爷", "李爷爷")}
WORDS = {
    "zh_CN": {"forgot": "忘记密码？", "next": "接下来会怎样", "office": "到和顺社区办公室", "label": "用户名或手机号"},
    "en": {"forgot": "Forgot your password?", "next": "What happens next", "office": "office of 和顺社区",
           "label": "User name or mobile number"},
}


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def signed_out(page, base) -> None:
    page.locator("form[action='/auth/logout'] button").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_sign_in_registration_and_recovery_explanation_at_360px(live_server, phone, community, lang):
    page = phone
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    words = WORDS[lang]
    typed, display, sign_in_as = NAMES[lang]

    page.goto(live_server + "/auth/login")
    assert words["label"] in page.inner_text("body")
    fits(page)
    page.shot("login")
    page.click(f"text={words['forgot']}")
    page.wait_for_url("**/auth/forgot")
    grid = community["communities"]["和顺社区"]["grids"][0]
    page.select_option("#f-grid", str(grid))
    page.locator("form[action='/auth/forgot'] button").click()
    page.wait_for_url(f"**/auth/forgot?grid={grid}")
    assert words["office"] in page.inner_text("body")
    fits(page)
    page.shot("forgot")

    page.goto(live_server + "/auth/register")
    fits(page)
    page.shot("register")
    page.fill("#f-username", typed)
    page.fill("#f-display_name", display)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password2", PASSWORD)
    page.select_option("#f-grid_id", index=1)
    page.click("form[action='/auth/register'] button[type=submit]")
    page.wait_for_url("**/welcome")
    body = page.inner_text("body")
    assert words["next"] in body and display in body
    fits(page)
    page.shot("welcome")

    signed_out(page, live_server)
    sign_in(page, live_server, sign_in_as, PASSWORD)
    page.goto(live_server + "/account")
    assert display in page.inner_text("body")
    fits(page)
    page.shot("account")
