"""Security headers on every response, and no caching of API answers."""

from __future__ import annotations

import pytest

# Headers are set by the HTTP layer alone: no database differences to cover.
pytestmark = pytest.mark.sqlite_only


def csp_directives(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.strip().split(None, 1)
        if words:
            directives[words[0]] = words[1] if len(words) > 1 else ""
    return directives


def assert_security_headers(response) -> None:
    csp = csp_directives(response)
    assert csp.get("default-src") == "'self'", response.headers.get("Content-Security-Policy")
    assert csp.get("frame-ancestors") == "'none'"
    assert csp.get("object-src") == "'none'"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Referrer-Policy") in ("no-referrer", "same-origin", "strict-origin-when-cross-origin")


@pytest.fixture
def responses(app, client_for, world, new_work_order):
    """A spread of responses: API successes and errors, health, docs, static files and unknown pages."""
    wo = new_work_order()
    dispatcher = client_for(world.dispatcher_email)
    anonymous = client_for()
    return {
        "api list": dispatcher.get("/api/v1/work-orders"),
        "api detail": dispatcher.get(f"/api/v1/work-orders/{wo['id']}"),
        "api create": dispatcher.post("/api/v1/customers", json={"name": "Headers Ltd"}),
        "api 401": anonymous.get("/api/v1/work-orders"),
        "api 404": dispatcher.get("/api/v1/no-such-thing"),
        "api 405": dispatcher.delete("/api/v1/work-orders"),
        "api 422": dispatcher.post("/api/v1/customers", json={}),
        "csrf 403": dispatcher.http.post("/api/v1/customers", json={"name": "X"}),
        "login": anonymous.login(world.tech_email),
        "healthz": anonymous.get("/healthz"),
        "openapi": anonymous.get("/api/v1/openapi.json"),
        "docs": anonymous.get("/api/docs"),
        "docs asset": anonymous.get("/api/docs/assets/swagger-ui.css"),
        "unknown page": anonymous.get("/no-such-page"),
    }


def test_every_response_carries_the_security_headers(responses):
    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses["api create"] == 201 and statuses["api 401"] == 401 and statuses["api 404"] == 404
    assert statuses["api 405"] == 405 and statuses["api 422"] == 422 and statuses["csrf 403"] == 403
    assert statuses["healthz"] == 200 and statuses["docs"] == 200 and statuses["docs asset"] == 200
    for name, response in responses.items():
        try:
            assert_security_headers(response)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None


def test_api_answers_are_never_cached(responses):
    for name, response in responses.items():
        if name.startswith(("api", "csrf", "login")) or name == "openapi":
            assert response.headers.get("Cache-Control") == "no-store", name


def test_api_csp_allows_no_inline_script(responses):
    csp = csp_directives(responses["api list"])
    assert csp["script-src"] == "'self'"
    assert "unsafe" not in responses["api list"].headers["Content-Security-Policy"]


def test_docs_page_keeps_frame_and_origin_limits(responses):
    csp = csp_directives(responses["docs"])
    assert csp["frame-ancestors"] == "'none'"
    assert "http" not in csp.get("script-src", "")  # no CDN allowed in


def test_hsts_is_sent_when_cookies_are_secure(app, client_for):
    assert app.config["SESSION_COOKIE_SECURE"]
    response = client_for().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
