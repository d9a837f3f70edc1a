"""Charges on SQLite and PostgreSQL: the price list (admins; negative prices 422, nothing written),
a chargeable job's charges from its logged time and parts (call-out, labour in started blocks,
parts at their price), frozen at completion and signed for (the record hash covers them, and the
hash of a job signed without charges stays what it was), payment recorded once with an event."""

from __future__ import annotations

import pytest

from backend.domain.signoff import completion_record, current_record_hash, record_hash
from tests.helpers import signature_data_url

PRICES = {
    "callout_fee": 5000,
    "labour_per_hour": 12000,
    "labour_block_minutes": 15,
    "parts": [{"sku": "CAP-35UF", "name": "启动电容 35µF", "unit_price": 3550}],
}


@pytest.fixture
def admin(client_for, world):
    return client_for(world.admin_email)


@pytest.fixture
def priced(admin):
    response = _put(admin, PRICES)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def on_site(dispatcher, technician, world, new_work_order):
    """`on_site()` → a job the world's technician is at, 40 minutes and two capacitors logged."""

    def make(**overrides) -> dict:
        wo = new_work_order(**overrides)
        url = f"/api/v1/work-orders/{wo['id']}"
        assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
        for action in ("accept", "arrive"):
            assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
        assert (
            technician.post(f"{url}/logs", json={"kind": "fix", "text": "Capacitor", "minutes": 40}).status_code == 201
        )
        parts = [{"sku": "CAP-35UF", "name": "Capacitor", "qty": 2}, {"sku": "GAS-R32", "name": "R32", "qty": 0.5}]
        assert technician.post(f"{url}/logs", json={"kind": "part", "parts": parts}).status_code == 201
        return wo

    return make


def _put(client, body):
    """PUT as the PWA sends it (the test client knows GET, POST, PATCH and DELETE)."""
    return client.http.put("/api/v1/price-list", json=body, headers={"X-CSRF-Token": client.csrf})


def test_admins_set_the_price_list_others_read_it(admin, dispatcher, technician, app):
    before = technician.get("/api/v1/price-list").json
    assert before["configured"] is False and before["currency"] == "CNY" and before["parts"] == []

    response = _put(admin, PRICES)
    assert response.status_code == 200, response.json
    assert response.json["configured"] is True
    assert response.json["parts"] == [{"sku": "CAP-35UF", "name": "启动电容 35µF", "unit_price": 3550}]
    assert dispatcher.get("/api/v1/price-list").json["labour_per_hour"] == 12000
    assert _put(dispatcher, PRICES).status_code == 403
    assert _put(technician, PRICES).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"callout_fee": -1}, "callout_fee"),
        ({"labour_per_hour": -100}, "labour_per_hour"),
        ({"parts": [{"sku": "X", "name": "X", "unit_price": -5}]}, "parts.0.unit_price"),
        ({"labour_block_minutes": 0}, "labour_block_minutes"),
        ({"callout_fee": 1.5}, "callout_fee"),
    ],
)
def test_a_negative_price_is_422_and_nothing_is_written(admin, change, field):
    response = _put(admin, PRICES | change)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert admin.get("/api/v1/price-list").json["configured"] is False


def test_the_same_sku_twice_is_422(admin):
    parts = [{"sku": "A", "name": "A", "unit_price": 1}, {"sku": "A", "name": "A", "unit_price": 2}]
    response = _put(admin, PRICES | {"parts": parts})
    assert response.status_code == 422
    assert "parts.1.sku" in response.json["error"]["fields"]


