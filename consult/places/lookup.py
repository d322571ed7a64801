"""Places as filters: a place id from a query string resolved against the tree (an unknown
id is a 404, never an empty list), and the place choices a filter form offers.

Every list that takes ``place=<id>`` includes everything at or below that place, through
one indexed range on place.path (``consult.places.queries.subtree_sql``)."""

from __future__ import annotations

from consult.messages import N_, NotFound
from consult.places.queries import tree
from consult.places.tree import Kind, PlaceNode, Tree

NO_PLACE = N_("There is no place {place_id}.")

# Places named with their ancestors from this kind down in a filter's select: a grid with
# its community (several communities have a 第一网格), a community with its street.
LABEL_FROM = {Kind.district: Kind.district, Kind.street: Kind.street, Kind.community: Kind.street,
              Kind.grid: Kind.community, Kind.building: Kind.community}


async def find_place(place_id: int | None) -> PlaceNode | None:
    """The place named by a filter (None: no filter). Raises NotFound for an id that names
    no place."""
    if place_id is None:
        return None
    node = (await tree()).get(place_id)
    if node is None:
        raise NotFound(NO_PLACE, place_id=place_id)
    return node


def option_label(t: Tree, node: PlaceNode) -> str:
    return t.label(node.id, LABEL_FROM[node.kind])


def place_options(t: Tree, selected: int | None = None) -> list[dict]:
    """Every active place (and the selected one, even inactive) in tree order, each with its
    depth, its kind and a text naming it with the level above (朝阳街道 · 幸福里社区,
    幸福里社区 · 第一网格): the place select of the lists and the dashboard. Not indented: a
    closed select on a phone shows the chosen option's text, and leading spaces crowd it out."""
    out = []
    for node in t.ordered():
        if not node.active and node.id != selected:
            continue
        depth = len(t.ancestors(node.id)) - 1
        label = option_label(t, node)
        out.append({"id": node.id, "kind": node.kind.value, "depth": depth, "name": label, "text": label})
    return out


def households(t: Tree) -> dict[int, int]:
    """Households per place: a grid's own count; a place above grids the sum of its active
    grids' (a place with no grid below keeps its own count)."""
    out: dict[int, int] = {}
    for node in t.nodes.values():
        if node.kind == Kind.grid and node.active:
            for above in t.ancestors(node.id):
                if above.id != node.id:
                    out[above.id] = out.get(above.id, 0) + node.households
    return {n.id: out.get(n.id, n.households) for n in t.nodes.values()}
