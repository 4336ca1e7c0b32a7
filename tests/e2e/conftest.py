"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They skip, saying why, where /usr/bin/chromium (or CHROMIUM_PATH) is missing; CI installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from .browser import SHARED

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _is_browser_test(item: pytest.Item) -> bool:
    return "tests/e2e/" in str(item.fspath).replace(os.sep, "/")


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests and run them together, so one Chromium serves them all per
    process: last in one process, first under xdist (`LongestWorkFirst` in tests/conftest.py)."""
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=_is_browser_test)


def pytest_sessionfinish(session):
    SHARED.stop()


@pytest.fixture
def page(live_server):
    """A fresh browser context and page on the live server, in the process's shared Chromium.

    The ORM calls the tests make are synchronous; the async guard is lifted while Playwright's
    loop is registered on this thread.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install it (apt-get install -y chromium) to run browser tests"
        )
    browser = SHARED.start(CHROMIUM, LAUNCH_ARGS)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    yield page
    context.close()
    # Close the connections opened while Playwright's loop ran, or PostgreSQL cannot drop the
    # test database at the end of the run.
    connections.close_all()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG to test-results/; `full_page=False` keeps what the screen shows (sticky bars)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
