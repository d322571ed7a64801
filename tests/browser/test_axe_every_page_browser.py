"""axe-core on every page (tests/browser/_pages.py), as each role, normal and 长辈版, at 360 px:
no violation of WCAG 2.1 level A or AA.

axe-core is the npm package pinned in tests/browser/axe (installed by `.ci/run` or, when
missing, by the `axe_source` fixture); it is put into each page by Playwright and never
served by the app.
"""

from __future__ import annotations

import time

import pytest

from tests.browser._pages import BROWSER_ROLES, pages_for, url_of
from tests.browser._walk import open_site

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + (n.failureSummary || "").split("\\n")[1])}));
}"""


@pytest.fixture(scope="module")
def site(app, community, live_server, browser):
    return open_site(app, community, live_server, browser)


@pytest.mark.parametrize("mode", ["normal", "elder"])
@pytest.mark.parametrize("role", BROWSER_ROLES)
def test_no_wcag_a_or_aa_violation_on_any_page(site, browser, axe_source, role, mode):
    # The site's CSP forbids inline scripts (rightly): this context bypasses it only so that
    # Playwright can put axe-core into the page; the app never serves axe.
    context = site.context(browser, role, elder=mode == "elder", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    found, started = [], time.monotonic()
    try:
        pages = pages_for(role)
        for entry in pages:
            url = url_of(entry, site.ids)
            response = page.goto(site.base + url)
            assert response.status == entry.status, f"{entry.name}: {url} -> {response.status}"
            page.add_script_tag(content=axe_source)
            for v in page.evaluate(RUN_AXE, WCAG_TAGS):
                found.append(f"{entry.name} ({url}): {v['id']} - {v['help']}\n      " + "\n      ".join(v["targets"]))
    finally:
        context.close()
    print(f"axe: {role}/{mode}: {len(pages)} pages in {time.monotonic() - started:.1f} s")
    assert not found, f"{len(found)} axe violations as {role} ({mode}):\n" + "\n".join(found)
