"""argon2id password hashing (argon2-cffi). Piccolo's BaseUser uses PBKDF2, so we keep our own."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import CHEAPEST

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4: meets OWASP ASVS


def configure(profile: str) -> None:
    """`cheapest` only for tests: same algorithm, tiny cost."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(CHEAPEST) if profile == "cheapest" else PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# A real hash to verify against when the user does not exist, so that a sign-in
# for an unknown name costs the same time as one with a wrong password.
_DUMMY: str | None = None


def verify_password(stored_hash: str | None, password: str) -> bool:
    global _DUMMY
    if stored_hash is None:
        if _DUMMY is None:
            _DUMMY = _hasher.hash("dummy-password-for-timing")
        stored_hash = _DUMMY
        try:
            _hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


# argon2 takes tens of milliseconds of CPU (64 MiB, t=3) and releases the GIL: it runs in
# these two worker threads, never on the event loop, so a burst of sign-ins queues here
# while every other request is served (bench/signin_burst.py). Two threads, because the
# machine may have few cores and a burst must not take them all.
HASH_THREADS = 2
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="argon2")


async def verify(stored_hash: str | None, password: str) -> bool:
    """`verify_password` in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_pool, verify_password, stored_hash, password)


async def hash_async(password: str) -> str:
    """`hash_password` in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)
