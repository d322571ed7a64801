"""The 长辈版 switch (issue 14): `GET /display/{mode}` remembers the choice in a cookie and sends
the person back to a same-site page; the page then carries `class="elder"`; the header always
offers the switch, and a hint offers it until a choice was made; HTML varies on the cookie."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from consult.app import create_app
from tests.http._world import db_fingerprint

ELDER_HTML = re.compile(r'<html lang="[^"]+" class="elder">')
ELDER_BODY = re.compile(r'<body [^>]*class="elder"')


def test_choosing_elder_sets_a_long_lived_cookie_and_goes_back(client):
    r = client.get("/display/elder?next=/topics%3Fstate%3Ddiscussing")
    assert r.status_code == 303 and r.headers["location"] == "/topics?state=discussing"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("display=elder;")
    assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
    max_age = int(re.search(r"max-age=(\d+)", cookie, re.I).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "secure" not in cookie.lower()  # development serves plain HTTP
    page = client.get("/topics")
    assert ELDER_HTML.search(page.text) and ELDER_BODY.search(page.text)
    assert 'href="/display/standard?next=/topics"' in page.text  # the way back, on the same page


def test_choosing_standard_takes_the_class_away(client):
    client.get("/display/elder")
    assert ELDER_HTML.search(client.get("/").text)
    r = client.get("/display/standard?next=/votes")
    assert r.status_code == 303 and r.headers["location"] == "/votes"
    assert "display=standard" in r.headers["set-cookie"]
    page = client.get("/votes").text
    assert not ELDER_HTML.search(page) and 'class="elder"' not in page
    assert 'href="/display/elder?next=/votes"' in page


def test_the_cookie_is_secure_in_production(settings):
    app = create_app(settings.with_(env="production"), manage_engine=False)
    with TestClient(app, base_url="https://testserver.local") as tc:
        r = tc.get("/display/elder", follow_redirects=False)
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "\\\\evil", "",
])
def test_next_must_be_a_same_site_path(client, target):
    r = client.get("/display/elder", params={"next": target})
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_an_unknown_mode_sets_nothing(client):
    r = client.get("/display/tiny?next=/topics")
    assert r.status_code == 303 and r.headers["location"] == "/topics"
    assert "display=" not in r.headers.get("set-cookie", "")
    assert 'class="elder"' not in client.get("/topics").text


def test_a_bad_cookie_value_is_ignored(client):
    client.cookies.set("display", "<script>")
    page = client.get("/topics").text
    assert 'class="elder"' not in page and "<script>\"" not in page
    assert 'class="display-hint"' in page  # no valid choice yet: the hint still offers it


def test_switching_writes_nothing_to_the_database(client, make_user):
    client.login(make_user("resident"))
    before = db_fingerprint()
    client.get("/display/elder?next=/")
    client.get("/display/standard?next=/")
    assert db_fingerprint() == before


def test_the_switch_is_in_the_header_of_every_kind_of_page(client, make_user):
    pages = ["/", "/topics", "/votes", "/dashboard", "/auth/login", "/auth/register", "/no/such/page"]
    for path in pages:
        html = client.get(path).text
        header = html.split("</header>")[0]
        assert 'class="display-switch"' in header and "/display/elder?next=" in header, path
    client.login(make_user("resident"))
    for path in ["/notifications", "/account", "/topics/new"]:
        header = client.get(path).text.split("</header>")[0]
        assert 'class="display-switch"' in header, path


def test_the_switch_speaks_the_page_language(client):
    html = client.get("/topics").text.split("</header>")[0]
    assert "长辈版" in html
    client.get("/lang/en")
    assert "Large text" in client.get("/topics").text.split("</header>")[0]
    client.get("/display/elder")
    assert ">Standard<" in client.get("/topics").text.split("</header>")[0]
    client.get("/lang/zh_CN")
    assert "标准版" in client.get("/topics").text.split("</header>")[0]


def test_the_hint_is_shown_until_a_choice_is_made(client):
    first = client.get("/topics").text
    assert 'class="display-hint"' in first
    assert "/display/elder?next=/topics" in first and "/display/standard?next=/topics" in first
    client.get("/display/standard?next=/topics")
    assert 'class="display-hint"' not in client.get("/topics").text
    client.get("/display/elder")
    assert 'class="display-hint"' not in client.get("/topics").text


@pytest.mark.parametrize("path", ["/", "/topics", "/dashboard", "/auth/login", "/no/such/page"])
def test_every_html_answer_varies_on_the_cookie(client, path):
    r = client.get(path)
    assert r.headers["content-type"].startswith("text/html")
    vary = [v.strip().lower() for v in r.headers.get("vary", "").split(",")]
    assert "cookie" in vary, (path, r.headers.get("vary"))
    assert vary.count("cookie") == 1


def test_pages_varying_on_htmx_also_vary_on_the_cookie(client):
    vary = [v.strip().lower() for v in client.get("/topics").headers["vary"].split(",")]
    assert "hx-request" in vary and "cookie" in vary
