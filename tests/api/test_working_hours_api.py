"""Technicians' working hours through the API, and the company days an admin adds to the calendar."""

from __future__ import annotations

import pytest

from backend.extensions import db
from backend.models import CompanyDay, Technician

TECHNICIANS = "/api/v1/technicians"
COMPANY_DAYS = "/api/v1/company-days"
OFFICE = {"mon": ["08:00", "17:00"], "fri": ["22:00", "06:00"]}


def _new_technician(**extra) -> dict:
    return {"name": "Hana Hours", "email": "hana@example.com", "password": "password123",
            "home": {"lat": 31.23, "lon": 121.47}} | extra  # fmt: skip


def test_hours_are_kept_on_create_shown_in_list_and_detail_and_cleared_with_null(dispatcher):
    created = dispatcher.post(TECHNICIANS, json=_new_technician(hours=OFFICE))
    assert created.status_code == 201, created.json
    assert created.json["hours"] == OFFICE
    listed = {t["id"]: t for t in dispatcher.get(TECHNICIANS).json["items"]}
    assert listed[created.json["id"]]["hours"] == OFFICE
    path = f"{TECHNICIANS}/{created.json['id']}"
    changed = dispatcher.patch(path, json={"hours": {"sat": ["09:00", "12:00"]}})
    assert changed.status_code == 200, changed.json
    assert dispatcher.get(path).json["hours"] == {"sat": ["09:00", "12:00"]}
    assert dispatcher.patch(path, json={"hours": None}).json["hours"] is None


def test_a_technician_without_hours_shows_null(dispatcher, world):
    assert dispatcher.get(f"{TECHNICIANS}/{world.technician_id}").json["hours"] is None


@pytest.mark.parametrize(
    "hours",
    [
        {"monday": ["08:00", "17:00"]},
        {"mon": ["8:00", "17:00"]},
        {"mon": ["08:00", "25:00"]},
        {"mon": ["08:00"]},
        {"mon": ["08:00", "08:00"]},
        {"mon": "08:00-17:00"},
        ["mon"],
    ],
)
def test_malformed_hours_are_refused_naming_the_field_and_nothing_changes(app, dispatcher, world, hours):
    refused = dispatcher.patch(f"{TECHNICIANS}/{world.technician_id}", json={"hours": hours})
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "validation_error"
    assert "hours" in refused.json["error"]["fields"]
    with app.app_context():
        assert db.session.get(Technician, world.technician_id).hours is None
    assert dispatcher.post(TECHNICIANS, json=_new_technician(hours=hours)).status_code == 422


def test_an_admin_adds_lists_and_removes_company_days(client_for, world):
    admin = client_for(world.admin_email)
    holiday = admin.post(COMPANY_DAYS, json={"date": "2026-03-04", "kind": "holiday", "name": "Anniversary"})
    assert holiday.status_code == 201, holiday.json
    assert holiday.json | {"id": 0} == {"id": 0, "date": "2026-03-04", "kind": "holiday", "name": "Anniversary"}
    worked = admin.post(COMPANY_DAYS, json={"date": "2026-10-05", "kind": "working_day", "name": "Stocktaking"})
    assert worked.status_code == 201
    assert [d["date"] for d in admin.get(COMPANY_DAYS).json["items"]] == ["2026-03-04", "2026-10-05"]
    assert [d["date"] for d in admin.get(f"{COMPANY_DAYS}?from=2026-04-01").json["items"]] == ["2026-10-05"]
    assert admin.delete(f"{COMPANY_DAYS}/{holiday.json['id']}").status_code == 204
    assert [d["name"] for d in admin.get(COMPANY_DAYS).json["items"]] == ["Stocktaking"]
    assert admin.delete(f"{COMPANY_DAYS}/{holiday.json['id']}").status_code == 404


def test_one_company_day_a_date_and_bad_input_is_refused(app, client_for, world):
    admin = client_for(world.admin_email)
    assert admin.post(COMPANY_DAYS, json={"date": "2026-03-04", "kind": "holiday", "name": "A"}).status_code == 201
    again = admin.post(COMPANY_DAYS, json={"date": "2026-03-04", "kind": "working_day", "name": "B"})
    assert again.status_code == 409
    for body, field in (
        ({"date": "2026-03-05", "kind": "vacation", "name": "C"}, "kind"),
        ({"date": "5 March", "kind": "holiday", "name": "C"}, "date"),
        ({"date": "2026-03-05", "kind": "holiday", "name": " "}, "name"),
        ({"date": "2026-03-05", "kind": "holiday"}, "name"),
    ):
        refused = admin.post(COMPANY_DAYS, json=body)
        assert refused.status_code == 422 and field in refused.json["error"]["fields"], (body, refused.json)
    with app.app_context():
        assert db.session.query(CompanyDay).count() == 1


def test_dispatchers_read_company_days_and_only_admins_change_them(client_for, dispatcher, technician, world):
    admin = client_for(world.admin_email)
    made = admin.post(COMPANY_DAYS, json={"date": "2026-03-04", "kind": "holiday", "name": "Anniversary"}).json
    assert dispatcher.get(COMPANY_DAYS).status_code == 200
    assert dispatcher.post(COMPANY_DAYS, json={"date": "2026-03-05", "kind": "holiday", "name": "X"}).status_code == 403
    assert dispatcher.delete(f"{COMPANY_DAYS}/{made['id']}").status_code == 403
    assert technician.get(COMPANY_DAYS).status_code == 403
    assert client_for().get(COMPANY_DAYS).status_code == 401


def test_a_business_hours_sla_clock_skips_weekends_holidays_and_company_days(make_app, clock):
    """Normal jobs on a business clock (mon-fri 09:00-18:00 in Shanghai): a job taken in on
    Friday 6 March 2026 at 17:00 (09:00 UTC) with 2 business hours to respond is due on Monday at
    10:00, or on Tuesday when the company makes that Monday a holiday."""
    from datetime import UTC, datetime

    from backend.config import DEFAULT_SLA_POLICY
    from backend.domain.calendar import parse_business_hours
    from tests.conftest import ApiClient
    from tests.factories import make_world

    business = {"respond": 120, "resolve": 600, "clock": "business", "timezone": "Asia/Shanghai",
                "business_hours": parse_business_hours("mon-fri 09:00-18:00")}  # fmt: skip
    app = make_app(SLA_POLICY=DEFAULT_SLA_POLICY | {"normal": business})
    world = make_world(app)
    clock.now = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    dispatcher, admin = ApiClient(app.test_client()), ApiClient(app.test_client())
    dispatcher.login(world.dispatcher_email)
    admin.login(world.admin_email)
    body = {"customer_id": world.customer_id, "title": "Leaking tap", "priority": "normal", "channel": "phone",
            "location": {"lat": 31.23, "lon": 121.47}}  # fmt: skip
    first = dispatcher.post("/api/v1/work-orders", json=body).json
    assert (first["response_due_at"], first["resolve_due_at"]) == ("2026-03-09T02:00:00Z", "2026-03-09T10:00:00Z")
    admin.post(COMPANY_DAYS, json={"date": "2026-03-09", "kind": "holiday", "name": "Stocktaking"})
    second = dispatcher.post("/api/v1/work-orders", json=body).json
    assert second["response_due_at"] == "2026-03-10T02:00:00Z"