def test_a_chargeable_job_turns_time_and_parts_into_charges(priced, technician, on_site):
    wo = on_site()
    charges = technician.get(f"/api/v1/work-orders/{wo['id']}/charges").json
    assert charges["chargeable"] is True and charges["reason"] == "unknown" and charges["state"] == "estimate"
    lines = {(line["kind"], line["sku"]): line for line in charges["lines"]}
    assert lines[("callout", None)]["amount"] == 5000
    assert lines[("labour", None)]["quantity"] == 45  # 40 minutes in started 15-minute blocks
    assert lines[("labour", None)]["amount"] == 9000
    assert lines[("part", "CAP-35UF")]["quantity"] == 2 and lines[("part", "CAP-35UF")]["amount"] == 7100
    assert lines[("part", "GAS-R32")]["amount"] == 0  # no price for it yet: shown, charged 0
    assert charges["unpriced_skus"] == ["GAS-R32"]
    assert charges["total"] == 5000 + 9000 + 7100
    assert charges["currency"] == "CNY"


def test_nothing_is_charged_without_a_price_list_or_in_warranty(admin, technician, on_site, app):
    from backend.extensions import db
    from backend.models import WorkOrder

    wo = on_site()
    url = f"/api/v1/work-orders/{wo['id']}/charges"
    assert technician.get(url).json == technician.get(url).json | {"chargeable": False, "reason": "no_price_list"}
    _put(admin, PRICES)
    with app.app_context():
        db.session.get(WorkOrder, wo["id"]).warranty = "in_warranty"
        db.session.commit()
    charges = technician.get(url).json
    assert charges["chargeable"] is False and charges["reason"] == "in_warranty"
    assert charges["lines"] == [] and charges["total"] == 0


def test_charges_freeze_at_completion_and_the_customer_signs_for_them(admin, priced, technician, on_site, app):
    from backend.extensions import db
    from backend.models import WorkOrder

    wo = on_site()
    url = f"/api/v1/work-orders/{wo['id']}"
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Fixed", "first_time_fix": True})
    assert done.status_code == 200
    frozen = technician.get(f"{url}/charges").json
    assert frozen["state"] == "final" and frozen["total"] == 21100

    # New prices change nothing already completed.
    assert _put(admin, PRICES | {"callout_fee": 99900}).status_code == 200
    assert technician.get(f"{url}/charges").json["total"] == 21100

    signed = technician.post(f"{url}/signoff", json={"signer_name": "Mrs Li", "signature": signature_data_url()})
    assert signed.status_code == 201
    detail = technician.get(url).json
    assert detail["signoff"]["record_valid"] is True
    with app.app_context():
        job = db.session.get(WorkOrder, wo["id"])
        record = completion_record(db.session, job)
        assert record["charges"]["total"] == 21100
        assert record_hash(record) == detail["signoff"]["record_hash"]
    events = [e for e in detail["events"] if e["action"] == "complete"]
    assert events[-1]["details"]["charges_total"] == 21100


def test_a_job_without_charges_keeps_the_record_it_had(technician, on_site, app):
    """No price list: no frozen charges, no `charges` key, the record (and any stored hash) as before."""
    from backend.extensions import db
    from backend.models import WorkOrder

    wo = on_site()
    url = f"/api/v1/work-orders/{wo['id']}"
    technician.post(f"{url}/actions/complete", json={"resolution": "Fixed", "first_time_fix": True})
    technician.post(f"{url}/signoff", json={"signer_name": "Mrs Li", "signature": signature_data_url()})
    with app.app_context():
        job = db.session.get(WorkOrder, wo["id"])
        record = completion_record(db.session, job)
        assert "charges" not in record
        assert current_record_hash(db.session, job) == technician.get(url).json["signoff"]["record_hash"]


