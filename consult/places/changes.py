"""Changes to places that exist: rename and household count, move under another parent,
deactivate and reactivate. Each function is one transaction, audited.

A move rewrites the path of the place and of everything below it in ONE statement (the
old prefix replaced by the new one over the subtree's path range), so a community with
its grids and buildings moves at once, whatever its size. Deactivating a place
deactivates everything below it (a closed community's grids are offered to nobody);
reactivating brings the subtree back. Nothing is ever deleted: topics and people keep
pointing at the place."""

from __future__ import annotations

from consult import audit, db
from consult.fields import FormErrors
from consult.messages import NotFound
from consult.places.commands import NO_PLACE
from consult.places.domain import PlaceInputError, clean_households, clean_name, place_error
from consult.places.forms import admin_error, check_move
from consult.places.tables import Place
from consult.places.tree import path_for, subtree_bounds


async def _row(place_id: int | None) -> dict:
    row = await Place.select(Place.id, Place.parent, Place.kind, Place.name, Place.path, Place.households,
                             Place.active).where(Place.id == place_id).first() if place_id is not None else None
    if row is None:
        raise NotFound(NO_PLACE)
    return row


async def _name_free(parent_id: int | None, name: str, place_id: int, parent_name: str) -> None:
    if await Place.exists().where((Place.parent == parent_id) & (Place.name == name) & (Place.id != place_id)):
        raise PlaceInputError({"name": place_error("taken", parent=parent_name, name=name)})


async def _parent_name(parent_id: int | None) -> str:
    if parent_id is None:
        return "-"
    row = await Place.select(Place.name).where(Place.id == parent_id).first()
    return row["name"] if row else "-"


async def update_place(actor_id: int | None, place_id: int, name, households) -> None:
    """Rename the place and set its household count."""
    async with db.transaction():
        row = await _row(place_id)
        errors = FormErrors()
        clean = clean_name(name, errors)
        count = clean_households(households, errors)
        errors.raise_if_any(PlaceInputError)
        await _name_free(row["parent"], clean, place_id, await _parent_name(row["parent"]))
        if (clean, count) == (row["name"], row["households"]):
            return
        await Place.update({Place.name: clean, Place.households: count}).where(Place.id == place_id)
        await audit.record(actor_id, "place.updated", "place", place_id, name=clean, old_name=row["name"],
                           households=count, old_households=row["households"])


async def move_place(actor_id: int | None, place_id: int, parent_id: int | None) -> int:
    """Put the place under ``parent_id`` (None: at the top). Returns how many places moved
    (the place and everything below it; 0 when it already sits there)."""
    async with db.transaction():
        row = await _row(place_id)
        parent = await _row(parent_id) if parent_id is not None else None
        check_move(row["kind"], row["path"], parent["kind"] if parent else None, parent["path"] if parent else None)
        if row["parent"] == parent_id:
            return 0
        await _name_free(parent_id, row["name"], place_id, parent["name"] if parent else "-")
        old, new = row["path"], path_for(parent["path"] if parent else None, place_id)
        low, high = subtree_bounds(old)
        moved = await Place.count().where((Place.path >= low) & (Place.path < high))
        await Place.raw("UPDATE place SET path = {} || substr(path, {}) WHERE path >= {} AND path < {}",
                        new, len(old) + 1, low, high)
        siblings = await Place.count().where(Place.parent == parent_id)
        await Place.update({Place.parent: parent_id, Place.position: siblings}).where(Place.id == place_id)
        await audit.record(actor_id, "place.moved", "place", place_id, name=row["name"], old_parent=row["parent"],
                           parent=parent_id, places=moved)
        return moved


async def set_active(actor_id: int | None, place_id: int, active: bool) -> int:
    """Deactivate (or reactivate) the place and everything below it; returns how many
    places changed. A place under an inactive one cannot be reactivated alone."""
    async with db.transaction():
        row = await _row(place_id)
        if active and row["parent"] is not None and not (await _row(row["parent"]))["active"]:
            raise PlaceInputError({"active": admin_error("parent_inactive")})
        low, high = subtree_bounds(row["path"])
        where = (Place.path >= low) & (Place.path < high) & (Place.active != active)
        changed = await Place.count().where(where)
        if not changed:
            return 0
        await Place.update({Place.active: active}).where(where)
        await audit.record(actor_id, "place.reactivated" if active else "place.deactivated", "place", place_id,
                           name=row["name"], places=changed)
        return changed
