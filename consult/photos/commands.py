"""Attaching photos to the row they belong to, all or nothing.

A page reads the uploads (``routes.read_uploads``), ``prepare`` decodes and re-encodes them
(off the event loop) or refuses the whole form with a message at the field; the owner's
command then does ``async with stored(batch), db.transaction():`` and calls ``attach`` with
the new row's id. ``stored`` writes the files first (temporary name, then a rename) and, if
anything in the block fails, deletes the files it created; the rows are in the owner's
transaction, so either the owner and its photos are saved or nothing is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from consult import audit
from consult.fields import FieldError, InputError
from consult.messages import N_
from consult.photos import images, store
from consult.photos.owners import OwnerType, PhotoKind
from consult.photos.tables import Photo

MAX_PHOTOS = 6
TOO_MANY = N_("At most {n} photos.")
# Every photo of one form, with the other fields and their multipart overhead.
MAX_REQUEST_BYTES = MAX_PHOTOS * images.MAX_BYTES + 1024 * 1024


class PhotoInputError(InputError):
    ALERT_ID = "topic-alert"


@dataclass(frozen=True)
class Upload:
    """One file from a form: its field (which says its kind), the name it had, its bytes."""

    field: str
    name: str
    data: bytes
    kind: PhotoKind = PhotoKind.plain


@dataclass
class Batch:
    items: list[tuple[Upload, images.Encoded]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)


def _error(field_name: str, message: str, **params) -> PhotoInputError:
    return PhotoInputError({field_name: FieldError("photo", message, params)})


async def prepare(uploads: Sequence[Upload], fields: Sequence[str]) -> Batch:
    """Decode and re-encode every upload; refuse the lot (PhotoInputError at its field) when
    one is not an image, too large, a bomb, or when there are more than MAX_PHOTOS."""
    if len(uploads) > MAX_PHOTOS:
        raise _error(uploads[MAX_PHOTOS].field if uploads[MAX_PHOTOS].field in fields else fields[0],
                     TOO_MANY, n=MAX_PHOTOS)
    batch = Batch()
    for upload in uploads:
        try:
            encoded = await asyncio.to_thread(images.encode, upload.data, upload.name)
        except images.ImageRefused as exc:
            raise _error(upload.field, exc.message, **exc.params) from None
        batch.items.append((upload, encoded))
    return batch


@contextlib.asynccontextmanager
async def stored(batch: Batch | None):
    """Write the batch's files before the block; delete those this call created if it fails."""
    if not batch:
        yield
        return
    photo_store = store.current()
    try:
        for _upload, encoded in batch.items:
            for size, data in encoded.files.items():
                name = store.file_name(encoded.digest, size)
                if photo_store.put(name, data):
                    batch.created.append(name)
        yield
    except BaseException:
        for name in batch.created:
            photo_store.delete(name)
        raise


async def attach(batch: Batch | None, owner_type: OwnerType, owner_id: int, actor_id: int) -> list[int]:
    """The rows of a batch whose files ``stored`` wrote: inside the owner's transaction."""
    if not batch:
        return []
    ids = []
    for position, (upload, encoded) in enumerate(batch.items):
        row = Photo(owner_type=owner_type.value, owner_id=owner_id, kind=upload.kind.value, position=position,
                    digest=encoded.digest, width=encoded.width, height=encoded.height, uploaded_by=actor_id)
        await row.save()
        ids.append(row.id)
    await audit.record(actor_id, "photo.attach", owner_type.value, owner_id, photos=ids)
    return ids
