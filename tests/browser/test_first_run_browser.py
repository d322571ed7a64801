"""A brand-new install, as someone who just downloaded Consult would start it (issue 13
point 5): `consult serve` on an empty SQLite database, no demo data. The test follows the
sign-in line the command prints, changes the one-time password, completes setup through
the pages (name, places by hand and by pasted CSV, the default categories, the first
staff account), and then a newcomer registers, the staff member verifies them, and they
propose a topic. Screenshots at 360 px, in Chinese and in English (test-artifacts/)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import ROOT, _free_port, sign_in

NEW_PASSWORD = "keeper-of-the-tree-26"
STAFF_PASSWORD = "a-fresh-staff-pass"


@pytest.fixture
def empty_install(tmp_path):
    """`consult serve` on a new, empty database; yields (base URL, the printed lines)."""
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite'}", SECRET_KEY="n" * 64,
               CONSULT_DATA_DIR=str(tmp_path / "data"), CONSULT_ENV="development", PYTHONUNBUFFERED="1")
    for name in ("REDIS_URL", "CONSULT_ADMIN_PASSWORD"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "consult.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except (OSError, urllib.error.HTTPError):
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("consult serve did not start:\n" + "".join(lines)[-3000:])
        time.sleep(0.2)
    yield base, lines
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def submit(page, selector: str, shows: str) -> None:
    """Submit the form (htmx-boosted: no new document to wait for) and wait until the page
    shows ``shows``."""
    page.click(selector)
    page.wait_for_function("text => document.body.innerText.includes(text)", arg=shows, timeout=30_000)


def new_password(page, old: str, new: str) -> None:
    page.fill("#f-current", old)
    page.fill("#f-new", new)
    page.fill("#f-new2", new)
    submit(page, "form[action='/account/password'] button[type=submit]", "密码已修改")


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def printed_sign_in(lines: list[str]) -> tuple[str, str]:
    text = "".join(lines)
    match = re.search(r"Sign in at /auth/login as '([^']+)' with the one-time password: (\S+)", text)
    assert match, text
    return match.group(1), match.group(2)


def test_a_new_install_is_set_up_through_the_pages_and_then_used(empty_install, new_phone):
    base, lines = empty_install
    username, one_time = printed_sign_in(lines)

    visitor = new_phone()
    answer = visitor.goto(base + "/")
    assert answer.status == 503 and "本站正在设置中" in visitor.inner_text("main")
    fits(visitor)
    visitor.shot("being-set-up-zh")
    visitor.context.add_cookies([{"name": "lang", "value": "en", "url": base}])
    visitor.goto(base + "/auth/register")
    assert "This site is being set up" in visitor.inner_text("main")
    visitor.shot("being-set-up-en")

    admin = new_phone()
    sign_in(admin, base, username, one_time)
    assert "/account" in admin.url
    new_password(admin, one_time, NEW_PASSWORD)
    assert "下一步：为本站命名。" in admin.inner_text(".setup-banner")
    admin.shot("banner-zh")

    admin.click(".setup-banner a")
    admin.wait_for_selector("#step-name")
    admin.fill("#f-name", "幸福里社区议事厅")
    submit(admin, "form[action='/admin/setup/name'] button[type=submit]", "站点名称已保存")
    assert admin.inner_text(".brand") == "幸福里社区议事厅"
    assert "下一步：创建或导入地点" in admin.inner_text(".setup-banner")

    # the tree by hand: a district, a street under it, a community, a grid with its households
    admin.goto(base + "/admin/places")
    admin.select_option("#f-kind", "district")
    admin.fill("#f-name", "和平区")
    submit(admin, "#new-root button[type=submit]", "在和平区下添加街道（乡镇）")
    for name, child in (("朝阳街道", "社区（村）"), ("幸福里社区", "网格")):
        admin.fill("#new-f-name", name)
        submit(admin, "#children button[type=submit]", f"在{name}下添加{child}")
        assert admin.inner_text("h1").startswith(name)
    admin.fill("#new-f-name", "第一网格")
    admin.fill("#new-f-households", "420")
    submit(admin, "#children button[type=submit]", "在第一网格下添加楼栋")
    # and one more grid from pasted CSV rows
    admin.goto(base + "/admin/places")
    admin.fill("#f-csv_text", "和平区/朝阳街道/幸福里社区/第二网格,386\n")
    submit(admin, "#import button[type=submit]", "新建 1 个地点")
    tree = admin.inner_text("ul.tree")
    assert "第一网格" in tree and "第二网格" in tree and "420 户" in tree
    fits(admin)
    admin.shot("tree-zh")

    admin.goto(base + "/admin/setup")
    submit(admin, "#step-categories button[type=submit]", "已添加 9 个分类")
    admin.fill("#staff-f-username", "first_staff")
    admin.fill("#staff-f-display_name", "社区小吴")
    admin.select_option("#f-place", label="和平区 · 朝阳街道 · 幸福里社区")
    submit(admin, "#step-staff button[type=submit]", "密码只在此处显示这一次")
    staff_one_time = admin.inner_text("#staff-password").strip()
    assert len(staff_one_time) >= 12
    fits(admin)
    admin.shot("setup-zh")
    submit(admin, "#step-finish button[type=submit]", "设置已完成")
    assert not admin.locator(".setup-banner").count()

    resident = new_phone()
    resident.goto(base + "/auth/register")
    resident.fill("#f-username", "xiaoming")
    resident.fill("#f-display_name", "小明")
    resident.fill("#f-password", "a-long-password")
    resident.fill("#f-password2", "a-long-password")
    resident.select_option("#f-grid_id", label="幸福里社区 · 第二网格")
    submit(resident, "form[action='/auth/register'] button[type=submit]", "账号已创建")

    staff = new_phone()
    sign_in(staff, base, "first_staff", staff_one_time)
    new_password(staff, staff_one_time, STAFF_PASSWORD)
    staff.goto(base + "/staff/verification")
    submit(staff, "li:has-text('xiaoming') button:has-text('核实居住')", "已核实居住情况")
    staff.shot("verified-zh")

    sign_in(resident, base, "xiaoming", "a-long-password")
    resident.goto(base + "/topics/new")
    resident.fill("#f-title", "小区停车位不够")
    resident.fill("#f-description", "晚上回来找不到车位，希望增加夜间停车位。")
    resident.select_option("#f-category", label="停车")
    resident.select_option("#f-grid_id", label="幸福里社区 · 第二网格")
    submit(resident, "form[action='/topics'] button[type=submit]", "晚上回来找不到车位")
    resident.wait_for_url(re.compile(r".*/topics/\d+$"))
    assert re.search(r"/topics/\d+$", resident.url), resident.url
    assert "小区停车位不够" in resident.inner_text("main")
    assert "幸福里社区议事厅" in resident.title()
    resident.shot("topic-proposed-zh")

    # the administrator's pages in English
    admin.context.add_cookies([{"name": "lang", "value": "en", "url": base}])
    admin.goto(base + "/admin/places")
    assert "Import places from a CSV file" in admin.inner_text("main")
    fits(admin)
    admin.shot("tree-en")
    admin.goto(base + "/admin/setup")
    assert "Setup is finished" in admin.inner_text("main")
    fits(admin)
    admin.shot("setup-en")
    admin.goto(base + "/admin/categories")
    fits(admin)
    admin.shot("categories-en")
