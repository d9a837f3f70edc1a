"""AUTO_ASSIGN: a new job goes at once to the earliest arrival, as the scheduler's assignment."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import Event, Notification, Technician
from tests.factories import add_technician
from tests.scheduler.test_reassignment import north


@pytest.fixture
def app(make_app, request):
    """The suite's app with AUTO_ASSIGN as the test names it (indirect parameter; default urgent)."""
    return make_app(AUTO_ASSIGN=getattr(request, "param", "urgent"))


def _intake(app, dispatcher_client, world, priority, skills=("elevators",)):
    body = {"customer_id": world.customer_id, "title": "Lift stuck", "priority": priority, "channel": "phone",
            "required_skills": list(skills), "location": north(0)}  # fmt: skip
    response = dispatcher_client.post("/api/v1/work-orders", json=body)
    assert response.status_code == 201, response.json
    return response.json


@pytest.mark.parametrize("app, high_assigned", [("urgent", False), ("all", True)], indirect=["app"])
def test_a_new_job_goes_to_the_earliest_arrival_at_intake(app, world, client_for, high_assigned):
    with app.app_context():
        near = add_technician("near@example.com", skills=["elevators"], home=north(1)).id
        add_technician("far@example.com", skills=["elevators"], home=north(5))
    desk = client_for(world.dispatcher_email)
    urgent = _intake(app, desk, world, "urgent")
    assert urgent["status"] == "assigned" and urgent["technician"]["id"] == near
    with app.app_context():
        [event] = db.session.scalars(select(Event).where(Event.work_order_id == urgent["id"], Event.action == "assign"))
        assert event.actor_kind == "scheduler"
        assert event.details["to_technician_id"] == near and event.details["decided_by"] == "scheduler"
        assert event.details["reason"] == "auto_assign" and event.details["arrival_at"].startswith("2026-11-23T09:02")
        user_id = db.session.get(Technician, near).user_id
        [note] = db.session.scalars(select(Notification).where(Notification.user_id == user_id))
        assert note.kind == "assigned" and "assigned to you by the scheduler" in note.message
    high = _intake(app, desk, world, "high")
    assert (high["status"] == "assigned") is high_assigned


@pytest.mark.parametrize("app", ["all"], indirect=True)
def test_nobody_qualified_leaves_it_new(app, world, client_for):
    wo = _intake(app, client_for(world.dispatcher_email), world, "urgent", skills=("submarines",))
    assert wo["status"] == "new" and wo["technician"] is None


@pytest.mark.parametrize("app", ["off"], indirect=True)
def test_off_assigns_nothing(app, world, client_for):
    with app.app_context():
        add_technician("near@example.com", skills=["elevators"], home=north(1))
    assert _intake(app, client_for(world.dispatcher_email), world, "urgent")["status"] == "new"
