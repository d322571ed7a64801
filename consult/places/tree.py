"""Places as a tree (SPEC §1): district → street → community → grid → building.

Every place stores its materialised path, the ids from the root down, each followed by
a slash: ``/1/4/9/``. Everything at or below a place is then one indexed range,
``path >= '/1/4/' AND path < '/1/40'`` ('0' is the character after '/'), on both
engines, with no query per place. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from enum import StrEnum

from consult.messages import N_


class Kind(StrEnum):
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"
    building = "building"


KIND_LABELS = {
    Kind.district: N_("District"),
    Kind.street: N_("Street"),
    Kind.community: N_("Community"),
    Kind.grid: N_("Grid"),
    Kind.building: N_("Building"),
}

# What may sit under what. A tree may start at a district, a street or a community: a
# single community's install needs no district above it.
ROOT_KINDS = frozenset({Kind.district, Kind.street, Kind.community})
CHILD_KIND = {Kind.district: Kind.street, Kind.street: Kind.community, Kind.community: Kind.grid,
              Kind.grid: Kind.building}

WHOLE_INSTALL = ""  # the scope of a grant that covers every place (an administrator's)


def may_hold(parent: Kind | str | None, child: Kind | str) -> bool:
    """Whether a place of kind ``child`` may sit under one of kind ``parent`` (None: a root)."""
    if parent is None:
        return Kind(child) in ROOT_KINDS
    return CHILD_KIND.get(Kind(parent)) == Kind(child)


def path_for(parent_path: str | None, place_id: int) -> str:
    return f"{parent_path or '/'}{place_id}/"


def subtree_bounds(path: str) -> tuple[str, str]:
    """The half-open range of paths at or below ``path``."""
    return path, path[:-1] + "0"


def covers(scope: str, path: str) -> bool:
    """Whether a grant at ``scope`` (a path, or WHOLE_INSTALL) reaches the place at ``path``."""
    return scope == WHOLE_INSTALL or path.startswith(scope)


def ids_on(path: str) -> list[int]:
    """The ids from the root down to the place itself."""
    return [int(part) for part in path.strip("/").split("/") if part]


@dataclass(frozen=True)
class PlaceNode:
    id: int
    parent: int | None
    kind: Kind
    name: str
    path: str
    households: int = 0
    active: bool = True
    position: int = 0
    settings: dict = field(default_factory=dict)  # this place's own values (None: inherited)


@dataclass(frozen=True)
class Tree:
    """Every place, read once per content revision (consult.places.queries.tree)."""

    nodes: dict[int, PlaceNode]

    @classmethod
    def of(cls, nodes) -> "Tree":
        return cls({n.id: n for n in nodes})

    def __contains__(self, place_id) -> bool:
        return place_id in self.nodes

    def get(self, place_id: int | None) -> PlaceNode | None:
        return self.nodes.get(place_id) if place_id is not None else None

    def path_of(self, place_id: int | None) -> str | None:
        node = self.get(place_id)
        return node.path if node else None

    def ordered(self) -> list[PlaceNode]:
        """Depth first, each level by position then name (the order of every list of places)."""
        return list(self._order)

    @cached_property
    def _order(self) -> tuple[PlaceNode, ...]:
        # Worked out once per tree: the tree itself is read once per content revision
        # (consult.places.queries.tree), and every place select, filter and scope walks it.
        children = self._by_parent
        out: list[PlaceNode] = []

        def walk(parent):
            for node in children.get(parent, ()):
                out.append(node)
                walk(node.id)

        walk(None)
        return tuple(out)

    @cached_property
    def _by_parent(self) -> dict[int | None, tuple[PlaceNode, ...]]:
        children: dict[int | None, list[PlaceNode]] = {}
        for node in self.nodes.values():
            children.setdefault(node.parent, []).append(node)
        return {parent: tuple(sorted(kids, key=lambda n: (n.position, n.name, n.id)))
                for parent, kids in children.items()}

    def children(self, place_id: int | None) -> list[PlaceNode]:
        return list(self._by_parent.get(place_id, ()))

    def roots(self) -> list[PlaceNode]:
        return self.children(None)

    def ancestors(self, place_id: int) -> list[PlaceNode]:
        """From the root down to the place itself."""
        node = self.get(place_id)
        return [self.nodes[i] for i in ids_on(node.path) if i in self.nodes] if node else []

    def below(self, place_id: int | None, kind: Kind | str | None = None, active_only: bool = False) -> list[PlaceNode]:
        """The place and everything under it (every place when ``place_id`` is None), in tree order."""
        scope = self.path_of(place_id) if place_id is not None else WHOLE_INSTALL
        if scope is None:
            return []
        return [n for n in self.ordered() if covers(scope, n.path) and (kind is None or n.kind == kind)
                and (n.active or not active_only)]

    def of_kind_above(self, place_id: int | None, kind: Kind | str) -> PlaceNode | None:
        """The place of ``kind`` at or above ``place_id`` (the community of a grid)."""
        if place_id is None:
            return None
        for node in reversed(self.ancestors(place_id)):
            if node.kind == kind:
                return node
        return None

    def label(self, place_id: int | None, from_kind: Kind | str = Kind.community) -> str:
        """A place named with its ancestors from ``from_kind`` down: 幸福里社区 · 第一网格."""
        chain = self.ancestors(place_id) if place_id is not None else []
        kinds = list(Kind)
        start = kinds.index(Kind(from_kind))
        names = [n.name for n in chain if kinds.index(n.kind) >= start] or [n.name for n in chain[-1:]]
        return " · ".join(names)
