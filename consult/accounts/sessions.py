"""Server-side sessions and counters in a store every worker shares.

`DatabaseStore` keeps entries in the session_record table (the default);
with REDIS_URL set, Litestar's RedisStore is used instead. The session backend
rotates the session id at sign-in (Litestar does not) and skips writing a
session that did not change, so a page view costs no write.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import NamespacedStore
from litestar.types import Empty, Message, ScopeSession

from consult import db
from consult.accounts.tables import SessionRecord

ROTATE_KEY = "consult.new_session_id"
LOADED_KEY = "consult.loaded_session"
DEFER_ID_KEY = "consult.defer_session_id"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    if isinstance(expires_in, int):
        expires_in = timedelta(seconds=expires_in)
    return _now() + expires_in


class DatabaseStore(NamespacedStore):
    def __init__(self, namespace: str = "consult") -> None:
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> "DatabaseStore":
        return DatabaseStore(f"{self.namespace}:{namespace}")

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        if isinstance(value, str):
            value = value.encode()
        full = self._key(key)
        expires = _expiry(expires_in)
        # Upsert: update first, insert when absent. A lost race on insert
        # (two workers creating the same key) retries as an update.
        async with db.transaction():
            updated = (
                await SessionRecord.update({SessionRecord.value: value, SessionRecord.expires_at: expires})
                .where(SessionRecord.key == full)
                .returning(SessionRecord.id)
            )
            if not updated:
                await SessionRecord.insert(SessionRecord(key=full, value=value, expires_at=expires))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        full = self._key(key)
        # raw: the same row as SessionRecord.select() gives, without building that query
        # on every signed-in request
        rows = await SessionRecord.raw("SELECT value, expires_at FROM session_record WHERE key = {}", full)
        if not rows:
            return None
        row = rows[0]
        expires = row["expires_at"]
        if expires is not None:
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=timezone.utc)
            if expires <= _now():
                await SessionRecord.delete().where(SessionRecord.key == full)
                return None
        if renew_for is not None:
            await SessionRecord.update({SessionRecord.expires_at: _expiry(renew_for)}).where(
                SessionRecord.key == full
            )
        value = row["value"]
        return bytes(value) if value is not None else None

    async def delete(self, key: str) -> None:
        await SessionRecord.delete().where(SessionRecord.key == self._key(key))

    async def delete_all(self) -> None:
        await SessionRecord.delete().where(SessionRecord.key.like(f"{self.namespace}:%"))

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = (
            await SessionRecord.select(SessionRecord.expires_at).where(SessionRecord.key == self._key(key)).first()
        )
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - _now()).total_seconds())

    async def delete_expired(self) -> None:
        await SessionRecord.delete().where(SessionRecord.expires_at < _now())


def make_store(redis_url: str | None, namespace: str = "consult") -> NamespacedStore:
    if redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=redis_url, namespace=namespace)
    return DatabaseStore(namespace)


def stored_key(session_id: str) -> str:
    """The key a session is stored under: the SHA-256 of the id its cookie carries, so a
    copy of the store (the table, a Redis dump) holds no cookie anyone could replay."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class HashedKeyStore(NamespacedStore):
    """Wraps a store so that every key is replaced by `stored_key(key)`."""

    def __init__(self, inner: NamespacedStore) -> None:
        self.inner = inner

    def with_namespace(self, namespace: str) -> "HashedKeyStore":
        return HashedKeyStore(self.inner.with_namespace(namespace))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await self.inner.set(stored_key(key), value, expires_in)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await self.inner.get(stored_key(key), renew_for)

    async def delete(self, key: str) -> None:
        await self.inner.delete(stored_key(key))

    async def delete_all(self) -> None:
        await self.inner.delete_all()

    async def exists(self, key: str) -> bool:
        return await self.inner.exists(stored_key(key))

    async def expires_in(self, key: str) -> int | None:
        return await self.inner.expires_in(stored_key(key))


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection) -> str:
        new_id = connection.scope.get(ROTATE_KEY)  # type: ignore[call-overload]
        if new_id:
            return new_id
        if connection.scope.pop(DEFER_ID_KEY, False):  # type: ignore[typeddict-item]
            # Litestar asks for an id on every request, right after loading the session;
            # a visitor without a session cookie gets one only if a session is stored
            # (this method runs again then), not a random id on every page view.
            return ""
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data: dict[str, Any] = {}
        raw: bytes | None = None
        if session_id := connection.cookies.get(self.config.key):
            store = self.config.get_store_from_app(connection.scope["app"])
            raw = await self.get(session_id, store=store)
            if raw is not None:
                data = self.deserialize_data(raw)
        connection.scope[LOADED_KEY] = raw  # type: ignore[typeddict-unknown-key]
        if not session_id or session_id == "null":
            connection.scope[DEFER_ID_KEY] = True  # type: ignore[typeddict-unknown-key]
        return data

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        loaded = connection.scope.get(LOADED_KEY)  # type: ignore[call-overload]
        rotating = bool(connection.scope.get(ROTATE_KEY))  # type: ignore[call-overload]
        has_cookie = bool(connection.cookies.get(self.config.key))
        if not rotating:
            if (scope_session is Empty or not scope_session) and not has_cookie:
                return  # a visitor without a session: no write, no cookie
            if scope_session not in (Empty, None) and scope_session and loaded is not None:
                if self.serialize_data(scope_session, connection.scope) == loaded:
                    return  # unchanged: nothing to write
        if scope_session is not Empty and not scope_session:
            scope_session = Empty  # an emptied session is deleted, and its cookie cleared
        await super().store_in_message(scope_session, message, connection)


class ConsultSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def rotate_session_id(connection: ASGIConnection) -> str:
    """Give the session a new id at sign-in (session fixation); the old one is deleted by the caller."""
    new_id = secrets.token_hex(32)
    connection.scope[ROTATE_KEY] = new_id  # type: ignore[typeddict-unknown-key]
    return new_id
