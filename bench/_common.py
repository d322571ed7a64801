"""Shared helpers of the bench scripts: databases, a real server process, small HTTP clients.

Everything talks to 127.0.0.1 only. Nothing here runs in the pytest suite.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CONSULT = str(VENV_BIN / "consult") if (VENV_BIN / "consult").exists() else shutil.which("consult") or "consult"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "demo-pass-2026"  # the demo password; every generated account shares it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def recreate_pg_database(dbname: str) -> str:
    """Drop and create ``dbname`` on the local PostgreSQL; returns its URL."""
    import asyncio

    import asyncpg

    async def run():
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{dbname}"')
        finally:
            await conn.close()

    asyncio.run(run())
    return pg_url(dbname)


class Workspace:
    """A temporary directory with the database (SQLite) and the data dir of one run."""

    def __init__(self, engine: str, name: str, keep: bool = False, reuse: bool = False) -> None:
        self.engine = engine
        self.dir = Path(tempfile.mkdtemp(prefix=f"consult-{name}-"))
        self.keep = keep
        if engine == "sqlite":
            self.database_url = f"sqlite:///{self.dir / 'consult.sqlite'}"
        elif reuse:  # the PostgreSQL database of an earlier run, as it is (bench/http_load.py --reuse)
            self.database_url = pg_url(f"consult_{name}")
        else:
            self.database_url = recreate_pg_database(f"consult_{name}")
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CONSULT_DATA_DIR": str(self.dir / "data"),
            "CONSULT_ENV": "development",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("REDIS_URL", None)  # sessions and counters in the database
        if os.environ.get("BENCH_CODE"):  # measure another copy of the code (before/after a change)
            self.env["PYTHONPATH"] = os.environ["BENCH_CODE"]

    def consult(self, *args: str, timeout: float = 600, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([CONSULT, *args], env=self.env, cwd=self.dir, capture_output=True, text=True,
                              timeout=timeout, input=input, check=True)

    def scale(self, topics: int, timeout: float = 1200, communities: int = 1) -> subprocess.CompletedProcess:
        """The demo community, then ``topics`` generated topics (bench/scale.py) in this workspace's
        database, spread across ``communities`` communities."""
        self.consult("demo", timeout=timeout)
        return subprocess.run([sys.executable, str(ROOT / "bench" / "scale.py"), "--scale", str(topics),
                               "--communities", str(communities)],
                              env=self.env, cwd=self.dir, capture_output=True, text=True, timeout=timeout, check=True)

    def cleanup(self) -> None:
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


class Server:
    """``consult serve`` as a child process in its own process group."""

    def __init__(self, ws: Workspace, workers: int = 1, port: int | None = None) -> None:
        self.ws = ws
        self.workers = workers
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = ws.dir / f"server-{self.port}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 60) -> "Server":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [CONSULT, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.ws.env, cwd=self.ws.dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + wait
        import urllib.request

        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        # with several workers, give every worker time to start
                        time.sleep(0.5 * self.workers)
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not answer /healthz within {wait} s; see {self.log_path}")

    def pids(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "-g", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def kill(self) -> None:
        """SIGKILL the whole process group (the server and its workers)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def fetch_value(database_url: str, sql: str):
    """First column of the first row of ``sql`` on the bench database (no sqlite3/psql CLI needed)."""
    return (fetch_rows(database_url, sql) or [(None,)])[0][0]


def fetch_rows(database_url: str, sql: str) -> list[tuple]:
    if database_url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(database_url.split("sqlite:///", 1)[1], timeout=30)
        try:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
        finally:
            conn.close()
    import asyncio

    import asyncpg

    async def run():
        conn = await asyncpg.connect(database_url)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    # called from inside a running event loop (the fault script): run in a thread of its own
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def csrf_from(html: str) -> str | None:
    m = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    return m.group(1) if m else None


async def sign_in(client, username: str, password: str = PASSWORD) -> None:
    """Sign ``client`` (an httpx.AsyncClient with cookies) in through the real form."""
    page = await client.get("/auth/login")
    token = client.cookies.get("csrftoken")
    resp = await client.post("/auth/login", data={"username": username, "password": password, "next": "/"},
                             headers={"x-csrftoken": token or ""})
    if resp.status_code not in (302, 303) or "session" not in client.cookies:
        raise RuntimeError(f"sign-in of {username} failed: {resp.status_code} {page.status_code}")


def need(tool: str, how: str) -> str:
    path = shutil.which(tool)
    if not path:
        sys.exit(f"bench: {tool} is not installed; install it with: {how}")
    return path
