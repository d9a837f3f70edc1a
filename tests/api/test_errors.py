"""Every failure answers the contract's JSON error shape, never HTML or a stack trace, and changes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from backend import create_app
from backend.extensions import db
from backend.models import Customer, Event, WorkOrder
from tests.conftest import ApiClient
from tests.factories import make_world

# Nothing listens on port 1: the database is "down" without waiting for a timeout.
UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
INT32_MAX = 2**31 - 1


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.json
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert set(body["error"]) <= {"code", "message", "fields"}
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "<html" not in text.lower()
    return body["error"]


def _work_order_body(world, **overrides) -> dict:
    body = {
        "customer_id": world.customer_id,
        "title": "Leaking pipe",
        "priority": "normal",
        "channel": "phone",
        "location": {"lat": 31.2304, "lon": 121.4737},
    }
    body.update(overrides)
    return body


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ---- 400, 404, 405 ----------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_malformed_json_is_400_bad_request(dispatcher):
    for path in ("/api/v1/customers", "/api/v1/auth/login", "/api/v1/work-orders"):
        response = dispatcher.post(path, data='{"name": "unclosed', content_type="application/json")
        assert_error(response, 400, "bad_request")


def test_malformed_json_in_an_action_is_400(dispatcher, new_work_order):
    wo = new_work_order()
    response = dispatcher.post(
        f"/api/v1/work-orders/{wo['id']}/actions/cancel", data="{reason: nope}", content_type="application/json"
    )
    assert_error(response, 400, "bad_request")
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["status"] == "new"


@pytest.mark.sqlite_only
def test_json_that_is_not_an_object_is_422(dispatcher):
    response = dispatcher.post("/api/v1/customers", data="[1, 2]", content_type="application/json")
    assert_error(response, 422, "validation_error")


def test_unknown_things_under_api_are_404_json(dispatcher):
    for path in (
        "/api/v1/no-such-thing",
        "/api/v2/work-orders",
        "/api/v1/work-orders/abc",
        "/api/v1/work-orders/99999",
    ):
        assert_error(dispatcher.get(path), 404, "not_found")


@pytest.mark.sqlite_only
def test_unknown_page_outside_api_is_404_not_a_stack_trace(client_for, world):
    response = client_for().get("/no-such-page")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.sqlite_only
def test_wrong_method_is_405_json_with_allow(dispatcher):
    response = dispatcher.http.put("/api/v1/work-orders", json={}, headers={"X-CSRF-Token": dispatcher.csrf})
    assert_error(response, 405, "method_not_allowed")
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert_error(dispatcher.get("/api/v1/auth/login"), 405, "method_not_allowed")


# ---- 422 validation ---------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_validation_error_names_the_fields(app, dispatcher, world):
    response = dispatcher.post("/api/v1/work-orders", json=_work_order_body(world, priority="asap"))
    error = assert_error(response, 422, "validation_error")
    assert list(error["fields"]) == ["priority"]
    assert error["fields"]["priority"] == ["must be one of urgent, high, normal, low"]
    assert "priority" in error["message"]


@pytest.mark.sqlite_only
def test_nested_validation_errors_use_dotted_names(dispatcher, world):
    body = _work_order_body(world, location={"lat": 123.0, "lon": 121.4})
    error = assert_error(dispatcher.post("/api/v1/work-orders", json=body), 422, "validation_error")
    assert set(error["fields"]) == {"location.lat"}
    assert all(isinstance(m, str) for m in error["fields"]["location.lat"])


@pytest.mark.sqlite_only
def test_missing_required_fields_are_listed(dispatcher):
    error = assert_error(dispatcher.post("/api/v1/work-orders", json={}), 422, "validation_error")
    assert {"customer_id", "title", "priority", "channel", "location"} <= set(error["fields"])


@pytest.mark.sqlite_only
def test_query_validation_errors_name_the_parameter(dispatcher):
    error = assert_error(dispatcher.get("/api/v1/work-orders?per_page=1000"), 422, "validation_error")
    assert set(error["fields"]) == {"per_page"}
    error = assert_error(dispatcher.get("/api/v1/work-orders?priority=asap"), 422, "validation_error")
    assert set(error["fields"]) == {"priority"}


def test_a_domain_validation_error_has_fields_too(dispatcher, world):
    body = _work_order_body(world, customer_id=987654)
    error = assert_error(dispatcher.post("/api/v1/work-orders", json=body), 422, "validation_error")
    assert set(error["fields"]) == {"customer_id"}


# ---- numbers and text the database cannot hold ------------------------------------------------


def test_ids_too_large_for_the_database_are_404_in_paths(dispatcher):
    for number in (INT32_MAX + 1, 10**20):
        for path in (f"/api/v1/work-orders/{number}", f"/api/v1/customers/{number}", f"/api/v1/technicians/{number}"):
            assert_error(dispatcher.get(path), 404, "not_found")
    assert_error(dispatcher.get(f"/api/v1/work-orders/{INT32_MAX}"), 404, "not_found")  # the largest id: just unknown


def test_numbers_too_large_for_the_database_are_422_in_bodies_and_queries(dispatcher, world, new_work_order):
    wo = new_work_order()
    for number in (INT32_MAX + 1, -(10**20)):
        error = assert_error(dispatcher.get(f"/api/v1/work-orders?technician_id={number}"), 422, "validation_error")
        assert set(error["fields"]) == {"technician_id"}
        error = assert_error(dispatcher.get(f"/api/v1/work-orders?page={abs(number)}"), 422, "validation_error")
        assert set(error["fields"]) == {"page"}
        body = _work_order_body(world, customer_id=number)
        error = assert_error(dispatcher.post("/api/v1/work-orders", json=body), 422, "validation_error")
        assert set(error["fields"]) == {"customer_id"}
        assign = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": number})
        assert set(assert_error(assign, 422, "validation_error")["fields"]) == {"technician_id"}
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["status"] == "new"


def test_text_with_nul_characters_is_422(app, client_for, dispatcher, world, new_work_order):
    before = _count(app, Customer)
    error = assert_error(dispatcher.post("/api/v1/customers", json={"name": "Nul\x00Ltd"}), 422, "validation_error")
    assert set(error["fields"]) == {"name"}
    assert _count(app, Customer) == before

    wo = new_work_order()
    response = dispatcher.patch(f"/api/v1/work-orders/{wo['id']}", json={"title": "a\x00b", "version": wo["version"]})
    assert set(assert_error(response, 422, "validation_error")["fields"]) == {"title"}
    assert_error(dispatcher.get("/api/v1/customers?q=a%00b"), 422, "validation_error")
    response = client_for().http.post("/api/v1/auth/login", json={"email": "a\x00@example.com", "password": "x"})
    assert_error(response, 422, "validation_error")


# ---- 413 --------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_body_over_the_limit_is_413_json(make_app):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    world = make_world(app)
    client = ApiClient(app.test_client())
    assert client.login(world.dispatcher_email).status_code == 200
    before = _count(app, Customer)
    response = client.post("/api/v1/customers", json={"name": "Big", "address": "x" * 5000})
    assert_error(response, 413, "payload_too_large")
    response = client.post(
        f"/api/v1/work-orders/{1}/attachments",
        data={"file": (io.BytesIO(b"\xff" * 5000), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert_error(response, 413, "payload_too_large")
    assert_error(ApiClient(app.test_client()).login("x" * 5000), 413, "payload_too_large")
    assert _count(app, Customer) == before


# ---- 500 --------------------------------------------------------------------------------------


def test_an_unexpected_exception_is_500_json_without_internals_and_rolls_back(make_app):
    app = make_app()

    @app.post("/api/v1/test-only/explode")
    def explode():
        db.session.add(Customer(name="Half-made"))
        db.session.flush()
        raise RuntimeError("secret internals at /srv/onsite/backend/x.py line 42")

    @app.get("/test-only/explode")
    def explode_get():
        raise ZeroDivisionError("division by zero in the page")

    client = app.test_client()
    response = client.post("/api/v1/test-only/explode", json={})
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
    assert "secret" not in error["message"]
    assert response.headers["Cache-Control"] == "no-store"
    assert _count(app, Customer) == 0

    response = client.get("/test-only/explode")
    assert_error(response, 500, "internal_error")
    assert "division" not in response.get_data(as_text=True)


# ---- the database is down ---------------------------------------------------------------------


@pytest.fixture
def app_without_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": UNREACHABLE_DB,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_healthz_is_503_when_the_database_is_down(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_api_answers_503_unavailable_when_the_database_is_down(app_without_database):
    client = app_without_database.test_client()
    assert_error(
        client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x"}), 503, "unavailable"
    )
    # A session cookie from before the outage: loading the user needs the database.
    with client.session_transaction() as session:
        session.update({"_user_id": "1:5f0c2e9a41d7b3c8a6e2f1d0", "_fresh": True, "csrf": "token"})
    assert_error(client.get("/api/v1/work-orders"), 503, "unavailable")
    assert_error(client.get("/api/v1/auth/me"), 503, "unavailable")
    response = client.post("/api/v1/customers", json={"name": "X"}, headers={"X-CSRF-Token": "token"})
    assert_error(response, 503, "unavailable")
    # What needs no database still works.
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_healthz_is_200_when_the_database_answers(client_for):
    response = client_for().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


# ---- a failed request changes nothing ---------------------------------------------------------


def test_a_refused_work_order_leaves_no_rows(app, dispatcher, world):
    before = (_count(app, WorkOrder), _count(app, Event))
    assert_error(
        dispatcher.post("/api/v1/work-orders", json=_work_order_body(world, priority="asap")), 422, "validation_error"
    )
    assert_error(
        dispatcher.post(
            "/api/v1/work-orders",
            json=_work_order_body(world, response_due_at="2026-11-24T10:00:00Z", resolve_due_at="2026-11-24T09:00:00Z"),
        ),
        422,
        "validation_error",
    )
    assert (_count(app, WorkOrder), _count(app, Event)) == before
    assert dispatcher.get("/api/v1/work-orders").json["total"] == before[0]


def test_a_refused_edit_leaves_the_work_order_as_it_was(app, dispatcher, new_work_order):
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    # The title is valid, the due times are not: neither is applied.
    response = dispatcher.patch(
        url,
        json={
            "title": "Changed title",
            "response_due_at": "2026-11-24T10:00:00Z",
            "resolve_due_at": "2026-11-24T09:00:00Z",
            "version": wo["version"],
        },
    )
    assert set(assert_error(response, 422, "validation_error")["fields"]) == {"resolve_due_at"}
    stale = dispatcher.patch(url, json={"title": "Changed title", "version": wo["version"] + 5})
    assert_error(stale, 409, "conflict")
    after = dispatcher.get(url).json
    assert after["title"] == wo["title"]
    assert after["version"] == wo["version"]
    assert after["response_due_at"] == wo["response_due_at"]
    assert [e["action"] for e in after["events"]] == ["created"]


def test_a_refused_transition_is_409_and_changes_nothing(dispatcher, technician, world, new_work_order):
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    response = technician.post(f"{url}/actions/complete", json={"resolution": "done", "first_time_fix": True})
    assert_error(response, 409, "conflict")
    detail = dispatcher.get(url).json
    assert detail["status"] == "assigned"
    assert detail["completed_at"] is None
    assert [e["action"] for e in detail["events"]] == ["created", "assign", "message_queued"]
