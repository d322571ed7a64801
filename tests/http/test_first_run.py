"""First run (issue 13 point 5): until setup is finished a signed-in administrator is told
on every page what to do next, and everybody else gets a plain "being set up" page (503,
HTML) — never a dead end: signing in stays open. The setup page names the install, leads
to the places and categories, creates the first staff account with a one-time password
shown once, and finishes only when a grid and a category exist.

This module's database starts as a brand-new install: no places, no categories."""

from __future__ import annotations

import re
import uuid

import pytest

from consult.accounts.services import create_user, load_viewer
from consult.places.tables import Install, Place
from tests.conftest import PASSWORD, run, text_of, user_id
from tests.http._world import db_fingerprint


def set_up(done: bool, name: str | None = None) -> None:
    values = "setup_done_at = " + ("current_timestamp" if done else "NULL")
    if name is not None:
        values += f", name = '{name}'"
    run(Install.raw(f"UPDATE install SET {values} WHERE id = 1"))


@pytest.fixture
def new_install(app):
    set_up(False, "")
    yield
    set_up(False)


def person(*roles, place_id=None) -> str:
    name = f"f{uuid.uuid4().hex[:8]}"
    run(create_user(name, PASSWORD, list(roles), display_name=name, place_id=place_id))
    return name


@pytest.fixture
def admin(new_client):
    c = new_client()
    c.cookies.set("lang", "en")
    c.login(person("admin"))
    return c


def banner(page) -> str:
    """The banner's words and the address it links to."""
    match = re.search(r'<div class="notice warn setup-banner".*?</div>', page.text, re.S)
    if not match:
        return ""
    links = " ".join(re.findall(r'href="([^"]+)"', match.group(0)))
    return text_of(match.group(0)) + " " + links


def test_a_visitor_sees_the_being_set_up_page_but_can_sign_in(new_install, client):
    client.cookies.set("lang", "en")
    for url in ("/", "/topics", "/auth/register", "/votes", "/dashboard", "/topics/1"):
        r = client.get(url)
        assert r.status_code == 503, url
        assert r.headers["content-type"].startswith("text/html") and r.headers["retry-after"] == "3600"
        assert "This site is being set up" in r.text and 'href="/auth/login"' in r.text
        assert 'href="/auth/register"' not in r.text  # no link into the gate
    assert client.post("/auth/register", {"username": "early"}).status_code == 503
    assert client.get("/auth/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/topics").status_code == 200  # open data is not gated (it is empty)
    assert client.get("/lang/zh_CN?next=/").status_code == 303


def test_a_signed_in_non_admin_sees_it_too_and_can_still_change_a_one_time_password(new_install, client):
    client.login(person("resident"))
    assert client.get("/").status_code == 503
    assert client.get("/account").status_code == 200
    set_up(True)
    assert client.get("/").status_code == 200


def test_the_admin_is_told_the_next_step_on_every_page_until_setup_is_finished(new_install, admin, client):
    for url in ("/", "/topics", "/account", "/admin/places"):
        page = admin.get(url)
        assert page.status_code == 200, url
        assert "What to do next: give the install its name." in banner(page) and "/admin/setup" in banner(page)
    assert admin.post("/admin/setup/name", {"name": "  幸福里   议事厅 "}).status_code == 303
    home = admin.get("/")
    assert '<a class="brand" href="/">幸福里 议事厅</a>' in home.text and "· 幸福里 议事厅</title>" in home.text
    assert "create or import the places" in banner(home)

    district = run(Place.insert(Place(kind="district", name="新区", path="")).returning(Place.id))[0]["id"]
    run(Place.update({Place.path: f"/{district}/"}).where(Place.id == district))
    assert admin.post("/admin/places", {"name": "新街道", "parent": str(district)}).status_code == 303
    street = run(Place.select().where(Place.name == "新街道").first())
    assert admin.post("/admin/places", {"name": "新社区", "parent": str(street["id"])}).status_code == 303
    community = run(Place.select().where(Place.name == "新社区").first())
    assert "create or import the places" in banner(admin.get("/"))  # no grid yet
    admin.post("/admin/places", {"name": "一网格", "parent": str(community["id"]), "households": "100"})
    assert "add the topic categories" in banner(admin.get("/"))

    r = admin.post("/admin/setup/finish")  # no category yet: refused, nothing changes
    assert r.status_code == 400 and "Add at least one category" in text_of(r.text)
    assert "every topic has one" in text_of(r.text)
    assert admin.post("/admin/categories/defaults", {"next": "setup"}).headers["location"] == "/admin/setup"
    assert "add the first staff account" in banner(admin.get("/"))

    page = admin.get("/admin/setup")
    assert f'<option value="{community["id"]}"' in page.text and f'<option value="{street["id"]}"' in page.text
    r = admin.post("/admin/setup/staff", {"username": "x", "display_name": "小吴", "place": str(community["id"])})
    assert r.status_code == 400 and "User name: 2 to 32 characters (this one has 1)" in text_of(r.text)
    r = admin.post("/admin/setup/staff", {"username": "first_staff", "display_name": "小吴",
                                          "place": str(street["id"])})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    password = re.search(r'<code id="staff-password">([^<]+)</code>', r.text).group(1)
    assert "It is shown only now" in r.text
    assert password not in admin.get("/admin/setup").text
    staff = run(load_viewer(user_id("first_staff")))
    assert staff.must_change_password and staff.grants == (("staff", street["path"]),)
    assert "finish setup to open the site" in banner(admin.get("/"))

    assert admin.post("/admin/setup/finish").status_code == 303
    assert banner(admin.get("/")) == ""
    visitor = client.get("/")
    assert visitor.status_code == 200 and "幸福里 议事厅" in visitor.text
    register = client.get("/auth/register")
    grid = run(Place.select().where(Place.name == "一网格").first())
    assert f'value="{grid["id"]}"' in register.text  # newcomers can register now
    client.login("first_staff", password)  # the one-time password works once, then must change
    r = client.get("/staff/verification")
    assert r.status_code == 303 and r.headers["location"].startswith("/account"), r.headers.get("location")
    assert admin.post("/admin/setup/finish").status_code == 303  # already finished: nothing to do


def test_finishing_needs_a_name_a_grid_and_a_category(new_install, admin):
    before = db_fingerprint()
    r = admin.post("/admin/setup/finish")
    assert r.status_code == 400
    assert "Give the install its name first." in text_of(r.text)
    assert db_fingerprint() == before
    assert run(Install.select(Install.setup_done_at).where(Install.id == 1).first())["setup_done_at"] is None
    r = admin.post("/admin/setup/name", {"name": ""})
    assert r.status_code == 400 and "Name: 1 to 100 characters." in text_of(r.text)


def test_only_an_administrator_may_run_setup(new_install, new_client):
    street = run(Place.select().where(Place.kind == "street").first())
    for roles, place in ((("staff",), street["id"] if street else None), (("committee",), None)):
        c = new_client()
        c.login(person(*roles, place_id=place))
        before = db_fingerprint()
        for url, data in (("/admin/setup/name", {"name": "x"}), ("/admin/setup/finish", {}),
                          ("/admin/setup/staff", {"username": "zzz_staff", "display_name": "z", "place": "1"})):
            assert c.post(url, data).status_code == 403, url
        assert c.get("/admin/setup").status_code == 403
        assert db_fingerprint() == before
