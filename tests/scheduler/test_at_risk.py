"""The pass moves late and at-risk jobs by projected arrival: never to a later arrival, only for a
clear gain, not twice within the dwell time, never back to whoever held it (both databases)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.extensions import db
from backend.models import Event
from backend.scheduler import run_pass
from tests.conftest import START
from tests.factories import add_technician
from tests.scheduler.test_reassignment import north


def lift_job(new_work_order, **overrides):
    return new_work_order(required_skills=["elevators"], priority="high", **overrides)


def techs(app, *specs) -> dict:
    with app.app_context():
        return {name: add_technician(f"{name}@example.com", skills=["elevators"], home=north(km), name=name).id
                for name, km in specs}  # fmt: skip


def give(dispatcher, client_for, wo, technician_id, name, *actions):
    assert (
        dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": technician_id}).status_code
        == 200
    )
    for action in actions:
        assert (
            client_for(f"{name}@example.com").post(f"/api/v1/work-orders/{wo['id']}/actions/{action}").status_code
            == 200
        )


def holder(dispatcher, wo) -> int | None:
    technician = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["technician"]
    return technician and technician["id"]


def moves(app, wo) -> list[dict]:
    with app.app_context():
        query = select(Event).where(Event.work_order_id == wo["id"], Event.action == "auto_reassigned")
        return [e.details for e in db.session.scalars(query)]


def busy_with(dispatcher, client_for, new_work_order, technician_id, name, count, km=2):
    """`count` accepted urgent jobs: queued ahead of any high one."""
    for i in range(count):
        job = new_work_order(required_skills=["elevators"], priority="urgent", title=f"Queued {i}", location=north(km))
        give(dispatcher, client_for, job, technician_id, name, "accept")


def test_the_pass_sends_an_overdue_new_job_to_the_idle_technician_2_km_away_not_the_busy_one_1_km_away(
    app, dispatcher, client_for, new_work_order
):
    ids = techs(app, ("busy", 1), ("idle", 2))
    busy_with(dispatcher, client_for, new_work_order, ids["busy"], "busy", 2, km=1)
    wo = lift_job(new_work_order, response_due_at="2026-11-23T10:00:00Z")
    summary = run_pass(app, START + timedelta(hours=1, minutes=1))
    assert (summary.reassigned, summary.escalated) == (1, 0)
    assert holder(dispatcher, wo) == ids["idle"]
    [move] = moves(app, wo)
    assert move["to_technician_id"] == ids["idle"] and move["decided_by"] == "scheduler"
    assert move["arrival_at"].startswith("2026-11-23T10:06:1")  # 10:01 + 2 km x 1.3 at 30 km/h


def test_an_at_risk_job_moves_before_it_is_late_to_a_clearly_earlier_arrival(
    app, dispatcher, client_for, new_work_order
):
    ids = techs(app, ("loaded", 1), ("spare", 6))
    # urgent work ahead of the lift job: 45 min + 45 min + drives, so it reaches the site after 10:30
    for i in range(2):
        job = new_work_order(required_skills=["elevators"], priority="urgent", title=f"Urgent {i}", location=north(1))
        give(dispatcher, client_for, job, ids["loaded"], "loaded", "accept")
    wo = lift_job(new_work_order, response_due_at="2026-11-23T10:30:00Z")
    give(dispatcher, client_for, wo, ids["loaded"], "loaded", "accept")
    board = dispatcher.get("/api/v1/work-orders?status=accepted").json["items"]
    assert {w["id"]: w["at_risk"] for w in board}[wo["id"]] is True  # flagged on the board before it is late
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["at_risk"] is True

    # Assigned at 09:00: within the dwell time (30 min) nothing moves.
    assert run_pass(app, START + timedelta(minutes=20)).reassigned == 0
    summary = run_pass(app, START + timedelta(minutes=31))
    assert summary.reassigned == 1 and holder(dispatcher, wo) == ids["spare"]
    [move] = moves(app, wo)
    assert (move["from_technician_id"], move["reason"]) == (ids["loaded"], "at_risk")
    # never swapped back: the first holder is never a candidate again
    assert run_pass(app, START + timedelta(hours=1)).reassigned == 0
    assert holder(dispatcher, wo) == ids["spare"] and len(moves(app, wo)) == 1


def test_the_pass_never_moves_a_job_to_a_later_or_barely_earlier_arrival(app, dispatcher, client_for, new_work_order):
    ids = techs(app, ("holder", 3), ("later", 9), ("barely", 3.5))
    wo = lift_job(new_work_order)
    give(dispatcher, client_for, wo, ids["holder"], "holder", "accept")
    # 4 h 1 min: past its deadline, but the others arrive later or under 10 minutes earlier
    summary = run_pass(app, START + timedelta(hours=4, minutes=1))
    assert summary.reassigned == 0 and holder(dispatcher, wo) == ids["holder"]
    assert moves(app, wo) == []


def test_an_at_risk_job_nobody_can_reach_in_time_is_escalated_once(app, dispatcher, client_for, new_work_order):
    ids = techs(app, ("loaded", 1), ("far", 60))
    for i in range(2):
        job = new_work_order(required_skills=["elevators"], priority="urgent", title=f"Urgent {i}", location=north(1))
        give(dispatcher, client_for, job, ids["loaded"], "loaded", "accept")
    wo = lift_job(new_work_order, response_due_at="2026-11-23T10:30:00Z")
    give(dispatcher, client_for, wo, ids["loaded"], "loaded", "accept")
    first = run_pass(app, START + timedelta(minutes=31))
    second = run_pass(app, START + timedelta(minutes=32))
    assert (first.escalated, second.escalated, first.reassigned + second.reassigned) == (1, 0, 0)
    assert holder(dispatcher, wo) == ids["loaded"]
