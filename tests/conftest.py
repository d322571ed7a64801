"""Test fixtures: a migrated template database, copied per test module.

SQLite by default. With CONSULT_TEST_DATABASE_URL=postgresql://... every module gets
its own PostgreSQL database cloned from a migrated template (CREATE DATABASE ...
TEMPLATE), dropped afterwards. An
unreachable database fails the run: it never skips. `.ci/run` runs the suite twice,
on SQLite and then on the local PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from consult import db
from consult.settings import Settings, test_database_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "test-password-1"

_counter = itertools.count(1)


def _pg_url(base: str, name: str) -> str:
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path="/" + name))


async def _pg_admin(base: str, sql: str) -> None:
    import asyncpg

    parsed = urlparse(base)
    conn = await asyncpg.connect(
        host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432, user=parsed.username or "postgres",
        password=parsed.password, database=(parsed.path or "/postgres").lstrip("/") or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pytest_report_header(config):
    url = test_database_url()
    return f"consult test database: {url or 'SQLite (temporary files)'}"


async def _migrate_set_up() -> None:
    """Migrate, then mark the install as set up: a test module's database is a working site
    (first-run setup has its own tests, which clear the mark: tests/http/test_first_run.py)."""
    from consult.places.tables import Install

    await db.migrate()
    await Install.raw("UPDATE install SET setup_done_at = current_timestamp WHERE id = 1")


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    base = test_database_url()
    if base and base.startswith("postgres"):
        name = f"consult_tpl_{uuid.uuid4().hex[:10]}"
        run(_pg_admin(base, f'CREATE DATABASE "{name}"'))  # fails loudly if PostgreSQL is unreachable
        url = _pg_url(base, name)
        db.use_database(url)
        run(_migrate_set_up())
        yield ("postgres", base, name)
        run(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("tpl") / "template.sqlite"
        db.use_database(f"sqlite:///{path}")
        run(_migrate_set_up())
        yield ("sqlite", None, str(path))


@pytest.fixture(scope="module")
def database(template_database, tmp_path_factory):
    """A fresh, migrated database for this test module; returns its URL."""
    kind, base, template = template_database
    if kind == "postgres":
        name = f"consult_t_{uuid.uuid4().hex[:12]}"
        run(_pg_admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = _pg_url(base, name)
        db.use_database(url)
        yield url
        run(_pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("db") / "consult.sqlite"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        db.use_database(url)
        run(db.prepare_engine())
        yield url


@pytest.fixture(scope="module")
def settings(database, tmp_path_factory) -> Settings:
    return Settings(
        database_url=database,
        secret_key="t" * 64,
        data_dir=tmp_path_factory.mktemp("data"),
        argon2_profile="cheapest",
        login_max_failures_per_account=5,
        login_max_failures_per_address=20,
    )


@pytest.fixture(scope="module")
def app(settings):
    from consult.app import create_app

    db.use_database(settings.database_url)
    return create_app(settings, manage_engine=False)


@pytest.fixture(scope="module")
def community(app):
    """The demo community's places and categories (no demo users)."""
    from consult.accounts.demo import load_base_places

    return run(load_base_places())


async def _await(awaitable):
    return await awaitable


def run(awaitable):
    """Run a coroutine or a Piccolo query to completion from synchronous test code
    (in a worker thread when an event loop is already running, e.g. Playwright's)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _await(awaitable)).result()


class Client:
    """Wraps Litestar's TestClient: sends the CSRF token on unsafe methods, follows nothing by default."""

    def __init__(self, test_client):
        self.tc = test_client

    def _csrf(self) -> str:
        token = self.tc.cookies.get("csrftoken")
        if not token:
            self.tc.get("/healthz")
            token = self.tc.cookies.get("csrftoken")
        return token or ""

    def get(self, url, **kw):
        kw.setdefault("follow_redirects", False)
        return self.tc.get(url, **kw)

    def post(self, url, data=None, csrf=True, **kw):
        kw.setdefault("follow_redirects", False)
        headers = dict(kw.pop("headers", {}) or {})
        if csrf:
            headers.setdefault("x-csrftoken", self._csrf())
        return self.tc.post(url, data=data, headers=headers, **kw)

    def request(self, method, url, csrf=True, **kw):
        kw.setdefault("follow_redirects", False)
        headers = dict(kw.pop("headers", {}) or {})
        if csrf:
            headers.setdefault("x-csrftoken", self._csrf())
        return self.tc.request(method, url, headers=headers, **kw)

    def login(self, username, password=PASSWORD):
        r = self.post("/auth/login", {"username": username, "password": password, "next": "/"})
        assert r.status_code == 303, (r.status_code, r.text[:500])
        return r

    @property
    def cookies(self):
        return self.tc.cookies


@pytest.fixture
def client(app):
    from litestar.testing import TestClient

    run(app.state.login_limiter.clear())  # sign-in attempt counters do not leak between tests
    run(app.state.track_limiter.clear())  # nor the tracking page's

    with TestClient(app, base_url="http://testserver.local") as tc:
        yield Client(tc)


@pytest.fixture
def new_client(app):
    """A factory for more clients (several people at once)."""
    from litestar.testing import TestClient

    run(app.state.login_limiter.clear())
    run(app.state.track_limiter.clear())

    opened = []

    def make():
        tc = TestClient(app, base_url="http://testserver.local")
        tc.__enter__()
        opened.append(tc)
        return Client(tc)

    yield make
    for tc in reversed(opened):
        tc.__exit__(None, None, None)


@pytest.fixture
def make_user(app, community):
    """Create a user with roles; returns its username (password PASSWORD)."""
    from consult.accounts.services import create_user

    def make(*roles, grid=0, name=None):
        username = name or f"u{next(_counter)}_{uuid.uuid4().hex[:6]}"
        grid_id = community["grids"][grid]
        run(create_user(username, PASSWORD, list(roles), display_name=username.upper(), grid_id=grid_id))
        return username

    return make


def user_id(username: str) -> int:
    from consult.accounts.tables import User

    return run(User.select(User.id).where(User.username == username).first())["id"]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
