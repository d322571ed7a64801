"""Browser tests: a real server process on a fresh database, driven by Playwright in
Debian's Chromium (/usr/bin/chromium, headless). Screenshots go to test-artifacts/.

Without Chromium the browser tests are skipped with a clear message, except in CI
(CI set), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from consult.settings import ci_mode

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CONSULT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        message = f"Chromium not found at {CHROMIUM}: install Debian's chromium package to run browser tests"
        if ci_mode():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def live_server(database, settings, community, tmp_path_factory):
    """A `consult` server process on this module's database; yields its base URL. It runs
    with the test process's SECRET_KEY: what the tests write through the in-process app
    (sealed contacts, keyed tracking codes, sealed ballots) is derived from that key, and the
    server must read it back."""
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database,
        SECRET_KEY=settings.secret_key,
        CONSULT_DATA_DIR=str(tmp_path_factory.mktemp("live-data")),
        CONSULT_ENV="development",
    )
    env.pop("REDIS_URL", None)
    log = tmp_path_factory.mktemp("live-log") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "consult.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("the server did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def new_phone(browser, request):
    """People at once: each call opens a separate 360 px wide browser context whose page
    has `shot(name)`, saving a full-page screenshot artifact."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=1, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        ARTIFACTS.mkdir(exist_ok=True)
        counter = {"n": 0}
        prefix = "" if len(contexts) == 1 else f"-p{len(contexts) - 1}"

        def shot(name: str) -> Path:
            counter["n"] += 1
            path = ARTIFACTS / f"{request.node.name}{prefix}-{counter['n']:02d}-{name}.png"
            page.screenshot(path=str(path), full_page=True)
            return path

        page.shot = shot
        return page

    yield make
    for c in contexts:
        c.close()


@pytest.fixture
def phone(new_phone):
    """The first person's phone-sized page."""
    return new_phone()


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("form[action='/auth/login'] button[type=submit]")
    # wait until the sign-in has answered (argon2 takes a moment on a loaded machine):
    # navigating away earlier would abort it
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=30_000)
    page.wait_for_load_state("networkidle")


AXE_DIR = ROOT / "tests" / "browser" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (the npm package pinned in tests/browser/axe, never served by the app).
    Installed here with `npm ci` when missing, so the README's test command works on a fresh
    clone; a failed install fails the tests (it never skips them)."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"{AXE_JS} is missing and npm is not installed: install Node.js, then run "
                        "`npm ci --prefix tests/browser/axe`")
        done = subprocess.run([npm, "ci", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund"],
                              capture_output=True, text=True)
        if done.returncode != 0 or not AXE_JS.exists():
            pytest.fail(f"`npm ci --prefix tests/browser/axe` failed ({done.returncode}): run it by hand.\n"
                        + done.stdout[-2000:] + done.stderr[-2000:])
    return AXE_JS.read_text(encoding="utf-8")
