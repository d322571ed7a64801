"""Sign-in attempt limits: counters incremented atomically BEFORE the password is checked.

Reading a counter, checking the password and writing the counter back lets a burst of
parallel guesses all read "0 failures" and all be evaluated. Here every attempt first
adds one to its account's and its address's counter in one atomic step and learns the
new values; an attempt past either limit is refused without evaluating the password.

Two stores, chosen by REDIS_URL: the database (one upsert, `INSERT ... ON CONFLICT DO
UPDATE ... RETURNING`, on SQLite >= 3.35 and PostgreSQL) and Redis (one Lua script:
INCR, and EXPIRE when the key is new).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass
from typing import Protocol

from consult import db
from consult.accounts.tables import LoginCounter


class Counters(Protocol):
    async def incr(self, keys: list[str], window_seconds: int) -> list[int]: ...
    async def decr(self, key: str) -> None: ...
    async def reset(self, key: str) -> None: ...
    async def clear(self) -> None: ...


def _now() -> int:
    return int(time.time())


_UPSERT_ROW = "({}, 1, {})"
_UPSERT = (
    "INSERT INTO login_counter (key, n, window_ends) VALUES {rows} "
    "ON CONFLICT (key) DO UPDATE SET "
    "n = CASE WHEN login_counter.window_ends <= {{}} THEN 1 ELSE login_counter.n + 1 END, "
    "window_ends = CASE WHEN login_counter.window_ends <= {{}} THEN excluded.window_ends "
    "ELSE login_counter.window_ends END "
    "RETURNING key, n"
)


class DatabaseCounters:
    """Counters in the login_counter table (the default store)."""

    def __init__(self, namespace: str = "consult") -> None:
        self.prefix = f"{namespace}:"

    async def incr(self, keys: list[str], window_seconds: int) -> list[int]:
        now = _now()
        full = [self.prefix + k for k in keys]
        sql = _UPSERT.format(rows=", ".join([_UPSERT_ROW] * len(full)))
        params: list = []
        for key in full:
            params += [key, now + window_seconds]
        async with db.transaction():
            rows = await LoginCounter.raw(sql, *params, now, now)
        by_key = {r["key"]: int(r["n"]) for r in rows}
        return [by_key[k] for k in full]

    async def decr(self, key: str) -> None:
        await LoginCounter.raw("UPDATE login_counter SET n = n - 1 WHERE key = {} AND n > 0", self.prefix + key)

    async def reset(self, key: str) -> None:
        await LoginCounter.delete().where(LoginCounter.key == self.prefix + key)

    async def clear(self) -> None:
        await LoginCounter.delete().where(LoginCounter.key.like(self.prefix + "%"))

    @staticmethod
    async def delete_expired() -> None:
        await LoginCounter.delete().where(LoginCounter.window_ends <= _now())


# KEYS: the counters; ARGV[1]: the window. Atomic in Redis: no other command runs between.
_INCR_LUA = """
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 or redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
  out[i] = n
end
return out
"""


class RedisCounters:
    """Counters in Redis (REDIS_URL set). One client per event loop: a redis.asyncio
    connection belongs to the loop that opened it."""

    def __init__(self, url: str, namespace: str = "consult") -> None:
        self.url = url
        self.prefix = f"{namespace}:login:"
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client(self):
        from redis.asyncio import Redis

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = Redis.from_url(self.url)
        return client

    async def incr(self, keys: list[str], window_seconds: int) -> list[int]:
        full = [self.prefix + k for k in keys]
        values = await self._client().eval(_INCR_LUA, len(full), *full, window_seconds)
        return [int(v) for v in values]

    async def decr(self, key: str) -> None:
        await self._client().eval(
            "if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end",
            1, self.prefix + key,
        )

    async def reset(self, key: str) -> None:
        await self._client().delete(self.prefix + key)

    async def clear(self) -> None:
        client = self._client()
        async for key in client.scan_iter(match=self.prefix + "*"):
            await client.delete(key)


def make_counters(redis_url: str | None, namespace: str = "consult") -> Counters:
    return RedisCounters(redis_url, namespace) if redis_url else DatabaseCounters(namespace)


@dataclass(frozen=True)
class Attempt:
    allowed: bool
    first_refused: bool  # this attempt is the first one past a limit in its window


@dataclass
class LoginLimiter:
    """At most `max_per_account` attempts per account and `max_per_address` per address in
    a window. A success clears its account's counter and gives back its own count on the
    address (so only failures use up an address's allowance, and signing in to one's own
    account never resets what a guesser spent from that address)."""

    counters: Counters
    max_per_account: int
    max_per_address: int
    window_seconds: int

    @staticmethod
    def _keys(username: str, address: str) -> list[str]:
        return ["acct:" + username.lower(), "addr:" + address]

    async def attempt(self, username: str, address: str) -> Attempt:
        account, per_address = await self.counters.incr(self._keys(username, address), self.window_seconds)
        allowed = account <= self.max_per_account and per_address <= self.max_per_address
        first = account == self.max_per_account + 1 or per_address == self.max_per_address + 1
        return Attempt(allowed=allowed, first_refused=not allowed and first)

    async def succeed(self, username: str, address: str) -> None:
        account, per_address = self._keys(username, address)
        await self.counters.reset(account)
        await self.counters.decr(per_address)

    async def forget_account(self, username: str) -> None:
        """Forget the account's failed attempts (staff issued it a one-time password in person)."""
        await self.counters.reset(self._keys(username, "")[0])

    async def clear(self) -> None:
        await self.counters.clear()


@dataclass
class MissLimiter:
    """At most ``max_misses`` look-ups that found nothing per address in a window (the
    public tracking page: a code read out on the phone is the only key to a topic entered
    for a resident). Every look-up is counted first and a hit gives its count back, so
    only misses use up the allowance and a family checking their code daily never meets it."""

    counters: Counters
    max_misses: int
    window_seconds: int

    async def attempt(self, address: str) -> bool:
        (misses,) = await self.counters.incr(["addr:" + address], self.window_seconds)
        return misses <= self.max_misses

    async def found(self, address: str) -> None:
        await self.counters.decr("addr:" + address)

    async def clear(self) -> None:
        await self.counters.clear()
