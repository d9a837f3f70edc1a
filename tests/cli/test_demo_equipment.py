"""The demo's new story: the demo technician's customers have machines (in warranty, under contract,
out of warranty, one with an earlier repair), a maintenance plan lists its next occurrence, the
price list charges the out-of-warranty job, the van has stock with one part low, and the day's
customers hear from us in their language by SMS or email."""

from __future__ import annotations

import json

from backend.domain.charges import update_price_list
from backend.domain.parts import create_part
from backend.extensions import db
from tests.cli.test_cli import run
from tests.cli.test_demo_story import OPEN, _demo_technician, _seed
from tests.conftest import ApiClient


def _staff(app, email: str = "admin@onsite.demo") -> ApiClient:
    client = ApiClient(app.test_client())
    assert client.login(email, "onsite-demo").status_code == 200
    return client


def _jobs_by_warranty(tech) -> dict:
    jobs = tech.get(f"/api/v1/work-orders?status={OPEN},completed,closed&per_page=200").json["items"]
    details = [tech.get(f"/api/v1/work-orders/{job['id']}").json for job in jobs]
    found: dict = {}
    for detail in details:
        found.setdefault(detail["warranty"], []).append(detail)
    return found


def test_the_demo_technician_sees_each_machines_warranty_and_the_repeat_flag(app, clock):
    _seed(app, clock)
    tech = _demo_technician(app)
    jobs = _jobs_by_warranty(tech)
    for warranty in ("in_warranty", "under_contract", "out_of_warranty"):
        assert jobs.get(warranty), warranty
        assert all(job["asset"] and job["asset"]["serial"] for job in jobs[warranty]), warranty
    repeat = [job for job in jobs["in_warranty"] if job["repeat_repair"]]
    assert len(repeat) == 1 and repeat[0]["earlier_repairs"] == 1 and repeat[0]["status"] == "assigned"
    earlier = [job for job in jobs["in_warranty"] if job["status"] == "closed"]
    assert earlier and earlier[0]["asset"]["id"] == repeat[0]["asset"]["id"]
    assert earlier[0]["signoff"]["record_valid"] is True
    created = next(event for event in repeat[0]["events"] if event["action"] == "created")
    assert created["details"]["repeat_repair"] is True and created["details"]["warranty"] == "in_warranty"

    out = jobs["out_of_warranty"][0]
    charges = tech.get(f"/api/v1/work-orders/{out['id']}/charges").json
    assert charges["chargeable"] is True and charges["currency"] == "CNY"
    assert charges["lines"][0]["kind"] == "callout" and charges["lines"][0]["amount"] == 15000
    contract = jobs["under_contract"][0]
    assert tech.get(f"/api/v1/work-orders/{contract['id']}/charges").json["chargeable"] is False


def test_the_price_list_the_plans_and_the_stock_are_there(app, clock):
    _seed(app, clock)
    admin = _staff(app)
    prices = admin.get("/api/v1/price-list").json
    assert (prices["callout_fee"], prices["labour_per_hour"]) == (15000, 12000)
    parts = admin.get("/api/v1/parts?per_page=50").json["items"]
    assert len(parts) == 5 and all(part["price"] > 0 for part in parts)

    plans = admin.get("/api/v1/maintenance-plans").json["items"]
    assert {plan["title"] for plan in plans} == {"Quarterly chiller service", "Annual electrical safety inspection"}
    chiller = next(plan for plan in plans if plan["title"] == "Quarterly chiller service")
    detail = admin.get(f"/api/v1/maintenance-plans/{chiller['id']}").json
    assert detail["asset"]["model"] == "Carrier 30XA chiller"
    (made,) = detail["occurrences"]  # the first visit is within the lead time: its job is there
    assert made["occurs_on"] > clock.now.date().isoformat()
    job = admin.get(f"/api/v1/work-orders/{made['work_order']['id']}").json
    assert (job["type"], job["status"], job["warranty"]) == ("maintenance", "new", "under_contract")
    assert job["title"] == "Quarterly chiller service"
    assert detail["next_occurs_on"] > made["occurs_on"] and detail["upcoming"][0] == detail["next_occurs_on"]

    tech = _demo_technician(app)
    van = tech.get("/api/v1/stock").json["items"]
    assert len(van) == 5 and {row["location"]["kind"] for row in van} == {"van"}
    assert [row["part"]["sku"] for row in van if row["low"]] == ["CAP-35UF"]
    warehouse = admin.get("/api/v1/stock?low=true").json["items"]
    assert [row["location"]["kind"] for row in warehouse] == ["van"], "the warehouse is well stocked"


def test_the_days_customers_have_a_language_and_a_channel(app, clock):
    _seed(app, clock)
    tech = _demo_technician(app)
    dispatcher = _staff(app, "dispatcher@onsite.demo")
    jobs = tech.get(f"/api/v1/work-orders?status={OPEN}&per_page=200").json["items"]
    seen = set()
    for job in jobs:
        customer = dispatcher.get(f"/api/v1/customers/{job['customer']['id']}").json
        seen.add((customer["language"], customer["preferred_channel"], bool(customer["email"])))
    assert ("zh-CN", "sms", False) in seen and ("en", "email", True) in seen


def test_no_maintenance_job_is_due_right_after_seeding(app, clock):
    _seed(app, clock)
    result = run(app, "create-maintenance", "--now", clock.now.isoformat())
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["created"] == 0, summary


def test_seeding_beside_existing_prices_and_parts_leaves_them_as_they_are(app, clock):
    with app.app_context():
        update_price_list(db.session, {"callout_fee": 9000, "labour_per_hour": 10000}, None, clock.now, "CNY")
        create_part(db.session, {"sku": "CAP-35UF", "name": "Our capacitor", "price": 4100}, clock.now)
        db.session.commit()
    _seed(app, clock)
    admin = _staff(app)
    assert admin.get("/api/v1/price-list").json["callout_fee"] == 9000
    parts = {part["sku"]: part for part in admin.get("/api/v1/parts?per_page=50").json["items"]}
    assert len(parts) == 5 and (parts["CAP-35UF"]["name"], parts["CAP-35UF"]["price"]) == ("Our capacitor", 4100)
    van = _demo_technician(app).get("/api/v1/stock").json["items"]
    assert len(van) == 5, "the van is stocked with the catalogue's own part"
