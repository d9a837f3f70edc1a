"""Idempotency-Key: a phone replaying its outbox gets the first answer back and nothing happens twice."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Customer, Event, Log
from tests.conftest import ApiClient


def _count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return db.session.scalar(query)


def _assigned(dispatcher, world, new_work_order) -> dict:
    wo = new_work_order()
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    return wo


def test_a_replayed_log_returns_the_first_answer_and_adds_nothing(app, dispatcher, technician, world, new_work_order):
    wo = _assigned(dispatcher, world, new_work_order)
    technician.post(f"/api/v1/work-orders/{wo['id']}/actions/accept", json={})
    technician.post(f"/api/v1/work-orders/{wo['id']}/actions/arrive", json={})
    body = {"kind": "note", "text": "Filter clogged", "minutes": 15}
    headers = {"Idempotency-Key": "8c1f3a52-offline-1"}

    first = technician.post(f"/api/v1/work-orders/{wo['id']}/logs", json=body, headers=headers)
    again = technician.post(f"/api/v1/work-orders/{wo['id']}/logs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _count(app, Log, work_order_id=wo["id"]) == 1
    assert _count(app, Event, work_order_id=wo["id"], action="log_added") == 1


def test_a_replayed_action_does_not_move_the_job_twice(app, dispatcher, technician, world, new_work_order):
    wo = _assigned(dispatcher, world, new_work_order)
    headers = {"Idempotency-Key": "accept-once"}
    first = technician.post(f"/api/v1/work-orders/{wo['id']}/actions/accept", json={}, headers=headers)
    again = technician.post(f"/api/v1/work-orders/{wo['id']}/actions/accept", json={}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json["version"] == first.json["version"]
    # Without the key the same request is a new one, and the status machine refuses it.
    assert technician.post(f"/api/v1/work-orders/{wo['id']}/actions/accept", json={}).status_code == 409
    assert _count(app, Event, work_order_id=wo["id"], action="accept") == 1


def test_replay_survives_a_restart(app, dispatcher, make_app):
    headers = {"Idempotency-Key": "customer-before-restart"}
    first = dispatcher.post("/api/v1/customers", json={"name": "Replay Deli"}, headers=headers)
    assert first.status_code == 201

    restarted = make_app()  # a new process on the same database
    client = ApiClient(restarted.test_client())
    assert client.login("dispatcher@example.com").status_code == 200
    again = client.post("/api/v1/customers", json={"name": "Replay Deli"}, headers=headers)
    assert again.status_code == 201 and again.json == first.json
    assert _count(app, Customer, name="Replay Deli") == 1


def test_keys_belong_to_their_user(app, dispatcher, client_for, world):
    headers = {"Idempotency-Key": "shared-key"}
    admin = client_for(world.admin_email)
    assert dispatcher.post("/api/v1/customers", json={"name": "Mine"}, headers=headers).status_code == 201
    theirs = admin.post("/api/v1/customers", json={"name": "Theirs"}, headers=headers)
    assert theirs.status_code == 201 and theirs.json["name"] == "Theirs"
    assert _count(app, Customer) == 3  # the world's customer and these two


def test_a_key_reused_for_another_request_is_refused(app, dispatcher):
    headers = {"Idempotency-Key": "one-request-only"}
    assert dispatcher.post("/api/v1/customers", json={"name": "First"}, headers=headers).status_code == 201
    other = dispatcher.post("/api/v1/technicians", json={"name": "X"}, headers=headers)
    assert other.status_code == 422
    assert other.json["error"]["code"] == "validation_error"
    assert "Idempotency-Key" in other.json["error"]["fields"]


def test_a_refused_first_attempt_is_replayed_as_refused_and_changes_nothing(app, dispatcher):
    headers = {"Idempotency-Key": "bad-then-good"}
    bad = dispatcher.post("/api/v1/customers", json={"name": ""}, headers=headers)
    assert bad.status_code == 422
    again = dispatcher.post("/api/v1/customers", json={"name": "Now Valid"}, headers=headers)
    assert again.status_code == 422 and again.json == bad.json  # the first answer stands for that key
    assert _count(app, Customer, name="Now Valid") == 0


def test_csrf_refusals_are_not_remembered(app, dispatcher):
    headers = {"Idempotency-Key": "retry-after-csrf"}
    refused = dispatcher.http.post(
        "/api/v1/customers", json={"name": "Later"}, headers=headers | {"X-CSRF-Token": "wrong"}
    )
    assert refused.status_code == 403 and refused.json["error"]["code"] == "csrf_failed"
    assert dispatcher.post("/api/v1/customers", json={"name": "Later"}, headers=headers).status_code == 201


def test_an_overlong_key_is_refused(app, dispatcher):
    response = dispatcher.post("/api/v1/customers", json={"name": "Z"}, headers={"Idempotency-Key": "k" * 201})
    assert response.status_code == 422
    assert _count(app, Customer, name="Z") == 0
