"""Real-browser fixtures: Playwright (sync API) driving the system Chromium.

No browser is downloaded: ``playwright install`` needs the internet, which the force's machines
and CI do not have. The browser is the distribution's Chromium at ``/usr/bin/chromium`` (or the
executable named by ``SAFECITY_CHROMIUM``); without it the browser tests are skipped, saying so.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connections

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


def chromium_path() -> str:
    return os.environ.get("SAFECITY_CHROMIUM") or "/usr/bin/chromium"


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """A headless system Chromium, started for the test and closed after it."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.skip(
            f"browser test skipped: no Chromium at {path} "
            "(install it with `apt-get install chromium`, or point SAFECITY_CHROMIUM at one)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser test skipped: Playwright is not installed"
    )
    # Playwright's sync API keeps an asyncio loop in this thread; the test's own ORM calls
    # (and pytest-django's teardown) run here too and are plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
            # The test's own queries ran while Playwright's loop was running in this thread,
            # on a connection Django keeps apart from the one pytest-django closes (asgiref's
            # Local keeps it per context): left open, PostgreSQL refused to drop the test
            # database at the end of the session ("accessed by other users").
            connections.close_all()


@pytest.fixture
def results_dir() -> Path:
    """Where screenshots go (``test-results/``, ignored by git)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR


@pytest.fixture
def demo_data(transactional_db: None, settings: Any) -> None:
    """The demo wards, units and accounts, committed so the live server's thread sees them."""
    from safecity.demo import demo_load

    settings.SAFECITY_MFA_REQUIRED = False  # the demo log-in is password only
    demo_load(say=lambda message: None)


# --- A real ASGI server (HTTP + WebSocket) on the test database ------------------------------


class AsgiServer:
    """Where the test server answers, and its log (read it when a browser test fails)."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log


def _database_url() -> str:
    """The test database as a ``DATABASE_URL`` another process can open."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            pytest.skip("browser test skipped: the test database is in memory, not a file")
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def asgi_server(
    request: pytest.FixtureRequest, transactional_db: None, tmp_path: Path
) -> Iterator[AsgiServer]:
    """``uvicorn safecity.asgi:application`` in a subprocess, as ``safecity serve`` runs it,
    on the test database (with the demo data committed). pytest-django's ``live_server`` is
    WSGI only, and the officers' consoles need the WebSocket. Stopped before the database is
    flushed.

    Ask for it before ``chromium``: the demo data then loads before Playwright's event loop
    runs in this thread (the live events of the demo reports could not be sent from inside
    it), and a machine without Chromium skips before loading anything."""
    import subprocess
    import sys
    import time
    import urllib.request

    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.skip(f"browser test skipped: no Chromium at {path}")
    request.getfixturevalue("demo_data")
    port = _free_port()
    log = tmp_path / "uvicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safecity.settings",
        "DATABASE_URL": _database_url(),
        "SAFECITY_DATA_DIR": str(tmp_path / "server"),
        "SAFECITY_ENV": "development",
        "SAFECITY_MFA_REQUIRED": "false",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        sys.executable, "-m", "uvicorn", "safecity.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"the ASGI server stopped at start:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the ASGI server did not answer in 20 s:\n{log.read_text()[-3000:]}")
            # Wait on the process (it may die while starting) instead of sleeping blind.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
        yield AsgiServer(url=url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