def test_payment_on_site_once_with_an_event(priced, technician, dispatcher, on_site):
    wo = on_site()
    url = f"/api/v1/work-orders/{wo['id']}"
    early = technician.post(f"{url}/payment", json={"kind": "paid_on_site", "method": "cash", "amount": 100})
    assert early.status_code == 409  # not completed yet
    technician.post(f"{url}/actions/complete", json={"resolution": "Fixed", "first_time_fix": True})

    assert technician.post(f"{url}/payment", json={"kind": "paid_on_site", "amount": 21100}).status_code == 422
    negative = technician.post(f"{url}/payment", json={"kind": "paid_on_site", "method": "cash", "amount": -1})
    assert negative.status_code == 422 and "amount" in negative.json["error"]["fields"]
    assert technician.post(f"{url}/payment", json={"kind": "barter"}).status_code == 422

    paid = technician.post(f"{url}/payment", json={"kind": "paid_on_site", "method": "wechat_pay", "amount": 21100})
    assert paid.status_code == 201, paid.json
    assert paid.json["payment"]["kind"] == "paid_on_site" and paid.json["payment"]["method"] == "wechat_pay"
    assert paid.json["balance"] == 0
    again = dispatcher.post(f"{url}/payment", json={"kind": "invoiced"})
    assert again.status_code == 409
    events = [e for e in technician.get(url).json["events"] if e["action"] == "payment_recorded"]
    assert len(events) == 1
    assert events[0]["details"] | {"payment_id": 0} == {
        "payment_id": 0,
        "kind": "paid_on_site",
        "method": "wechat_pay",
        "amount": 21100,
        "currency": "CNY",
        "charges_total": 21100,
    }


def test_invoiced_later_by_the_office(priced, technician, dispatcher, on_site):
    wo = on_site()
    url = f"/api/v1/work-orders/{wo['id']}"
    technician.post(f"{url}/actions/complete", json={"resolution": "Fixed", "first_time_fix": True})
    invoiced = dispatcher.post(f"{url}/payment", json={"kind": "invoiced", "reference": "INV-2026-0042"})
    assert invoiced.status_code == 201, invoiced.json
    assert invoiced.json["payment"] | {"id": 0, "occurred_at": None, "recorded_at": None} == {
        "id": 0,
        "kind": "invoiced",
        "method": None,
        "amount": 21100,
        "currency": "CNY",
        "reference": "INV-2026-0042",
        "occurred_at": None,
        "recorded_at": None,
    }


def test_another_technician_sees_no_charges_and_pays_nothing(priced, client_for, world, on_site):
    wo = on_site()
    other = client_for(world.other_tech_email)
    assert other.get(f"/api/v1/work-orders/{wo['id']}/charges").status_code == 404
    body = {"kind": "paid_on_site", "method": "cash", "amount": 1}
    assert other.post(f"/api/v1/work-orders/{wo['id']}/payment", json=body).status_code == 404


def test_the_customer_sees_the_charges_on_the_confirmation_page(priced, technician, client_for, on_site):
    wo = on_site()
    url = f"/api/v1/work-orders/{wo['id']}"
    technician.post(f"{url}/actions/complete", json={"resolution": "Fixed", "first_time_fix": True})
    link = technician.post(f"{url}/confirmation-link").json
    token = link["url"].rsplit("/confirm/", 1)[1]
    page = client_for().get(f"/api/v1/confirm/{token}").json
    assert page["charges"]["total"] == 21100 and page["charges"]["currency"] == "CNY"
    assert [line["kind"] for line in page["charges"]["lines"]] == ["callout", "labour", "part", "part"]


def test_the_parts_catalogue_price_wins_over_the_price_list(priced, dispatcher, technician, on_site):
    """CAP-35UF is 35.50 in the price list and 40.00 in the catalogue: the catalogue's price is charged;
    GAS-R32, in neither until the catalogue lists it without a price, stays unpriced."""
    part = {"sku": "CAP-35UF", "name": "Capacitor 35uF", "price": 4000, "currency": "CNY"}
    assert dispatcher.post("/api/v1/parts", json=part).status_code == 201
    wo = on_site()
    charges = technician.get(f"/api/v1/work-orders/{wo['id']}/charges").json
    lines = {line["sku"]: line for line in charges["lines"] if line["kind"] == "part"}
    assert lines["CAP-35UF"]["unit_price"] == 4000 and lines["CAP-35UF"]["amount"] == 8000
    assert charges["unpriced_skus"] == ["GAS-R32"]
