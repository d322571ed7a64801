"""Reads: the photos of some owners (for a page), and a photo if it may be served."""

from __future__ import annotations

from collections.abc import Iterable

from consult.photos.owners import OWNER_VISIBLE, OwnerType
from consult.photos.tables import Photo

COLUMNS = (Photo.id, Photo.owner_type, Photo.owner_id, Photo.kind, Photo.position, Photo.width, Photo.height,
           Photo.digest, Photo.hidden)


async def photos_of(owner_type: OwnerType, owner_ids: Iterable[int]) -> dict[int, list[dict]]:
    """{owner id: [photo, ...] in their order}, hidden photos left out."""
    ids = sorted(set(owner_ids))
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = await Photo.select(*COLUMNS).where(
        (Photo.owner_type == owner_type.value) & Photo.owner_id.is_in(ids) & (Photo.hidden == False)  # noqa: E712
    ).order_by(Photo.owner_id).order_by(Photo.position)
    for row in rows:
        out[row["owner_id"]].append(row)
    return out


async def servable(photo_id: int) -> dict | None:
    """The photo when it may be shown: not hidden, and its owner exists and is not hidden."""
    row = await Photo.select(*COLUMNS).where(Photo.id == photo_id).first()
    if row is None or row["hidden"]:
        return None
    try:
        owner_sql = OWNER_VISIBLE[OwnerType(row["owner_type"])]
    except ValueError:
        return None
    found = await Photo.raw(owner_sql, row["owner_id"])
    return row if found else None


async def photos_of_topic(topic_id: int, progress_ids: Iterable[int], note_ids: Iterable[int]) -> dict:
    """What the topic page shows: the proposal's photos, and those of each progress report
    and supervision note ({id: [photo, ...]})."""
    return {
        "topic": (await photos_of(OwnerType.topic, [topic_id]))[topic_id],
        "progress": await photos_of(OwnerType.progress, progress_ids),
        "supervision": await photos_of(OwnerType.supervision, note_ids),
    }
