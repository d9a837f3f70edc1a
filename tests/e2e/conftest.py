"""Browser tests: the app served over real HTTP, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


@dataclass
class RealClock:
    """The server's clock for browser tests: the real time (the phone stamps its changes with the
    browser's clock, and the server refuses a deed earlier than the job's previous event)."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta) -> datetime:
        self.offset += timedelta(**delta)
        return self()


@pytest.fixture
def clock() -> RealClock:
    return RealClock()


def log_in(page, base_url: str, email: str, password: str = "password123") -> None:
    page.goto(base_url + "/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="My jobs").wait_for()


def draw_signature(page) -> None:
    """A signature stroke by mouse across the canvas labelled "Signature"."""
    box = page.get_by_label("Signature").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 18, box["y"] + box["height"] * (0.3 + 0.4 * (step % 2)), steps=3)
    page.mouse.up()


def add_photo(page, image: bytes) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Add photo").click()
    chooser.value.set_files(files=[{"name": "site.png", "mimeType": "image/png", "buffer": image}])


def screenshot(page, name: str) -> None:
    """Keep a picture of the screen for the docs when ONSITE_SCREENSHOTS names a folder
    (ONSITE_SCREENSHOTS=docs/screenshots ./scripts/test tests/e2e)."""
    folder = os.environ.get("ONSITE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
