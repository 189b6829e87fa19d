"""Real-browser fixtures: Playwright (sync API) driving the system Chromium.

No browser is downloaded: ``playwright install`` needs the internet, which the force's machines
and CI do not have. The browser is the distribution's Chromium at ``/usr/bin/chromium`` (or the
executable named by ``SAFECITY_CHROMIUM``); without it the browser tests are skipped, saying so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

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
