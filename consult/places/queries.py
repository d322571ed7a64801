"""Reads of the tree: once per content revision, every place in one query.

Every place-aware read in Consult goes through `tree()` and filters with the path
range of `consult.places.tree` — never a query per place."""

from __future__ import annotations

from datetime import date

from consult.cache import RevisionCache, at, content_revision
from consult.places.calendar_days import Day, DayKind, inherited
from consult.places.settings import KEYS, PlaceSettings, grid_values, settings_at
from consult.places.tables import CalendarDay, Install, Place
from consult.places.tree import WHOLE_INSTALL, Kind, PlaceNode, Tree, subtree_bounds

_trees = RevisionCache("places.tree", size=4)
_grid_values = RevisionCache("places.grid_values", size=16)

SETTING_COLUMNS = KEYS  # consult.places.settings: one column of place per setting


async def _load() -> Tree:
    rows = await Place.select().order_by(Place.id)
    return Tree.of(
        PlaceNode(id=r["id"], parent=r["parent"], kind=Kind(r["kind"]), name=r["name"], path=r["path"],
                  households=r["households"], active=bool(r["active"]), position=r["position"],
                  settings={c: r[c] for c in SETTING_COLUMNS})
        for r in rows
    )


async def tree() -> Tree:
    """The whole tree as of now (cached per content revision; read fresh inside a transaction)."""
    return await _trees.get_or_load(at(await content_revision()), _load)


def subtree_sql(column: str, path: str) -> tuple[str, tuple[str, str]]:
    """A SQL condition (with two {} placeholders) and its values: ``column`` names a place
    at or below ``path``. One indexed range on place.path, whatever the depth."""
    low, high = subtree_bounds(path)
    return f"{column} IN (SELECT id FROM place WHERE path >= {{}} AND path < {{}})", (low, high)


def within_sql(column: str, scopes) -> tuple[str, tuple]:
    """A SQL condition: ``column`` names a place under any of ``scopes`` (paths; the whole
    install when WHOLE_INSTALL is among them, nowhere when there are none)."""
    scopes = tuple(scopes)
    if WHOLE_INSTALL in scopes:
        return "1 = 1", ()
    if not scopes:
        return "1 = 0", ()
    parts, values = [], []
    for scope in scopes:
        sql, bounds = subtree_sql(column, scope)
        parts.append(sql)
        values.extend(bounds)
    return "(" + " OR ".join(parts) + ")", tuple(values)


async def grid_choices(under: int | None = None) -> list[dict]:
    """The active grids (at or below ``under``), each named with its community: the list a
    newcomer or a proposer picks from."""
    t = await tree()
    return [{"id": n.id, "name": t.label(n.id), "households": n.households}
            for n in t.below(under, Kind.grid, active_only=True)]


async def install_row() -> dict:
    row = await Install.select().where(Install.id == 1).first()
    return row or {"id": 1, "name": "", "setup_done_at": None}


async def settings_of(place_id: int | None) -> PlaceSettings:
    """The settings that hold at a place (a topic: at its grid), inherited up the tree."""
    return settings_at(await tree(), place_id)


async def grid_settings(key: str, revision: int | None) -> dict[int, object]:
    """Every grid's resolved value of setting ``key`` (by grid id) as of ``revision``, which
    the caller read before its own data; cached. What SQL filtering by a setting per grid
    is built from, in one query whatever the number of places."""

    async def load() -> dict[int, object]:
        return grid_values(await _trees.get_or_load(at(revision), _load), key)

    return await _grid_values.get_or_load(at(revision, key), load)


async def own_calendar(place_id: int) -> list[Day]:
    """The days a place lists itself (its settings page), by date."""
    C = CalendarDay
    rows = await C.select(C.day, C.kind, C.name).where(C.place == place_id).order_by(C.day)
    return [Day(r["day"], DayKind(r["kind"]), r["name"]) for r in rows]


async def calendar_days(place_id: int | None) -> dict[date, Day]:
    """The holiday calendar that holds at a place: its own days and those of every place
    above it, the nearest winning (``consult.places.calendar_days.inherited``). One query."""
    chain = (await tree()).ancestors(place_id) if place_id is not None else []
    if not chain:
        return {}
    C = CalendarDay
    rows = await C.select(C.place, C.day, C.kind, C.name).where(C.place.is_in([n.id for n in chain]))
    by_place: dict[int, list[Day]] = {}
    for r in rows:
        by_place.setdefault(r["place"], []).append(Day(r["day"], DayKind(r["kind"]), r["name"]))
    return inherited(by_place.get(n.id, []) for n in chain)
