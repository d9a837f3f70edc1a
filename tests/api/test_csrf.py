"""Every change made with the session cookie must echo the session's X-CSRF-Token."""

from __future__ import annotations

import pytest

# The check happens before any view runs or any row is touched: no database differences to cover.
pytestmark = pytest.mark.sqlite_only

ME = "/api/v1/auth/me"
CUSTOMERS = "/api/v1/customers"
WRONG = {"X-CSRF-Token": "not-the-token"}
MISSING: dict[str, str] = {}


def assert_csrf_failed(response) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "csrf_failed"
    assert response.json["error"]["message"]


BAD_HEADERS = (MISSING, WRONG, {"X-CSRF-Token": ""})


def _customer_count(dispatcher) -> int:
    return dispatcher.get(CUSTOMERS).json["total"]


def test_post_without_a_good_token_is_refused_and_creates_nothing(dispatcher):
    before = _customer_count(dispatcher)
    for bad in BAD_HEADERS:
        assert_csrf_failed(dispatcher.http.post(CUSTOMERS, json={"name": "Sneaky Ltd"}, headers=bad))
    assert _customer_count(dispatcher) == before
    # The same request with the token goes through.
    assert dispatcher.post(CUSTOMERS, json={"name": "Honest Ltd"}).status_code == 201
    assert _customer_count(dispatcher) == before + 1


def test_patch_without_a_good_token_changes_nothing(dispatcher, new_work_order):
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    for bad in BAD_HEADERS:
        response = dispatcher.http.patch(url, json={"title": "Changed", "version": wo["version"]}, headers=bad)
        assert_csrf_failed(response)
    after = dispatcher.get(url).json
    assert after["title"] == wo["title"]
    assert after["version"] == wo["version"]
    assert [e["action"] for e in after["events"]] == ["created"]


def test_actions_without_a_good_token_change_nothing(dispatcher, technician, world, new_work_order):
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    assign = {"technician_id": world.technician_id}
    for bad in BAD_HEADERS:
        assert_csrf_failed(dispatcher.http.post(f"{url}/actions/assign", json=assign, headers=bad))
        assert_csrf_failed(dispatcher.http.post(f"{url}/assign", json=assign, headers=bad))
    assert dispatcher.get(url).json["status"] == "new"

    assert dispatcher.post(f"{url}/assign", json=assign).status_code == 200
    for bad in BAD_HEADERS:
        assert_csrf_failed(technician.http.post(f"{url}/actions/accept", json={}, headers=bad))
        assert_csrf_failed(technician.http.post(f"{url}/logs", json={"kind": "note", "text": "forged"}, headers=bad))
    detail = dispatcher.get(url).json
    assert detail["status"] == "assigned"
    assert detail["logs"] == []


def test_technician_location_and_shift_need_the_token(technician):
    before = technician.get("/api/v1/me/technician").json
    for bad in BAD_HEADERS:
        assert_csrf_failed(technician.http.post("/api/v1/me/shift", json={"on_shift": False}, headers=bad))
        assert_csrf_failed(technician.http.post("/api/v1/me/location", json={"lat": 31.0, "lon": 121.0}, headers=bad))
    after = technician.get("/api/v1/me/technician").json
    assert after["on_shift"] == before["on_shift"] is True
    assert after["location"] == before["location"]


def test_user_management_needs_the_token(client_for, world):
    admin = client_for(world.admin_email)
    forged = {"email": "forged@example.com", "name": "Forged", "role": "admin", "password": "password123"}
    tech_id = client_for(world.tech_email).user["id"]
    for bad in BAD_HEADERS:
        assert_csrf_failed(admin.http.post("/api/v1/users", json=forged, headers=bad))
        assert_csrf_failed(admin.http.patch(f"/api/v1/users/{tech_id}", json={"role": "admin"}, headers=bad))
    emails = [u["email"] for u in admin.get("/api/v1/users").json["items"]]
    assert "forged@example.com" not in emails
    assert client_for().login("forged@example.com").status_code == 401
    assert client_for(world.tech_email).user["role"] == "technician"


def test_logout_needs_the_token(dispatcher):
    for bad in BAD_HEADERS:
        assert_csrf_failed(dispatcher.http.post("/api/v1/auth/logout", headers=bad))
    assert dispatcher.get(ME).status_code == 200  # still logged in


def test_another_sessions_token_is_refused(client_for, world):
    dispatcher = client_for(world.dispatcher_email)
    other = client_for(world.admin_email)
    response = dispatcher.http.post(CUSTOMERS, json={"name": "X"}, headers={"X-CSRF-Token": other.csrf})
    assert_csrf_failed(response)


def test_the_old_token_dies_with_the_session(client_for, world):
    client = client_for(world.dispatcher_email)
    old = client.csrf
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.login(world.dispatcher_email).status_code == 200
    assert client.csrf != old
    assert_csrf_failed(client.http.post(CUSTOMERS, json={"name": "X"}, headers={"X-CSRF-Token": old}))


def test_reads_need_no_token(dispatcher, technician, new_work_order):
    wo = new_work_order()
    for path in (ME, CUSTOMERS, "/api/v1/work-orders", f"/api/v1/work-orders/{wo['id']}", "/api/v1/technicians"):
        assert dispatcher.http.get(path).status_code == 200, path
    assert technician.http.get("/api/v1/work-orders").status_code == 200


def test_login_token_equals_the_token_of_me(client_for, world):
    client = client_for(world.tech_email)
    assert client.http.get(ME).json["csrf_token"] == client.csrf
    assert client.http.get(ME).json["csrf_token"] == client.csrf  # stable within the session


def test_login_over_a_live_session_needs_no_token(client_for, world):
    client = client_for(world.tech_email)
    response = client.http.post("/api/v1/auth/login", json={"email": world.dispatcher_email, "password": "password123"})
    assert response.status_code == 200, response.json
    assert response.json["user"]["role"] == "dispatcher"
    assert client.http.get(ME).json["user"]["email"] == world.dispatcher_email
    assert client.http.get(ME).json["csrf_token"] == response.json["csrf_token"]


def test_anonymous_changes_are_401_not_csrf(client_for, world):
    response = client_for().http.post(CUSTOMERS, json={"name": "X"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_a_refused_request_does_not_burn_its_idempotency_key(dispatcher):
    key = {"Idempotency-Key": "7d3f5a4e-csrf-test"}
    assert_csrf_failed(dispatcher.http.post(CUSTOMERS, json={"name": "Retry Ltd"}, headers=key))
    retried = dispatcher.post(CUSTOMERS, json={"name": "Retry Ltd"}, headers=key)
    assert retried.status_code == 201, retried.json
    assert retried.json["name"] == "Retry Ltd"
    assert "Idempotent-Replayed" not in retried.headers
