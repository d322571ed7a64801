"""Walking every page of tests/browser/_pages.py in Chromium: the test world on a live server,
one signed-in state per role (signed in once, reused by every context of that role), and a
360 px context per role, language and display mode (normal or 长辈版)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.browser._pages import BROWSER_ROLES, build_page_world
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

PHONE = {"width": 360, "height": 780}
ELDER_COOKIE = ("display", "elder")  # the 长辈版 switch remembers the choice in this cookie


@dataclass
class Site:
    base: str
    ids: dict[str, int]
    states: dict[str, dict]  # role -> Playwright storage state (cookies of a signed-in session)

    def context(self, browser, role: str, *, lang: str | None = None, elder: bool = False, bypass_csp: bool = False):
        context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN",
                                      storage_state=self.states[role], bypass_csp=bypass_csp)
        cookies = []
        if lang:
            cookies.append({"name": "lang", "value": lang, "url": self.base})
        if elder:
            cookies.append({"name": ELDER_COOKIE[0], "value": ELDER_COOKIE[1], "url": self.base})
        if cookies:
            context.add_cookies(cookies)
        return context


def open_site(app, community, live_server, browser) -> Site:
    """Build the world (through the app in this process, on the live server's database), then
    sign each role in once in the browser."""
    world = build_page_world(app, community)
    states = {}
    for role in BROWSER_ROLES:
        context = browser.new_context(viewport=PHONE)
        try:
            if role != "visitor":
                page = context.new_page()
                sign_in(page, live_server, world.users[role], PASSWORD)
            states[role] = context.storage_state()
        finally:
            context.close()
    ids = dict(world.ids)
    world.close()
    return Site(live_server, ids, states)
