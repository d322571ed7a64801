"""Changing a place's own settings (consult.places.settings): one transaction, audited
with each changed setting's old and new value (None: inherited from the place above)."""

from __future__ import annotations

from collections.abc import Mapping

from consult import audit, db
from consult.accounts.domain import Viewer
from consult.messages import N_, NotFound, Refusal
from consult.places.settings import BY_KEY, KEYS, parse_settings
from consult.places.tables import Place
from consult.roles import Role

NO_PLACE = N_("There is no such place.")
NOT_YOUR_PLACE = N_("Your role does not reach this place, so you may not change its settings.")


class PlaceRefused(Refusal):
    status_code = 403


def may_configure(viewer: Viewer, path: str | None) -> bool:
    """Staff of the place or of a place above it, and administrators."""
    return path is not None and viewer.has_at(path, Role.staff.value)


async def load_place(place_id: int) -> dict:
    row = await Place.select(Place.id, Place.name, Place.kind, Place.path, *(Place._meta.get_column_by_name(k) for k in KEYS)
                             ).where(Place.id == place_id).first()
    if row is None:
        raise NotFound(NO_PLACE)
    return row


def check_reach(viewer: Viewer, place: Mapping) -> None:
    if not may_configure(viewer, place["path"]):
        raise PlaceRefused(NOT_YOUR_PLACE)


def _stored(row: Mapping, key: str) -> object:
    return None if row[key] is None else BY_KEY[key].coerce(row[key])


async def save_settings(viewer: Viewer, place_id: int, form: Mapping[str, object]) -> dict[str, tuple]:
    """Set or clear (blank: inherit again) each of a place's own settings. Returns the
    changes ``{key: (old, new)}``; nothing is written when nothing changed."""
    async with db.transaction():
        place = await load_place(place_id)
        check_reach(viewer, place)
        wanted = parse_settings(form)
        changes = {k: (_stored(place, k), v) for k, v in wanted.items() if _stored(place, k) != v}
        if changes:
            await Place.update({Place._meta.get_column_by_name(k): new for k, (_old, new) in changes.items()}).where(
                Place.id == place_id)
            await audit.record(viewer.id, "place.settings_changed", "place", place_id, name=place["name"],
                               changes={k: {"old": old, "new": new} for k, (old, new) in changes.items()})
    return changes
