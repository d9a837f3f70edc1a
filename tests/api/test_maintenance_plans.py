"""Preventive maintenance (保养): plans with an RFC 5545 rule, made into maintenance work orders
lead_days ahead, once per occurrence; pausing stops future occurrences only."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import MaintenanceOccurrence, MaintenancePlan, WorkOrder
from backend.scheduler import run_maintenance

# The test clock starts on Monday 2026-11-23 09:00 UTC (17:00 in Shanghai).


@pytest.fixture
def asset(dispatcher, world):
    body = {"model": "Daikin VRV-X", "serial": "VRV-77", "warranty_until": "2027-06-30"}
    response = dispatcher.post(f"/api/v1/customers/{world.customer_id}/assets", json=body)
    assert response.status_code == 201, response.json
    return response.json


def new_plan(dispatcher, asset, **overrides):
    body = {
        "asset_id": asset["id"],
        "title": "Quarterly service",
        "rrule": "FREQ=MONTHLY;INTERVAL=3",
        "starts_on": "2026-11-27",
        "required_skills": ["hvac"],
    }
    response = dispatcher.post("/api/v1/maintenance-plans", json={**body, **overrides})
    assert response.status_code == 201, response.json
    return response.json


def maintenance_jobs(app) -> list[WorkOrder]:
    with app.app_context():
        return list(db.session.scalars(select(WorkOrder).where(WorkOrder.type == "maintenance").order_by(WorkOrder.id)))


def test_a_plan_makes_one_job_lead_days_before_each_occurrence(app, dispatcher, asset, clock):
    plan = new_plan(dispatcher, asset)
    assert (plan["next_occurs_on"], plan["next_create_on"], plan["lead_days"]) == ("2026-11-27", "2026-11-20", 7)

    first = run_maintenance(app)
    assert (first.checked, first.created, first.failed) == (1, 1, 0)
    again = run_maintenance(app)  # the same day again: nothing due
    assert (again.checked, again.created) == (0, 0)

    [job] = maintenance_jobs(app)
    assert (job.type, job.asset_id, job.warranty, job.priority, job.channel) == (
        "maintenance",
        asset["id"],
        "in_warranty",
        "normal",
        "app",
    )
    assert job.required_skills == ["hvac"]
    # Due on its day (the end of 2026-11-27 in Shanghai), so the overdue pass leaves it alone till then.
    assert job.response_due_at.isoformat() == "2026-11-27T16:00:00+00:00"

    detail = dispatcher.get(f"/api/v1/maintenance-plans/{plan['id']}").json
    assert [(o["occurs_on"], o["work_order"]["id"]) for o in detail["occurrences"]] == [("2026-11-27", job.id)]
    assert detail["next_occurs_on"] == "2027-02-27" and detail["upcoming"][:2] == ["2027-02-27", "2027-05-27"]
    timeline = dispatcher.get(f"/api/v1/work-orders/{job.id}").json["events"]
    assert timeline[0]["action"] == "created" and timeline[0]["actor"]["kind"] == "scheduler"
    assert timeline[0]["details"]["maintenance_plan_id"] == plan["id"]
    assert timeline[0]["details"]["occurs_on"] == "2026-11-27"

    # Three months on, seven days before the next occurrence: its job, and only its job.
    clock.advance(days=89)  # 2027-02-20
    assert run_maintenance(app).created == 1
    assert [j.response_due_at.date().isoformat() for j in maintenance_jobs(app)] == ["2026-11-27", "2027-02-27"]


def test_pausing_stops_future_occurrences_only(app, dispatcher, asset, clock):
    plan = new_plan(dispatcher, asset, rrule="FREQ=WEEKLY;BYDAY=MO", starts_on="2026-11-23", lead_days=2)
    run_maintenance(app)  # Monday 23 (today) and Wednesday's lead covers nothing else
    assert len(maintenance_jobs(app)) == 1
    paused = dispatcher.patch(f"/api/v1/maintenance-plans/{plan['id']}", json={"active": False})
    assert paused.status_code == 200 and paused.json["active"] is False

    clock.advance(days=14)
    dispatcher.login("dispatcher@example.com")
    assert run_maintenance(app).created == 0
    assert len(maintenance_jobs(app)) == 1  # the job made before the pause stays
    assert dispatcher.get(f"/api/v1/maintenance-plans/{plan['id']}").json["upcoming"] == []

    resumed = dispatcher.patch(f"/api/v1/maintenance-plans/{plan['id']}", json={"active": True}).json
    assert resumed["next_occurs_on"] == "2026-12-07"  # today's occurrence: the missed ones are not made up
    assert run_maintenance(app).created == 1
    with app.app_context():
        days = db.session.scalars(select(MaintenanceOccurrence.occurs_on).order_by(MaintenanceOccurrence.occurs_on))
        assert [d.isoformat() for d in days] == ["2026-11-23", "2026-12-07"]


@pytest.mark.parametrize(
    ("rrule", "why"),
    [
        ("FREQ=HOURLY", "more than daily"),
        ("FREQ=MINUTELY;INTERVAL=30", "more than daily"),
        ("FREQ=DAILY;BYHOUR=8,14", "more than daily"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never occurs"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31", "never occurs"),
        ("FREQ=MONTHLY;UNTIL=20250101", "never occurs"),
        ("FREQ=MONTHLY;COUNT=0", "never occurs"),
        ("FREQ=FORTNIGHTLY", "RFC 5545"),
        ("DTSTART:20260101\nRRULE:FREQ=DAILY", "one RRULE"),
    ],
)
def test_a_rule_that_never_occurs_or_occurs_more_than_daily_is_422(app, dispatcher, asset, rrule, why):
    response = dispatcher.post(
        "/api/v1/maintenance-plans",
        json={"asset_id": asset["id"], "title": "Service", "rrule": rrule, "starts_on": "2026-12-01"},
    )
    assert response.status_code == 422, response.json
    assert why in response.json["error"]["fields"]["rrule"][0]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MaintenancePlan)) == 0


def test_bad_plans_are_422_and_staff_only(dispatcher, technician, asset, world):
    base = {"asset_id": asset["id"], "title": "Service", "rrule": "FREQ=MONTHLY", "starts_on": "2026-12-01"}
    for change, field in (
        ({"asset_id": 999}, "asset_id"),
        ({"lead_days": -1}, "lead_days"),
        ({"lead_days": 400}, "lead_days"),
        ({"priority": "whenever"}, "priority"),
        ({"starts_on": "next week"}, "starts_on"),
        ({"title": " "}, "title"),
    ):
        response = dispatcher.post("/api/v1/maintenance-plans", json={**base, **change})
        assert response.status_code == 422 and field in response.json["error"]["fields"], (change, response.json)
    plan = new_plan(dispatcher, asset)
    bad = dispatcher.patch(f"/api/v1/maintenance-plans/{plan['id']}", json={"rrule": "FREQ=SECONDLY"})
    assert bad.status_code == 422
    assert dispatcher.get(f"/api/v1/maintenance-plans/{plan['id']}").json["rrule"] == "FREQ=MONTHLY;INTERVAL=3"
    assert technician.post("/api/v1/maintenance-plans", json=base).status_code == 403
    assert technician.get("/api/v1/maintenance-plans").status_code == 403
    assert dispatcher.get("/api/v1/maintenance-plans/999").status_code == 404
    listed = dispatcher.get(f"/api/v1/maintenance-plans?asset_id={asset['id']}").json
    assert [p["id"] for p in listed["items"]] == [plan["id"]]
    assert dispatcher.get(f"/api/v1/assets/{asset['id']}").json["maintenance_plans"][0]["id"] == plan["id"]


def test_the_command_runs_one_pass_as_of_a_given_time(app, dispatcher, asset):
    new_plan(dispatcher, asset, starts_on="2027-01-10", rrule="FREQ=YEARLY")
    runner = app.test_cli_runner()
    early = runner.invoke(args=["create-maintenance", "--now", "2026-12-01T00:00:00Z"])
    assert early.exit_code == 0, early.output
    assert json.loads(early.output.strip().splitlines()[-1])["created"] == 0
    due = runner.invoke(args=["create-maintenance", "--now", "2027-01-03T02:00:00Z"])  # 10:00 on the 3rd in Shanghai
    assert json.loads(due.output.strip().splitlines()[-1])["created"] == 1
    again = runner.invoke(args=["create-maintenance", "--now", "2027-01-04T02:00:00Z"])
    assert json.loads(again.output.strip().splitlines()[-1])["created"] == 0
    assert len(maintenance_jobs(app)) == 1


def test_an_occurrence_is_made_once_even_when_a_pass_finds_it_again(app, dispatcher, asset, clock):
    """The UNIQUE (plan_id, occurs_on) key, not the plan's bookkeeping, is what stops a second job: a
    pass that finds the plan pointing at an occurrence already made (as a second scheduler that read
    the plan before the first committed would) makes nothing."""
    plan = new_plan(dispatcher, asset)
    run_maintenance(app)
    with app.app_context():
        row = db.session.get(MaintenancePlan, plan["id"])
        row.next_occurs_on, row.next_create_on = date(2026, 11, 27), date(2026, 11, 20)
        db.session.commit()
    assert run_maintenance(app).created == 0
    assert len(maintenance_jobs(app)) == 1
