"""Sign-in limits under concurrency: a burst of parallel wrong guesses on one account is
counted before any password is evaluated, on the database store and on Redis.

The attack (issue 12, finding 5): 40 parallel wrong guesses with a limit of 5 per account
were all evaluated, never 429, because the counter was read, the password checked and the
counter written back. Here the number of password evaluations is counted directly."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

import consult.accounts.passwords as passwords
from consult.accounts.limits import DatabaseCounters, LoginLimiter
from consult.app import create_app
from tests.conftest import run

BURST = 40
REDIS_URL = "redis://127.0.0.1:6379/15"


def _count_evaluations(monkeypatch) -> list[int]:
    """Every call of the password check (on whichever thread it runs) appends to the list."""
    calls: list[int] = []
    lock = threading.Lock()
    real = passwords.verify_password

    def counting(stored_hash, password):
        with lock:
            calls.append(1)
        return real(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return calls


async def _burst(app, username: str, n: int = BURST) -> list[int]:
    """`n` wrong guesses sent at once (one address) into the app on this event loop; their
    statuses. httpx's ASGI transport runs the requests concurrently (Litestar's
    AsyncTestClient would run them one after another, hiding the race)."""
    import httpx

    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        await client.get("/healthz")
        token = client.cookies.get("csrftoken")
        form = {"username": username, "password": "wrong-password-guess", "next": "/"}

        async def guess() -> int:
            r = await client.post("/auth/login", data=form, headers={"x-csrftoken": token}, follow_redirects=False)
            return r.status_code

        return list(await asyncio.gather(*(guess() for _ in range(n))))


def _assert_at_most_five_evaluated(statuses: list[int], calls: list[int]) -> None:
    assert len(calls) <= 5, f"{len(calls)} of {BURST} parallel guesses had their password evaluated"
    assert statuses.count(400) == len(calls)  # each evaluated guess: wrong password
    assert statuses.count(429) == BURST - len(calls), statuses


def test_parallel_wrong_guesses_on_the_database_store(settings, make_user, monkeypatch):
    name = make_user("resident")
    app = create_app(settings.with_(store_namespace=f"t{uuid.uuid4().hex[:8]}"), manage_engine=False)
    calls = _count_evaluations(monkeypatch)
    statuses = run(_burst(app, name))
    _assert_at_most_five_evaluated(statuses, calls)


def _redis_settings(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # noqa: BLE001 - an unreachable Redis fails the test, never skips it
        pytest.fail(f"Redis at 127.0.0.1:6379 is not reachable: {exc}")
    return settings.with_(redis_url=REDIS_URL, store_namespace=f"t{uuid.uuid4().hex[:12]}")


def test_parallel_wrong_guesses_on_the_redis_store(settings, make_user, monkeypatch):
    import redis

    name = make_user("resident")
    redis_settings = _redis_settings(settings)
    app = create_app(redis_settings, manage_engine=False)
    calls = _count_evaluations(monkeypatch)
    statuses = run(_burst(app, name))
    _assert_at_most_five_evaluated(statuses, calls)
    # the counters are Redis keys of this namespace, and they expire
    keys = redis.Redis.from_url(REDIS_URL).keys(f"{redis_settings.store_namespace}:login:*")
    assert len(keys) == 2
    assert all(0 < redis.Redis.from_url(REDIS_URL).ttl(k) <= settings.login_lockout_seconds for k in keys)
    run(app.state.login_limiter.clear())


def test_a_success_resets_the_account_counter_and_gives_back_only_its_own_count_on_the_address(app):
    limiter = LoginLimiter(DatabaseCounters(f"t{uuid.uuid4().hex[:8]}"), max_per_account=5, max_per_address=20,
                           window_seconds=900)

    async def story():
        for _ in range(4):  # three wrong passwords, then the right one
            assert (await limiter.attempt("alice", "10.0.0.1")).allowed
        await limiter.succeed("alice", "10.0.0.1")
        counts = await limiter.counters.incr(["acct:alice", "addr:10.0.0.1"], 900)
        await limiter.clear()
        return counts

    # the account starts again from 0 (this is its first attempt since); the address keeps
    # the three failures (4 attempts, the successful one given back, plus this one)
    assert run(story()) == [1, 4]


def test_a_counter_starts_again_when_its_window_has_ended(app):
    counters = DatabaseCounters(f"t{uuid.uuid4().hex[:8]}")

    async def story():
        first = [(await counters.incr(["k"], 900))[0] for _ in range(3)]
        from consult.accounts.tables import LoginCounter

        await LoginCounter.update({LoginCounter.window_ends: 1}).where(LoginCounter.key == counters.prefix + "k")
        again = (await counters.incr(["k"], 900))[0]
        await counters.clear()
        return first, again

    assert run(story()) == ([1, 2, 3], 1)


def test_argon2_runs_off_the_event_loop(app):
    """The password check runs in the argon2 worker threads, not on the loop's thread."""
    seen: list[str] = []
    real = passwords.verify_password

    def spy(stored_hash, password):
        seen.append(threading.current_thread().name)
        return real(stored_hash, password)

    async def check():
        loop_thread = threading.current_thread().name
        passwords.verify_password = spy
        try:
            await passwords.verify(None, "whatever-password")
        finally:
            passwords.verify_password = real
        return loop_thread

    loop_thread = run(check())
    assert seen and seen[0] != loop_thread and seen[0].startswith("argon2")
