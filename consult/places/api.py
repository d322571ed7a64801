"""The tree of places as open data: ``/api/v1/places`` (typed, so the OpenAPI schema
describes it). Names, kinds, household counts and the shape of the tree are public; the
per-place settings are served by the settings pages, not here."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import get

from consult.places.lookup import households, option_label
from consult.places.queries import tree


@dataclass
class PlaceOut:
    id: int
    parent_id: int | None
    kind: str  # district, street, community, grid, building
    name: str
    label: str  # with its ancestors: 幸福里社区 · 第一网格
    path: str  # the ids from the root down: /1/2/3/ (a prefix selects a subtree)
    depth: int  # 0 for a root
    households: int  # a grid's own; above grids: the sum of its active grids'
    active: bool


@dataclass
class PlaceTree:
    places: list[PlaceOut]  # depth first, each level in its order


@get("/api/v1/places", name="api:places", tags=["places"])
async def api_places() -> PlaceTree:
    """Every place of the install in tree order (district → street → community → grid →
    building), inactive ones marked. Filter the topic list, CSV and stats with
    ``place=<id>``: a place includes everything below it."""
    t = await tree()
    nodes = t.ordered()
    counts = households(t)
    return PlaceTree(places=[
        PlaceOut(id=n.id, parent_id=n.parent, kind=n.kind.value, name=n.name, label=option_label(t, n),
                 path=n.path, depth=len(t.ancestors(n.id)) - 1,
                 households=counts[n.id], active=n.active)
        for n in nodes
    ])


route_handlers = [api_places]
