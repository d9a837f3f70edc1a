"""Browser tests: the app served over real HTTP, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BUILT = Path(__file__).resolve().parents[2] / "pwa" / "static" / "dist" / "manifest.json"


@pytest.fixture
def live_server(app):
    """The test's app on a real port (plain HTTP on loopback: cookies without the Secure flag)."""
    app.config["SESSION_COOKIE_SECURE"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    missing = [
        what for what, ok in (("Chromium", Path(CHROMIUM).exists()), ("the built app", BUILT.exists())) if not ok
    ]
    if missing:
        message = f"browser tests need {' and '.join(missing)} (./scripts/test installs and builds them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield playwright, browser
        browser.close()


@pytest.fixture
def phone(chromium):
    """A page on a phone-sized viewport. Script errors and CSP violations are collected; the browser's
    own notes on HTTP error statuses are not (a 401 before logging in is expected)."""
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 7"])
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and page.console_errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()
