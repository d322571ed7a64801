"""Printed notices (公示) in Chromium: each of the three sheets, in print media and in both
languages, shows no navigation, button or form, carries its QR code, and prints as A4 PDF
pages (saved with a PNG of each page under test-artifacts/ to look at)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.conftest import run
from tests.http.test_topics_helpers import Topics, viewer
from tests.http.test_voting import cast, open_vote
from tests.http.test_voting_publication import publish

A4_POINTS = (595, 842)  # 210 × 297 mm in PostScript points, rounded down


def _world(make_user, new_client, community):
    staff = new_client()
    staff.username = make_user("staff")
    staff.login(staff.username)
    vote_id, reps, cands = open_vote(staff, make_user, weights=("1", "1", "1"))
    for rep in reps:
        c = new_client()
        c.login(rep)
        assert cast(c, vote_id, {cands[0]: "approve", cands[2]: "oppose"}).status_code == 200
    publish(staff, vote_id)
    topics = Topics(make_user, community)
    topics._staff = staff.username
    tid, _author = topics.create(state="implementing", title="加装电梯")
    from consult.topics import projects

    for percent, note in ((30, "完成井道施工。"), (60, "电梯主机已进场安装。")):
        run(projects.post_progress(viewer(staff.username), tid, {"percent": str(percent), "note": note, "date": ""}))
    for _ in range(12):  # a list long enough for a second page: its rows must not be cut
        topics.create(state="project")
    return {"vote": f"/votes/{vote_id}/print", "projects": f"/places/{community['community']}/projects/print",
            "topic": f"/topics/{tid}/print"}


def _pdf_sizes(pdf: bytes) -> list[tuple[int, int]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(int(float(w)), int(float(h))) for w, h in boxes]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_each_notice_prints_as_a_clean_a4_sheet(live_server, browser, make_user, new_client, community, lang):
    paths = _world(make_user, new_client, community)
    context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=1)
    context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for name, path in paths.items():
            page.emulate_media(media="screen")
            assert page.goto(live_server + path).status == 200
            assert page.locator("button[data-print]").is_visible()  # print.js shows it on screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
            page.screenshot(path=str(ARTIFACTS / f"print-{name}-{lang}-screen.png"), full_page=True)

            page.emulate_media(media="print")
            visible = page.locator("nav:visible, button:visible, form:visible, header.site:visible, a.button:visible")
            assert visible.count() == 0, path
            assert page.locator("svg.qr").is_visible()
            assert page.locator("h1").is_visible()
            color = page.evaluate("getComputedStyle(document.querySelector('h1')).color")
            assert color == "rgb(0, 0, 0)"
            if name == "vote":
                assert re.fullmatch(r"[0-9a-f]{64}", page.inner_text("#record-sha256"))
            pdf_path = ARTIFACTS / f"print-{name}-{lang}.pdf"
            pdf = page.pdf(path=str(pdf_path), format="A4", print_background=True)
            sizes = _pdf_sizes(pdf)
            assert sizes and all(size == A4_POINTS for size in sizes), sizes
            if shutil.which("pdftoppm"):
                subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf_path), str(pdf_path.with_suffix(""))],
                               check=True)
    finally:
        context.close()


def test_a_printed_vote_page_hides_the_site_frame(live_server, browser, make_user, new_client, community):
    """Printing the ordinary vote page (not the notice) also leaves out the navigation and buttons."""
    paths = _world(make_user, new_client, community)
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        page.goto(live_server + paths["vote"].removesuffix("/print"))
        page.emulate_media(media="print")
        assert page.locator("nav:visible, button:visible, form:visible, header.site:visible").count() == 0
    finally:
        context.close()
