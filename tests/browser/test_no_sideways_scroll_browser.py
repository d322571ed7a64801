"""No sideways scrolling: every page (tests/browser/_pages.py), as each role that sees it, at
360 px in Chinese and in English, is no wider than the phone's viewport."""

from __future__ import annotations

import os

import pytest

from tests.browser._pages import BROWSER_ROLES, pages_for, url_of
from tests.browser._walk import PHONE, open_site
from tests.browser.conftest import ARTIFACTS

# CONSULT_SHOTS=1 keeps a screenshot of every page walked (test-artifacts/walk-*.png), to look at
SHOTS = bool(os.environ.get("CONSULT_SHOTS"))

# the widest element that reaches past the right edge, to name in a failure
WIDEST = """() => {
  const width = document.documentElement.clientWidth; let worst = null, right = width;
  const clipped = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== "visible") return true; } return false; };
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect().right;
    if (r > right && !clipped(el)) { right = r; worst = el; }
  }
  return worst ? `${worst.tagName.toLowerCase()}${worst.id ? "#" + worst.id : ""}.${worst.className} to ${Math.round(right)} px` : "";
}"""


@pytest.fixture(scope="module")
def site(app, community, live_server, browser):
    return open_site(app, community, live_server, browser)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("role", BROWSER_ROLES)
def test_no_page_is_wider_than_a_phone(site, browser, role, lang):
    context = site.context(browser, role, lang=lang)
    page = context.new_page()
    page.set_default_timeout(30_000)
    wide = []
    try:
        for entry in pages_for(role):
            url = url_of(entry, site.ids)
            response = page.goto(site.base + url)
            assert response.status == entry.status, f"{entry.name}: {url} -> {response.status}"
            width = page.evaluate("document.documentElement.scrollWidth")
            if SHOTS:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"walk-{role}-{lang}-{entry.name}.png"), full_page=True)
            if width > PHONE["width"]:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"wide-{role}-{lang}-{entry.name}.png"), full_page=True)
                wide.append(f"{entry.name} ({url}): {width} px, widest: {page.evaluate(WIDEST)}")
    finally:
        context.close()
    assert not wide, f"wider than {PHONE['width']} px as {role} in {lang}:\n" + "\n".join(wide)
