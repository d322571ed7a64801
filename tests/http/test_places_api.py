"""/api/v1/places serves the tree of places (issue 13 point 3): ids, kinds, names, household
counts, parent, path and active, in tree order, typed so the OpenAPI schema shows it."""

from __future__ import annotations

import uuid

from tests.conftest import run


def _places(client) -> list[dict]:
    r = client.get("/api/v1/places")
    assert r.status_code == 200
    return r.json()["places"]


def test_the_tree_in_order_with_parents_kinds_and_households(client, community):
    places = _places(client)
    by_id = {p["id"]: p for p in places}
    district, street = by_id[community["district"]], by_id[community["street"]]
    assert (district["kind"], district["parent_id"], district["depth"]) == ("district", None, 0)
    assert (street["kind"], street["parent_id"], street["depth"]) == ("street", district["id"], 1)
    grids = [by_id[g] for g in community["grids"]]
    assert {g["kind"] for g in grids} == {"grid"} and {g["parent_id"] for g in grids} == {community["community"]}
    # a grid is named with its community: several communities have a 第一网格
    assert grids[0]["name"] == "第一网格" and grids[0]["label"] == "幸福里社区 · 第一网格"
    # depth first: every place comes after its parent, and its path is its parent's plus its id
    seen = set()
    for p in places:
        if p["parent_id"] is not None:
            assert p["parent_id"] in seen
            assert p["path"] == by_id[p["parent_id"]]["path"] + f"{p['id']}/"
        seen.add(p["id"])
    # above the grids, households are the sum of the grids' (every number is exact)
    other = community["communities"]["和顺社区"]
    assert by_id[other["id"]]["households"] == sum(by_id[g]["households"] for g in other["grids"]) > 0
    all_grids = [p for p in places if p["kind"] == "grid" and p["active"]]
    assert street["households"] == district["households"] == sum(g["households"] for g in all_grids)


def test_a_new_or_deactivated_place_shows_at_once(client, community):
    from consult.places.commands import create_place
    from consult.places.tables import Place

    name = "网格" + uuid.uuid4().hex[:6]
    gid = run(create_place(None, community["community"], name, "grid", 123))
    before = {p["id"]: p for p in _places(client)}
    assert before[gid]["households"] == 123 and before[gid]["active"] is True
    run(Place.update({Place.active: False}).where(Place.id == gid))
    after = {p["id"]: p for p in _places(client)}
    assert after[gid]["active"] is False
    # an inactive grid's households no longer count above it
    assert after[community["community"]]["households"] == before[community["community"]]["households"] - 123


def test_the_schema_describes_it_and_it_is_public_data(client):
    schema = client.get("/api/schema/openapi.json").json()
    op = schema["paths"]["/api/v1/places"]["get"]
    assert op["tags"] == ["places"]
    components = schema["components"]["schemas"]
    place = next(v for k, v in components.items() if k.endswith("PlaceOut"))
    assert {"id", "parent_id", "kind", "name", "label", "path", "depth", "households", "active"} == set(
        place["properties"])
    r = client.get("/api/v1/places")  # a visitor; cacheable like the rest of the open data
    assert r.headers.get("cache-control", "") != "no-store"
