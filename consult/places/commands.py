"""Writes to the tree: each function one transaction, audited."""

from __future__ import annotations

from consult import audit, db
from consult.messages import N_, NotFound
from consult.places.domain import PlaceInputError, place_error, validate_place
from consult.places.tables import Place
from consult.places.tree import path_for

NO_PLACE = N_("There is no such place.")


async def _parent(parent_id: int | None) -> dict | None:
    if parent_id is None:
        return None
    row = await Place.select(Place.id, Place.kind, Place.path, Place.name).where(Place.id == parent_id).first()
    if row is None:
        raise NotFound(NO_PLACE)
    return row


async def _insert_place(actor_id: int | None, parent_id: int | None, name, kind, households=0) -> int:
    parent = await _parent(parent_id)
    new = validate_place(name, kind, households, parent["kind"] if parent else None)
    if await Place.exists().where((Place.parent == parent_id) & (Place.name == new.name)):
        raise PlaceInputError({"name": place_error("taken", parent=parent["name"] if parent else "-", name=new.name)})
    siblings = await Place.count().where(Place.parent == parent_id)
    rows = await Place.insert(Place(parent=parent_id, kind=new.kind.value, name=new.name,
                                    households=new.households, position=siblings)).returning(Place.id)
    place_id = rows[0]["id"]
    await Place.update({Place.path: path_for(parent["path"] if parent else None, place_id)}).where(Place.id == place_id)
    await audit.record(actor_id, "place.created", "place", place_id, name=new.name, kind=new.kind.value,
                       parent=parent_id, households=new.households)
    return place_id


async def create_place(actor_id: int | None, parent_id: int | None, name, kind, households=0) -> int:
    async with db.transaction():
        return await _insert_place(actor_id, parent_id, name, kind, households)


async def find_or_create(actor_id: int | None, parent_id: int | None, name: str, kind: str, households: int = 0) -> int:
    """The place called ``name`` under ``parent_id``, created if absent (demo and imports)."""
    row = await Place.select(Place.id).where((Place.parent == parent_id) & (Place.name == name)).first()
    if row is not None:
        return row["id"]
    return await create_place(actor_id, parent_id, name, kind, households)
