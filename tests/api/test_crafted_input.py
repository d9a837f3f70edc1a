"""Crafted input that used to reach the database or the JSON parser and come back as a 500: times
past year 9999 in UTC, lone surrogates, JSON nested thousands deep, odd digits in a query, a NUL in
a file name. Each is now the contract's 400 or 422, and nothing is written."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Attachment, Customer
from tests.helpers import image_bytes


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.is_json and response.json["error"]["code"] == code
    return response.json["error"]


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_time_whose_utc_value_leaves_years_1_to_9999_is_422(dispatcher, new_work_order, moment):
    wo = new_work_order()
    response = dispatcher.patch(f"/api/v1/work-orders/{wo['id']}", json={"response_due_at": moment, "version": 1})
    assert set(_error(response, 422, "validation_error")["fields"]) == {"response_due_at"}
    response = dispatcher.get(f"/api/v1/reports/kpis?from={moment.replace('+', '%2B')}&to=2026-11-24T00:00:00Z")
    _error(response, 422, "validation_error")


LONE_SURROGATE = '{"name": "Acme \\ud800 Ltd"}'


def test_a_lone_surrogate_in_any_text_is_refused(app, dispatcher, client_for, world):
    before = _count(app, Customer)
    headers = {"Content-Type": "application/json"}
    _error(dispatcher.post("/api/v1/customers", data=LONE_SURROGATE, headers=headers), 400, "bad_request")
    login = '{"email": "a\\udc00@example.com", "password": "x"}'
    _error(client_for().http.post("/api/v1/auth/login", data=login, headers=headers), 400, "bad_request")
    paired = '{"name": "Acme \\ud83d\\ude00 Ltd"}'  # a proper pair (an emoji) is fine
    assert dispatcher.post("/api/v1/customers", data=paired, headers=headers).json["name"] == "Acme \U0001f600 Ltd"
    assert _count(app, Customer) == before + 1


@pytest.mark.parametrize("depth", [100, 50_000])
def test_json_nested_too_deep_is_400_everywhere(dispatcher, client_for, depth):
    deep = "[" * depth + "]" * depth
    headers = {"Content-Type": "application/json"}
    _error(dispatcher.post("/api/v1/customers", data=deep, headers=headers), 400, "bad_request")
    _error(client_for().http.post("/api/v1/auth/login", data=deep, headers=headers), 400, "bad_request")
    _error(client_for().http.post("/api/v1/confirm/x", data=deep, headers=headers), 400, "bad_request")


def test_unicode_digits_in_the_stream_cursor_are_422(dispatcher):
    for value in ("²", "٣", "-1"):
        _error(dispatcher.get(f"/api/v1/events/stream?after={value}"), 422, "validation_error")
        _error(dispatcher.get(f"/api/v1/events?after={value}"), 422, "validation_error")


def test_a_file_name_with_nul_is_stored_without_it(app, dispatcher, technician, world, new_work_order):
    wo = new_work_order()
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    response = technician.post(
        f"/api/v1/work-orders/{wo['id']}/attachments",
        data={"file": (io.BytesIO(image_bytes()), "site\x00.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    with app.app_context():
        assert db.session.scalar(select(Attachment.original_name)) == "site.png"
