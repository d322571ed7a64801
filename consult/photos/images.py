"""Decoding an upload and re-encoding it (Pillow). The uploaded bytes are never kept: only
the re-encoded images, without any metadata (EXIF with its GPS position, XMP, ICC, comments),
after the EXIF orientation has been applied so that a phone's photo is not sideways.

Refused: anything Pillow cannot decode as JPEG, PNG or WebP (whatever the file is named), a
file over ``MAX_BYTES``, and an image declaring more than ``MAX_PIXELS`` (a decompression
bomb: Pillow's warning is an error here, checked before the pixels are decoded).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from consult.messages import N_

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; Pillow refuses twice this as a bomb itself
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
FORMATS = ("JPEG", "PNG", "WEBP")
LARGE_SIDE = 1920  # the longest side of the large image (tap to open)
THUMB_WIDTHS = (320, 960)  # the phone sizes on the topic page
SIZES = ("large", *(str(w) for w in THUMB_WIDTHS))
WEBP_QUALITY = 80

NOT_AN_IMAGE = N_("“{name}” is not a JPEG, PNG or WebP image.")
TOO_LARGE = N_("“{name}” is larger than {mb} MB.")
TOO_MANY_PIXELS = N_("“{name}” has too many pixels (at most {mp} million).")


class ImageRefused(Exception):
    def __init__(self, message: str, **params) -> None:
        super().__init__(message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Encoded:
    """One upload re-encoded: the large image and its thumbnails (size name -> WebP bytes)."""

    digest: str
    width: int
    height: int
    files: dict[str, bytes]


def _open(data: bytes, name: str) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused(TOO_MANY_PIXELS, name=name, mp=MAX_PIXELS // 1_000_000)
            image.seek(0)  # the first frame of an animation
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(TOO_MANY_PIXELS, name=name, mp=MAX_PIXELS // 1_000_000) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ImageRefused(NOT_AN_IMAGE, name=name) from None
    return image


def _clean(image: Image.Image) -> Image.Image:
    """Upright, in RGB (RGBA when it has transparency), and rebuilt from its pixels alone:
    no metadata survives."""
    image = ImageOps.exif_transpose(image)
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    image = image.convert(mode)
    return Image.frombytes(mode, image.size, image.tobytes())


def _webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=4, exif=b"")
    return out.getvalue()


def _scaled(image: Image.Image, width: int) -> Image.Image:
    if image.width <= width:
        return image
    return image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)


def encode(data: bytes, name: str) -> Encoded:
    """The upload ``data`` (named ``name`` by the person) as stored images, or ImageRefused."""
    if len(data) > MAX_BYTES:
        raise ImageRefused(TOO_LARGE, name=name, mb=MAX_BYTES // (1024 * 1024))
    image = _clean(_open(data, name))
    large = image.copy()
    large.thumbnail((LARGE_SIDE, LARGE_SIDE), Image.Resampling.LANCZOS)
    files = {"large": _webp(large)}
    for width in THUMB_WIDTHS:
        files[str(width)] = _webp(_scaled(large, width))
    digest = hashlib.sha256(files["large"]).hexdigest()
    return Encoded(digest=digest, width=large.width, height=large.height, files=files)
