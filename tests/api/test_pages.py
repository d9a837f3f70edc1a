"""The app shell: the page links the current build; built files are cached for good, the page is not."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

DIST = Path(__file__).resolve().parents[2] / "pwa" / "static" / "dist"


@pytest.fixture
def built():
    if not (DIST / "manifest.json").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("the app is not built (./scripts/test builds it)", pytrace=False)
        pytest.skip("the app is not built: run ./scripts/test or npm run --prefix pwa build")
    return json.loads((DIST / "manifest.json").read_text())


@pytest.mark.sqlite_only
def test_the_page_links_the_hashed_build_with_the_right_caching(app, built):
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    scripts = re.findall(r'<script type="module" src="/static/(dist/[^"]+)"', page.get_data(as_text=True))
    assert scripts == [built["app.js"]] and re.search(r"app-\w+\.js$", scripts[0])

    bundle = client.get("/static/" + built["app.js"])
    assert bundle.status_code == 200
    assert bundle.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["Cache-Control"] == "no-cache"
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert f"/static/{built['app.js']}" in worker.get_data(as_text=True)  # the precache list

    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert {icon["sizes"] for icon in manifest.json["icons"]} == {"192x192", "512x512"}
