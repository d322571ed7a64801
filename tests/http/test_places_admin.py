"""The administrator manages the tree of places, the departments and the categories in the
UI (issue 13 point 1): create, rename, household counts, move (the whole subtree's paths
rewritten at once), deactivate / reactivate with a confirmation first; nothing is deleted;
admin only, whatever role anyone holds at whichever place."""

from __future__ import annotations

import uuid

import pytest

from consult.accounts.tables import AuditEntry, Category
from consult.places.tables import Department, Place
from tests.conftest import run, text_of
from tests.http._world import db_fingerprint


@pytest.fixture
def admin(client, make_user):
    client.cookies.set("lang", "en")
    client.login(make_user("admin"))
    return client


def place(place_id: int) -> dict:
    return run(Place.select().where(Place.id == place_id).first())


def named(name: str) -> dict:
    return run(Place.select().where(Place.name == name).first())


def fresh(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def create(admin, name, parent=None, kind="", households=""):
    data = {"name": name, "kind": kind, "households": households}
    if parent is not None:
        data["parent"] = str(parent)
    return admin.post("/admin/places", data)


def a_street(admin, community) -> int:
    name = fresh("街道")
    assert create(admin, name, community["district"]).status_code == 303
    return named(name)["id"]


def test_the_tree_shows_every_place_nested_with_kind_households_and_state(admin, community):
    page = admin.get("/admin/places")
    assert page.status_code == 200
    html = page.text[page.text.index("<main"):]  # the header shows the install's name (朝阳街道…)
    assert html.index("和平区") < html.index("朝阳街道") < html.index("幸福里社区") < html.index("第一网格")
    assert html.count('<ul class="tree">') > 3  # nested lists, one per level with children
    words = text_of(html)
    assert "District" in words and "Community" in words and "420 households" in words


def test_a_child_gets_the_kind_that_may_sit_there_and_bad_input_changes_nothing(admin, community):
    name = fresh("网格")
    r = create(admin, name, community["community"], kind="district", households="250")
    assert r.status_code == 303
    row = named(name)
    assert row["kind"] == "grid" and row["households"] == 250  # the kind asked for is not the parent's to choose
    assert row["path"] == place(community["community"])["path"] + f"{row['id']}/"
    before = db_fingerprint()
    for data, message in (
        ({"name": "", "parent": community["community"]}, "Name: 1 to 100 characters."),
        ({"name": name, "parent": community["community"]}, "already has a place called"),
        ({"name": fresh("x"), "parent": community["community"], "households": "12a"}, "Households: a whole number"),
        ({"name": fresh("x"), "kind": "grid"}, "Choose the kind of place from the list."),  # a grid at the top
    ):
        r = admin.post("/admin/places", data)
        assert r.status_code == 400 and "text/html" in r.headers["content-type"], data
        assert message in r.text and 'aria-invalid="true"' in r.text
    assert db_fingerprint() == before
    page = admin.get(f"/admin/places/{community['community']}")
    assert "Add a Grid under 幸福里社区" in text_of(page.text)
    building_form = admin.get(f"/admin/places/{row['id']}")
    assert "Add a Building under" in text_of(building_form.text)


def test_rename_and_household_count(admin, community):
    name = fresh("网格")
    create(admin, name, community["community"], households="10")
    pid = named(name)["id"]
    assert admin.post(f"/admin/places/{pid}", {"name": name + "改", "households": "1,234"}).status_code == 303
    assert (place(pid)["name"], place(pid)["households"]) == (name + "改", 1234)
    r = admin.post(f"/admin/places/{pid}", {"name": "第一网格", "households": "3"})  # a sibling's name
    assert r.status_code == 400 and "already has a place called 第一网格" in text_of(r.text)
    assert place(pid)["name"] == name + "改"
    entry = run(AuditEntry.select().where((AuditEntry.action == "place.updated") & (AuditEntry.target_id == str(pid)))
                .first())
    assert entry is not None


def test_a_move_asks_first_then_rewrites_the_paths_of_the_whole_subtree(admin, community):
    street = a_street(admin, community)
    comm = fresh("社区")
    create(admin, comm, community["street"])
    cid = named(comm)["id"]
    create(admin, "一网格", cid, households="5")
    gid = run(Place.select().where((Place.parent == cid) & (Place.name == "一网格")).first())["id"]
    create(admin, "1号楼", gid, households="2")
    bid = run(Place.select().where(Place.parent == gid).first())["id"]

    r = admin.post(f"/admin/places/{cid}/move?parent={street}", {})
    assert r.status_code == 303 and r.headers["location"] == f"/admin/places/{cid}/move?parent={street}"
    assert place(cid)["parent"] == community["street"]  # one tap changed nothing
    confirm = admin.get(r.headers["location"])
    assert confirm.status_code == 200
    assert "2 places below it move together" in text_of(confirm.text) and 'name="confirm" value="yes"' in confirm.text

    assert admin.post(f"/admin/places/{cid}/move?parent={street}", {"confirm": "yes"}).status_code == 303
    new_path = place(street)["path"] + f"{cid}/"
    assert place(cid)["parent"] == street and place(cid)["path"] == new_path
    assert place(gid)["path"] == new_path + f"{gid}/" and place(bid)["path"] == new_path + f"{gid}/{bid}/"
    assert place(gid)["parent"] == cid  # only the moved place changes parent
    audit = run(AuditEntry.select().where(AuditEntry.action == "place.moved").order_by(AuditEntry.id, ascending=False)
                .first())
    assert audit["target_id"] == str(cid)


def test_a_move_never_goes_under_itself_or_where_its_kind_may_not_sit(admin, community):
    street = a_street(admin, community)
    comm = fresh("社区")
    create(admin, comm, street)
    cid = named(comm)["id"]
    before = db_fingerprint()
    for target, message in ((cid, "under itself or under a place below it"),
                            (community["grids"][0], "A Community cannot sit directly under a Grid."),
                            (community["district"], "A Community cannot sit directly under a District.")):
        r = admin.post(f"/admin/places/{cid}/move?parent={target}", {"confirm": "yes"})
        assert r.status_code == 400 and message in text_of(r.text), target
    r = admin.post(f"/admin/places/{street}/move?parent={cid}", {"confirm": "yes"})  # under its own child
    assert r.status_code == 400 and "under itself or under a place below it" in text_of(r.text)
    r = admin.post(f"/admin/places/{cid}/move", {"confirm": "yes"})  # to the top: a community may be a root
    assert r.status_code == 303 and place(cid)["parent"] is None and place(cid)["path"] == f"/{cid}/"
    assert db_fingerprint() != before
    page = admin.get(f"/admin/places/{community['grids'][0]}")
    assert "(top of the tree)" not in page.text  # a grid is never offered the top


def test_deactivating_asks_first_and_hides_the_subtree_from_newcomers(admin, community, client):
    comm = fresh("社区")
    create(admin, comm, community["street"])
    cid = named(comm)["id"]
    create(admin, "甲网格", cid, households="9")
    gid = run(Place.select().where(Place.parent == cid).first())["id"]
    assert f'value="{gid}"' in admin.get("/auth/register").text

    r = admin.post(f"/admin/places/{cid}/deactivate", {})
    assert r.status_code == 303 and r.headers["location"] == f"/admin/places/{cid}/deactivate"
    assert place(cid)["active"]
    confirm = admin.get(f"/admin/places/{cid}/deactivate")
    assert "1 places below it become inactive" in text_of(confirm.text)
    assert admin.post(f"/admin/places/{cid}/deactivate", {"confirm": "yes"}).status_code == 303
    assert not place(cid)["active"] and not place(gid)["active"]
    assert f'value="{gid}"' not in admin.get("/auth/register").text
    # the grid alone cannot come back while its community is inactive
    r = admin.post(f"/admin/places/{gid}/reactivate", {})
    assert r.status_code == 400 and "reactivate that one first" in text_of(r.text)
    assert admin.post(f"/admin/places/{cid}/reactivate", {}).status_code == 303
    assert place(cid)["active"] and place(gid)["active"]
    assert f'value="{gid}"' in admin.get("/auth/register").text


def test_there_is_no_way_to_delete_a_place(admin, community, app):
    routes = {(m, r.path) for r in app.routes for m in getattr(r, "methods", ())}
    assert not any(m == "DELETE" or "delete" in path for m, path in routes if path.startswith("/admin/places"))
    assert "Delete" not in admin.get(f"/admin/places/{community['grids'][0]}").text


@pytest.mark.parametrize("role, place_key", [("staff", "street"), ("staff", "district"), ("committee", None),
                                             ("resident", None)])
def test_only_an_administrator_manages_places_whatever_role_and_place(role, place_key, client, community, app):
    """Staff of the street (or the district) above every place, a community's committee: all refused."""
    from consult.accounts.services import create_user
    from tests.conftest import PASSWORD

    name = fresh("u")
    run(create_user(name, PASSWORD, [role], display_name=name, grid_id=community["grids"][0],
                    place_id=community[place_key] if place_key else None))
    client.login(name)
    gid = community["grids"][1]
    before = db_fingerprint()
    for method, url, data in (
        ("GET", "/admin/places", None), ("GET", f"/admin/places/{gid}", None),
        ("POST", "/admin/places", {"name": "x", "parent": str(gid)}),
        ("POST", f"/admin/places/{gid}", {"name": "x", "households": "1"}),
        ("POST", f"/admin/places/{gid}/move", {"confirm": "yes"}),
        ("POST", f"/admin/places/{gid}/deactivate", {"confirm": "yes"}),
        ("GET", "/admin/departments", None), ("POST", "/admin/departments", {"name": "x", "place": str(gid)}),
        ("GET", "/admin/categories", None), ("POST", "/admin/categories", {"name_zh": "新", "name_en": "New"}),
        ("POST", "/admin/categories/defaults", {}), ("GET", "/admin/setup", None),
        ("POST", "/admin/setup/name", {"name": "x"}),
    ):
        r = client.request(method, url, data=data) if data is not None else client.get(url)
        assert r.status_code == 403, (role, url, r.status_code)
    assert db_fingerprint() == before


def test_a_visitor_is_sent_to_sign_in(client, community):
    for url in ("/admin/places", "/admin/departments", "/admin/categories", "/admin/setup"):
        r = client.get(url)
        assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")


def test_departments_are_created_renamed_attached_elsewhere_and_deactivated(admin, community):
    name = fresh("房管所")
    r = admin.post("/admin/departments", {"name": name, "place": str(community["street"])})
    assert r.status_code == 303
    row = run(Department.select().where(Department.name == name).first())
    assert row["place"] == community["street"] and row["active"]
    assert name in admin.get("/admin/departments").text
    r = admin.post(f"/admin/departments/{row['id']}", {"name": name + "二", "place": str(community["district"])})
    assert r.status_code == 303
    row = run(Department.select().where(Department.id == row["id"]).first())
    assert (row["name"], row["place"]) == (name + "二", community["district"])
    assert admin.post(f"/admin/departments/{row['id']}", {"active": "0"}).status_code == 303
    assert not run(Department.select().where(Department.id == row["id"]).first())["active"]
    before = db_fingerprint()
    for data, message in (({"name": "", "place": str(community["street"])}, "Name: 1 to 100"),
                          ({"name": "x", "place": "99999"}, "Choose the place it belongs to"),
                          ({"name": name + "二", "place": str(community["district"])}, "already has a department")):
        r = admin.post("/admin/departments", data)
        assert r.status_code == 400 and message in text_of(r.text), data
    assert db_fingerprint() == before


def test_categories_are_created_with_a_slug_edited_and_deactivated(admin, community, make_user, new_client):
    en = fresh("Public toilets ")
    assert admin.post("/admin/categories", {"name_zh": "公厕", "name_en": en, "position": "20"}).status_code == 303
    row = run(Category.select().where(Category.name_en == en).first())
    assert row["slug"] == en.lower().replace(" ", "-") and row["active"] and row["position"] == 20
    resident = new_client()
    resident.login(make_user("resident"))
    assert en in resident.get("/topics/new").text or "公厕" in resident.get("/topics/new").text
    r = admin.post(f"/admin/categories/{row['id']}", {"name_zh": "公共厕所", "name_en": en, "position": "21"})
    assert r.status_code == 303  # no "active" box ticked: deactivated
    row = run(Category.select().where(Category.id == row["id"]).first())
    assert (row["name_zh"], row["position"], row["active"]) == ("公共厕所", 21, False)
    assert "公共厕所" not in resident.get("/topics/new").text
    before = db_fingerprint()
    for data, message in (({"name_zh": "", "name_en": "x"}, "Chinese name: 1 to 40"),
                          ({"name_zh": "x", "name_en": "y" * 61}, "English name: 1 to 60"),
                          ({"name_zh": "x", "name_en": "y", "position": "-1"}, "Order: a whole number")):
        r = admin.post("/admin/categories", data)
        assert r.status_code == 400 and message in text_of(r.text), data
    assert db_fingerprint() == before
    # the same English name again gets its own slug
    assert admin.post("/admin/categories", {"name_zh": "公厕二", "name_en": en}).status_code == 303
    slugs = {r["slug"] for r in run(Category.select(Category.slug).where(Category.name_en == en))}
    assert len(slugs) == 2


def test_the_import_upload_creates_places_or_reports_bad_lines_and_changes_nothing(admin, community):
    district = fresh("区")
    good = f"path,households\n{district}/东街道/东社区/一网格,77\n".encode()
    r = admin.post("/admin/places/import", files={"file": ("places.csv", good, "text/csv")})
    assert r.status_code == 303
    assert named("一网格") is not None and run(Place.select().where(Place.households == 77).first())
    before = db_fingerprint()
    bad = f"{district}/西街道/西社区,1\n{district}/西街道/西社区/网格,many\n".encode()
    r = admin.post("/admin/places/import", files={"file": ("places.csv", bad, "text/csv")})
    assert r.status_code == 400 and "Line 2: the household count must be a whole number" in text_of(r.text)
    assert db_fingerprint() == before
    r = admin.post("/admin/places/import", files={"file": ("places.csv", b"", "text/csv")})
    assert r.status_code == 400 and "Choose a CSV file" in r.text
