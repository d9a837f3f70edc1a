"""Hostile input generated from the API's own OpenAPI document (schemathesis, in-process).

Every operation, as a dispatcher and as a technician, with inputs made from the schemas and
against them: no answer may be a server error, and every answer must have the contract's
shape: JSON documented for success, the error shape otherwise. Bounded for CI
(FUZZ_EXAMPLES per operation, default 6); `FUZZ_EXAMPLES=200 ./scripts/test tests/fuzz` for a
long run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from backend import create_app
from tests.factories import make_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ERROR_KEYS = {"code", "message"}


# The schema is under test, not the database: the fuzz runs on SQLite only (PostgreSQL has the
# rest of the suite).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def fuzzed_app(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="10000 per minute", LOGIN_LIMIT_PER_ADDRESS="10000 per minute")
    app.world = make_world(app)
    CURRENT.app = app
    return app


class CurrentApp:
    """A WSGI app that passes each request to the running test's app: the schema is read once, at
    collection (from an app that only serves the document), the requests go to each test's own."""

    def __init__(self):
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "fuzz"})

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


CURRENT = CurrentApp()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", CURRENT)


def session_of(app, email: str) -> tuple[dict, dict]:
    """A signed-in user's cookie and CSRF header for generated requests (one login per
    test and user: a generated request may change the user, e.g. a technician's shift)."""
    cached = app.extensions.setdefault("fuzz_sessions", {})
    if email not in cached:
        client = app.test_client()
        response = client.post("/api/v1/auth/login", json={"email": email, "password": "password123"})
        assert response.status_code == 200, response.json
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        cached[email] = ({cookie.key: cookie.value}, {"X-CSRF-Token": response.json["csrf_token"]})
    return cached[email]


def error_shape(response) -> None:
    """Every refusal carries the contract's JSON error shape, never HTML or a trace."""
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) >= ERROR_KEYS, body


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
SKIPPED = ("/api/v1/events/stream", "/api/v1/auth/logout")  # never ends; would end the session
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


def fuzz(case, app, email):
    if case.path in SKIPPED:
        return
    cookies, headers = session_of(app, email)
    response = case.call(cookies=cookies, headers=headers)
    case.validate_response(response, checks=CHECKS)
    error_shape(response)


@schema.parametrize()
@FUZZ
def test_as_a_dispatcher_no_operation_fails_or_breaks_its_contract(case, fuzzed_app):
    fuzz(case, fuzzed_app, fuzzed_app.world.dispatcher_email)


@schema.parametrize()
@FUZZ
def test_as_a_technician_no_operation_fails_or_breaks_its_contract(case, fuzzed_app):
    fuzz(case, fuzzed_app, fuzzed_app.world.tech_email)
