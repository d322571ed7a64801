"""The photo route (not a static mount: every request checks that the photo may be shown)
and reading the files of a multipart form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from litestar import Request, Response, get
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from consult.messages import NotFound, N_
from consult.photos import images, store
from consult.photos.commands import Upload
from consult.photos.owners import PhotoKind
from consult.photos.queries import servable
from consult.web.forms import refuse_nul

NO_PHOTO = N_("There is no such photo.")
# The bytes behind a photo id never change (they are named by their hash): a year, for
# everyone, when it is shown to everyone. Hiding a photo cannot recall copies already taken.
PUBLIC_CACHE = "public, max-age=31536000, immutable"


async def read_uploads(request: Request, fields: Mapping[str, PhotoKind]) -> tuple[dict[str, str], list[Upload]]:
    """The text fields of a (multipart) form, as ``form_data`` gives them, and the files of
    ``fields`` (field name -> kind of photo). A file input left empty is no upload. A file is
    read up to one byte past the limit, so an over-size one is refused without more."""
    form = await request.form()
    data: dict[str, str] = {}
    uploads: list[Upload] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, value)
        elif isinstance(value, UploadFile) and key in fields and (value.filename or "").strip():
            content = await value.read(images.MAX_BYTES + 1)
            if content:
                uploads.append(Upload(key, value.filename[:100], content, fields[key]))
    refuse_nul(data.keys())
    refuse_nul(data.values())
    order = list(fields)  # "before" photos ahead of "after" ones, whatever order the browser sent
    return data, sorted(uploads, key=lambda u: order.index(u.field))


def photo_fields(uploads: Sequence[Upload]) -> list[str]:
    return sorted({u.field for u in uploads})


@get("/photos/{photo_id:int}/{size:str}", name="photos:show", opt={"same_for_everyone": True})
async def show_photo(photo_id: FromPath[int], size: FromPath[str]) -> Response:
    if size not in images.SIZES:
        raise NotFound(NO_PHOTO)
    photo = await servable(photo_id)
    data = None if photo is None else store.current().get(store.file_name(photo["digest"], size))
    if data is None:
        raise NotFound(NO_PHOTO)
    return Response(content=data, media_type="image/webp",
                    headers={"Cache-Control": PUBLIC_CACHE, "X-Content-Type-Options": "nosniff"})


route_handlers = [show_photo]
