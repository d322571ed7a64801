"""A cache miss loads once per key, however many requests miss at the same moment; a
failed load leaves nothing behind and the waiters load for themselves."""

from __future__ import annotations

import asyncio

import pytest

from consult.cache import RevisionCache
from tests.conftest import run


def test_simultaneous_misses_load_once():
    cache = RevisionCache("test.single", size=8)
    loads = []

    async def load():
        loads.append(1)
        await asyncio.sleep(0.01)
        return {"figures": 42}

    async def many():
        return await asyncio.gather(*(cache.get_or_load((1, "k"), load) for _ in range(32)))

    results = run(many())
    assert len(loads) == 1 and all(r is results[0] for r in results)
    assert run(cache.get_or_load((1, "k"), load)) is results[0] and len(loads) == 1


def test_a_failed_load_is_not_remembered_and_waiters_try_themselves():
    cache = RevisionCache("test.single_fail", size=8)
    calls = []

    async def load():
        calls.append(1)
        await asyncio.sleep(0.01)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return "ok"

    async def both():
        return await asyncio.gather(cache.get_or_load((2, "k"), load), cache.get_or_load((2, "k"), load),
                                    return_exceptions=True)

    first, second = run(both())
    assert isinstance(first, RuntimeError) and second == "ok"
    assert run(cache.get_or_load((2, "k"), load)) == "ok" and len(calls) == 2
    assert not cache._pending


def test_no_key_is_never_remembered_nor_coalesced():
    cache = RevisionCache("test.single_none", size=8)
    calls = []

    async def load():
        calls.append(1)
        return len(calls)

    assert run(cache.get_or_load(None, load)) == 1
    assert run(cache.get_or_load(None, load)) == 2
    with pytest.raises(KeyError):
        cache._pending[None]
