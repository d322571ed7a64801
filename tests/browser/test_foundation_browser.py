"""A newcomer registers, is verified by staff, signs in, sees the Chinese home page and switches to English."""

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, run


def test_register_verify_sign_in_and_switch_language(live_server, phone, new_phone, community):
    from consult.accounts.services import create_user

    run(create_user("browser_staff", PASSWORD, ["staff"], display_name="社区小吴"))
    page = phone
    page.goto(live_server + "/auth/register")
    # a bad form comes back with the messages beside the fields (htmx swaps the 400 page in)
    page.fill("#f-username", "xiaoming")
    page.fill("#f-display_name", "小明")
    page.fill("#f-password", "short")
    page.fill("#f-password2", "short")
    page.click("form[action='/auth/register'] button[type=submit]")
    page.wait_for_selector("#e-password")
    assert "密码长度须为 8 至 128 个字符" in page.inner_text("#e-password")
    assert page.get_attribute("#f-username", "autocomplete") == "username"
    page.shot("register-errors")
    page.fill("#f-username", "xiaoming")
    page.fill("#f-display_name", "小明")
    page.fill("#f-password", "a-long-password")
    page.fill("#f-password2", "a-long-password")
    page.select_option("#f-grid_id", index=1)
    page.shot("register")
    page.click("form[action='/auth/register'] button[type=submit]")
    page.wait_for_url("**/welcome")  # registering signs in (issue 14)
    assert "账号已创建" in page.content() and "接下来会怎样" in page.inner_text("body")
    page.goto(live_server + "/")
    assert "等待社区工作者核实" in page.inner_text("body")
    page.shot("awaiting-verification")

    staff = new_phone()
    sign_in(staff, live_server, "browser_staff", PASSWORD)
    staff.goto(live_server + "/staff/verification")
    row = staff.locator("li", has_text="xiaoming")
    row.locator("button", has_text="核实居住").click()
    staff.wait_for_load_state("networkidle")
    assert "已核实居住情况" in staff.inner_text("body")
    staff.shot("verified")

    page.goto(live_server + "/")
    body = page.inner_text("body")
    assert "社区议事协商" in body and "等待社区工作者核实" not in body
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    # the page fits a 360 px phone: nothing wider than the viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.shot("home-zh")

    page.click("text=English")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Community consultation" in page.inner_text("body")
    page.goto(live_server + "/auth/login")
    assert "Sign in" in page.inner_text("body")  # the choice sticks
    page.shot("home-en")
