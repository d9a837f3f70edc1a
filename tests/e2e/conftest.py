"""Browser tests: the app served over real HTTP, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.helpers import require

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BUILT = Path(__file__).resolve().parents[2] / "pwa" / "static" / "dist" / "manifest.json"

# How long an expectation waits for what the user should see. Playwright's 5 s is short for a screen
# that waits on several requests while two workers, their servers and two browsers share 2 cores:
# a job screen took longer after an intake in a loaded CI run. A test that fails still fails, later.
expect.set_options(timeout=15_000)


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


@pytest.fixture
def desk(chromium):
    """A dispatcher's browser: a desktop window; script errors are collected in `page.errors`."""
    _, browser = chromium
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def log_in_to_console(page, base: str, email: str) -> None:
    page.goto(base + "/dispatch")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Console").wait_for()


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


AXE = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
AXE_BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands. axe is evaluated from
    its source through the DevTools protocol, which the page's Content-Security-Policy does not
    govern (a <script> tag, even with the source inline, would be refused by script-src 'self')."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in AXE_BLOCKING]


def describe_violations(violations: list[dict]) -> str:
    """One readable paragraph per rule: what is wrong, how bad, and the elements at fault."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


@pytest.fixture
def axe(request):
    """`axe(page, "screen name")` fails the test on axe-core violations of serious or critical impact,
    listing each rule and the elements that break it."""

    def check(page, screen: str) -> None:
        violations = axe_violations(page)
        if violations:
            pytest.fail(f"accessibility violations on {screen}:\n{describe_violations(violations)}", pytrace=False)

    if not AXE.exists():
        require(request, "axe-core", "it is a dev dependency of the app: npm ci --prefix pwa installs it")
    return check
