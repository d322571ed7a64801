"""A resident proposes a topic with two photos from a 360 px phone, in Chinese with JavaScript
(the boosted form sends multipart) and in English without it (the plain form); the topic page
shows the thumbnails, loaded, lazily, two to a row, and a tap opens the large one."""

from __future__ import annotations

import io

from PIL import Image

from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, sign_in  # noqa: F401
from tests.conftest import PASSWORD


def picture(path, color, size=(1200, 900)):
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 60):  # stripes, so that a thumbnail is visibly a picture
        image.paste((255, 255, 255), (x, 0, x + 20, size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def propose_with_photos(page, base, files, title, description):
    page.goto(base + "/topics/new")
    page.fill("#f-title", title)
    page.fill("#f-description", description)
    page.select_option("#f-category", index=1)
    page.select_option("#f-grid_id", index=1)
    page.set_input_files("#f-photos", files)
    page.shot("form")
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_url(lambda url: "/topics/new" not in url and url.rstrip("/").split("/")[-1].isdigit())
    page.wait_for_load_state("networkidle")


def check_thumbnails(page):
    thumbs = page.locator("ul.photos img")
    assert thumbs.count() == 2
    page.locator("ul.photos").scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('ul.photos img')].every(i => i.complete && i.naturalWidth > 0)")
    assert thumbs.first.get_attribute("loading") == "lazy" and thumbs.first.get_attribute("alt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    boxes = [thumbs.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["width"] < 180  # two to a row
    href = page.locator("ul.photos a").first.get_attribute("href")
    assert href.endswith("/large")


def test_proposal_with_photos_on_a_phone_in_both_languages(live_server, browser, make_user, tmp_path, request):
    for old in ARTIFACTS.glob(f"{request.node.name}-*.png"):
        old.unlink(missing_ok=True)
    files = [picture(tmp_path / "a.jpg", (200, 40, 40)), picture(tmp_path / "b.jpg", (40, 90, 200), (900, 1200))]
    runs = (("zh_CN", True, "三号楼电梯经常停在半路", "电梯在五楼和六楼之间停了两次，请尽快检修。"),
            ("en", False, "The lift of building 3 stops", "It stopped twice between floors five and six."))
    for lang, js, title, description in runs:
        context = browser.new_context(viewport={"width": 360, "height": 780}, java_script_enabled=js)
        context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
        page = context.new_page()
        page.set_default_timeout(20_000)
        ARTIFACTS.mkdir(exist_ok=True)

        def shot(name, page=page, lang=lang):
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{lang}-{name}.png"), full_page=True)

        page.shot = shot
        sign_in(page, live_server, make_user("resident"), PASSWORD)
        propose_with_photos(page, live_server, files, title, description)
        check_thumbnails(page)
        page.locator("section.description").screenshot(path=str(ARTIFACTS / f"{request.node.name}-{lang}-topic.png"))
        page.locator("ul.photos a").first.click()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.images[0].naturalWidth") == 1200
        context.close()
