"""The table of every page (tests/browser/_pages.py) that the accessibility and the
sideways-scrolling browser tests walk: it covers every GET route of the app, and each of its
pages answers as HTML, with its status, to each role that looks at it."""

from __future__ import annotations

import pytest

from tests.browser._pages import BROWSER_ROLES, NOT_PAGES, PAGES, build_page_world, url_of
from tests.http.test_authorization_matrix import SKIPPED_PATHS, app_entries


def _get_routes(app) -> set[str]:
    return {key.split(" ", 1)[1] for key in app_entries(app) if key.startswith("GET ")} - SKIPPED_PATHS


def test_every_get_route_is_a_page_in_the_table_or_said_not_to_be_one(app):
    routes = _get_routes(app)
    listed = {p.route for p in PAGES if p.route is not None}
    missing = sorted(routes - listed - NOT_PAGES.keys())
    assert not missing, f"GET routes missing from tests/browser/_pages.py PAGES (or NOT_PAGES): {missing}"
    stale = sorted((listed | NOT_PAGES.keys()) - routes)
    assert not stale, f"entries in tests/browser/_pages.py for routes the app no longer has: {stale}"
    assert not listed & NOT_PAGES.keys()
    names = [p.name for p in PAGES]
    assert len(names) == len(set(names)), "page names are unique (they name screenshots and failures)"


@pytest.fixture(scope="module")
def world(app, community):
    w = build_page_world(app, community)
    yield w
    w.close()


@pytest.mark.parametrize("role", BROWSER_ROLES)
def test_each_page_answers_html_with_its_status_to_its_roles(world, role):
    problems = []
    for page in PAGES:
        if role not in page.roles:
            continue
        url = url_of(page, world.ids)
        r = world.client(role).get(url)
        kind = r.headers.get("content-type", "")
        if r.status_code != page.status or not kind.startswith("text/html"):
            problems.append(f"{page.name}: {url} -> {r.status_code} {kind} (expected {page.status} HTML)")
    assert not problems, "\n".join(problems)
