"""Day plans over HTTP: propose (dispatcher, admin), look, apply in route order as the dispatcher's
assignments, skip what changed meanwhile, and the technician's jobs with their planned order."""

from __future__ import annotations

import pytest

from backend.extensions import db
from backend.models import Event, WorkOrder

DAY = "2026-11-24"  # Tuesday; the tests' clock is Monday 17:00 in Shanghai


@pytest.fixture
def jobs(new_work_order):
    """Four normal-priority jobs (due Tuesday 17:00 local): three hvac jobs, one plumbing."""
    made = [
        new_work_order(title=f"Heating {i}", priority="normal", location={"lat": 31.23 + i * 0.01, "lon": 121.47})
        for i in range(3)
    ]
    made.append(new_work_order(title="Leak", priority="normal", required_skills=["plumbing"]))
    return made


def _propose(client, **extra):
    return client.post("/api/v1/plans", json={"date": DAY, **extra})


def test_a_proposal_routes_each_job_to_a_qualified_technician_and_changes_nothing(dispatcher, world, jobs, app):
    response = _propose(dispatcher)
    assert response.status_code == 201, response.json
    plan = response.json
    routes = {r["technician_id"]: [s["work_order_id"] for s in r["stops"]] for r in plan["routes"]}
    assert sorted(routes[world.technician_id]) == [j["id"] for j in jobs[:3]]
    assert routes[world.other_technician_id] == [jobs[3]["id"]]
    assert plan["unplanned"] == [] and plan["km_total"] > 0 and plan["applied_at"] is None
    for route in plan["routes"]:
        assert route["km"] >= 0 and route["minutes"] >= 45 * len(route["stops"])
        for stop in route["stops"]:
            assert stop["arrive_at"].startswith(DAY) and stop["arrive_at"].endswith("Z")
    with app.app_context():
        assert {wo.status for wo in db.session.query(WorkOrder)} == {"new"}
    assert dispatcher.get(f"/api/v1/plans/{plan['id']}").json == plan


def test_only_staff_propose_and_apply(client_for, world, jobs):
    technician = client_for(world.tech_email)
    assert _propose(technician).status_code == 403
    admin = client_for(world.admin_email)
    created = _propose(admin)
    assert created.status_code == 201
    assert technician.get(f"/api/v1/plans/{created.json['id']}").status_code == 403
    assert technician.post(f"/api/v1/plans/{created.json['id']}/apply").status_code == 403
    assert client_for().post("/api/v1/plans", json={"date": DAY}).status_code == 401


def test_applying_assigns_in_route_order_with_events_notifications_and_planned_times(
    dispatcher, technician, world, jobs, app
):
    plan = _propose(dispatcher).json
    applied = dispatcher.post(f"/api/v1/plans/{plan['id']}/apply")
    assert applied.status_code == 200, applied.json
    assert sorted(applied.json["applied"]["assigned"]) == sorted(j["id"] for j in jobs)
    assert applied.json["applied"]["skipped"] == [] and applied.json["applied_at"] is not None

    [route] = [r for r in plan["routes"] if r["technician_id"] == world.technician_id]
    mine = technician.get("/api/v1/work-orders").json["items"]
    by_id = {wo["id"]: wo for wo in mine}
    for order, stop in enumerate(route["stops"], start=1):
        wo = by_id[stop["work_order_id"]]
        assert (wo["status"], wo["technician"]["id"]) == ("assigned", world.technician_id)
        assert (wo["planned_order"], wo["planned_at"]) == (order, stop["arrive_at"])
    with app.app_context():
        first = route["stops"][0]["work_order_id"]
        actions = [e.action for e in db.session.query(Event).filter_by(work_order_id=first).order_by(Event.id)]
        assert actions[-3:] == ["assign", "message_queued", "planned"]  # the customer hears who comes
    notes = technician.get("/api/v1/me/notifications").json["items"]
    assert {n["work_order_id"] for n in notes if n["kind"] == "assigned"} == set(by_id)


def test_a_job_changed_after_the_plan_is_skipped_and_listed(dispatcher, world, jobs):
    plan = _propose(dispatcher).json
    changed = jobs[0]
    url = f"/api/v1/work-orders/{changed['id']}"
    edit = dispatcher.patch(url, json={"title": "Heating, now two units", "version": 1})
    assert edit.status_code == 200, edit.json
    cancelled = jobs[1]
    url = f"/api/v1/work-orders/{cancelled['id']}/actions/cancel"
    gone = dispatcher.post(url, json={"reason": "customer fixed it"})
    assert gone.status_code == 200, gone.json

    applied = dispatcher.post(f"/api/v1/plans/{plan['id']}/apply").json["applied"]
    assert sorted(applied["assigned"]) == sorted([jobs[2]["id"], jobs[3]["id"]])
    assert sorted(applied["skipped"], key=lambda s: s["work_order_id"]) == [
        {"work_order_id": changed["id"], "reason": "it changed after the plan was made"},
        {"work_order_id": cancelled["id"], "reason": "it is cancelled now"},
    ]
    untouched = dispatcher.get(f"/api/v1/work-orders/{changed['id']}").json
    assert (untouched["status"], untouched["planned_order"]) == ("new", None)


def test_a_plan_is_applied_once(dispatcher, jobs):
    plan = _propose(dispatcher).json
    assert dispatcher.post(f"/api/v1/plans/{plan['id']}/apply").status_code == 200
    again = dispatcher.post(f"/api/v1/plans/{plan['id']}/apply")
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert dispatcher.post("/api/v1/plans/999/apply").status_code == 404


def test_a_job_given_to_someone_else_later_loses_its_planned_place(dispatcher, world, jobs):
    plan = _propose(dispatcher).json
    dispatcher.post(f"/api/v1/plans/{plan['id']}/apply")
    moved = jobs[3]["id"]  # the plumbing job, planned for the other technician
    response = dispatcher.post(f"/api/v1/work-orders/{moved}/assign", json={"technician_id": world.technician_id})
    assert response.status_code == 200, response.json
    assert (response.json["planned_order"], response.json["planned_at"]) == (None, None)


def test_a_job_its_technician_already_holds_keeps_its_assignment_and_gains_a_time(dispatcher, technician, world, jobs):
    held = jobs[0]["id"]
    dispatcher.post(f"/api/v1/work-orders/{held}/assign", json={"technician_id": world.technician_id})
    assert technician.post(f"/api/v1/work-orders/{held}/actions/accept", json={}).status_code == 200
    plan = _propose(dispatcher).json
    applied = dispatcher.post(f"/api/v1/plans/{plan['id']}/apply").json["applied"]
    assert applied["kept"] == [held]
    wo = technician.get(f"/api/v1/work-orders/{held}").json
    assert wo["status"] == "accepted" and wo["planned_order"] is not None


def test_bad_requests_are_refused_with_the_field(dispatcher, jobs):
    past = _propose(dispatcher, date="2026-11-01")
    assert past.status_code == 422 and "date" in past.json["error"]["fields"]
    unknown = _propose(dispatcher, technician_ids=[999])
    assert unknown.status_code == 422 and "technician_ids" in unknown.json["error"]["fields"]
    missing = dispatcher.post("/api/v1/plans", json={})
    assert missing.status_code == 422 and "date" in missing.json["error"]["fields"]
