"""Where photo files live: a ``PhotoStore`` names a file by the image's content hash and size
(``ab/abcdef....webp``, ``ab/abcdef...-320.webp``). ``FilesystemStore`` keeps them under the
data directory; an S3-compatible store can implement the same four methods later.

A file is written to a temporary name in its folder and renamed into place, so a reader
never sees half a file and a crash leaves only a temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


def file_name(digest: str, size: str) -> str:
    suffix = "" if size == "large" else f"-{size}"
    return f"{digest[:2]}/{digest}{suffix}.webp"


class PhotoStore(Protocol):
    def put(self, name: str, data: bytes) -> bool:
        """Store ``data`` under ``name``; False when it was there already (same content)."""

    def get(self, name: str) -> bytes | None: ...

    def delete(self, name: str) -> None: ...

    def exists(self, name: str) -> bool: ...


class FilesystemStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("photo name outside the store")
        return path

    def put(self, name: str, data: bytes) -> bool:
        path = self._path(name)
        if path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return True

    def get(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).exists()


_STORE: list[PhotoStore] = []


def configure(store: PhotoStore) -> None:
    """The app sets its store at start (``consult.app``); tests point it at a temporary folder."""
    _STORE[:] = [store]


def current() -> PhotoStore:
    if not _STORE:
        raise RuntimeError("no photo store configured")
    return _STORE[0]
