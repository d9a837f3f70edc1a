"""Intake of a new caller: the customer and the work order are one transaction, and a caller who is
already a customer (same phone however typed, or same name) is found before a second one is made."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Customer, WorkOrder

JOB = {
    "title": "Washing machine leaks",
    "priority": "normal",
    "channel": "phone",
    "location": {"lat": 31.2304, "lon": 121.4737},
}


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        customers = db.session.scalar(select(func.count()).select_from(Customer))
        work_orders = db.session.scalar(select(func.count()).select_from(WorkOrder))
        return customers, work_orders


def test_a_new_caller_and_their_job_are_created_together(app, dispatcher, world):
    caller = {"name": "Zhou Min", "phone": "139 1234 5678", "address": "8 Huaihai Rd"}
    created = dispatcher.post("/api/v1/work-orders", json={**JOB, "customer": caller})
    assert created.status_code == 201, created.json
    assert created.json["customer"]["name"] == "Zhou Min" and created.json["address"] == "8 Huaihai Rd"
    detail = dispatcher.get(f"/api/v1/work-orders/{created.json['id']}").json
    assert detail["events"][0]["details"]["new_customer_id"] == created.json["customer"]["id"]
    assert _counts(app) == (2, 1)


def test_a_refused_job_leaves_no_customer_behind_however_often_it_is_tried(app, dispatcher, world):
    caller = {"name": "Zhou Min", "phone": "139 1234 5678"}
    for _ in range(2):  # the desk tries again after the first refusal
        refused = dispatcher.post(
            "/api/v1/work-orders", json={**JOB, "customer": caller, "required_skills": ["air conditioning repair"]}
        )
        assert refused.status_code == 422 and "required_skills.0" in refused.json["error"]["fields"]
    late = dispatcher.post(
        "/api/v1/work-orders",
        json={
            **JOB,
            "customer": caller,
            "response_due_at": "2026-11-25T09:00:00Z",
            "resolve_due_at": "2026-11-24T09:00:00Z",  # before the response: refused after the customer was made
        },
    )
    assert late.status_code == 422 and "resolve_due_at" in late.json["error"]["fields"]
    assert _counts(app) == (1, 0)  # only the world's own customer


def test_customer_id_or_a_new_customer_but_one_of_them(dispatcher, world):
    for body in ({**JOB}, {**JOB, "customer_id": world.customer_id, "customer": {"name": "Zhou Min"}}):
        response = dispatcher.post("/api/v1/work-orders", json=body)
        assert response.status_code == 422 and "customer_id" in response.json["error"]["fields"]


def test_a_known_phone_typed_another_way_finds_the_customer_instead_of_a_second_one(app, dispatcher, world):
    # The world's customer is "Acme Bakery", +86 21 5555 0101.
    matches = dispatcher.get("/api/v1/customers/matches?phone=021-5555-0101").json["items"]
    assert [c["id"] for c in matches] == [world.customer_id]
    again = dispatcher.post("/api/v1/work-orders", json={**JOB, "customer": {"name": "Acme", "phone": "2155550101"}})
    assert again.status_code == 409 and "Acme Bakery" in again.json["error"]["message"]
    assert _counts(app) == (1, 0)


def test_an_exact_name_without_a_phone_is_a_likely_match_too(app, dispatcher, world):
    matches = dispatcher.get("/api/v1/customers/matches?name=%20acme%20bakery").json["items"]
    assert [c["name"] for c in matches] == ["Acme Bakery"]
    again = dispatcher.post("/api/v1/work-orders", json={**JOB, "customer": {"name": "Acme Bakery"}})
    assert again.status_code == 409
    assert _counts(app) == (1, 0)


def test_the_desk_may_confirm_that_a_namesake_is_someone_else(app, dispatcher, world):
    body = {**JOB, "customer": {"name": "Acme Bakery", "phone": "138 0000 0000", "confirm_new": True}}
    created = dispatcher.post("/api/v1/work-orders", json=body)
    assert created.status_code == 201 and created.json["customer"]["id"] != world.customer_id
    assert _counts(app) == (2, 1)


def test_customer_search_finds_a_phone_however_it_is_typed(dispatcher, world):
    for q in ("5555 0101", "02155550101", "+86-21-5555-0101", "acme"):
        items = dispatcher.get(f"/api/v1/customers?q={q}").json["items"]
        assert [c["id"] for c in items] == [world.customer_id], q
    assert dispatcher.get("/api/v1/customers?q=5555 0199").json["items"] == []


def test_matches_are_for_staff_only(client_for, technician, world):
    assert technician.get("/api/v1/customers/matches?name=Acme").status_code == 403
    assert client_for().get("/api/v1/customers/matches?name=Acme").status_code == 401


def test_demo_customers_are_found_by_phone(app, dispatcher):
    app.test_cli_runner().invoke(args=["seed-demo", "--technicians", "3", "--work-orders", "20", "--seed", "4"])
    with app.app_context():
        customer = db.session.scalars(select(Customer).where(Customer.phone.like("+86 21%"))).first()
    digits = customer.phone.replace("+86 21 ", "021-").replace(" ", "")
    assert customer.id in [c["id"] for c in dispatcher.get(f"/api/v1/customers/matches?phone={digits}").json["items"]]
