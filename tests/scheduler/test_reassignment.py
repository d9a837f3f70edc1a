"""The overdue pass, through the CLI and the database, with `now` given and distances known."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.domain.reassignment import reassign_overdue
from backend.extensions import db
from backend.models import Event, Notification, Technician, WorkOrder
from backend.scheduler import job_transaction, pass_session, pass_settings, run_pass
from tests.conftest import START
from tests.factories import SITE, add_technician

KM_PER_DEGREE_LAT = 110.85  # near 31°N


def north(km: float) -> dict:
    return {"lat": SITE["lat"] + km / KM_PER_DEGREE_LAT, "lon": SITE["lon"]}


def lift_job(new_work_order, **overrides):
    """A high-priority lift repair at SITE: respond within 4 h, accept within 30 min."""
    return new_work_order(required_skills=["elevators"], priority="high", **overrides)


def technicians(app, *specs):
    """specs: (name, km north of SITE, skills, extra kwargs) → {name: technician id}."""
    ids = {}
    with app.app_context():
        for name, km, skills, extra in specs:
            ids[name] = add_technician(f"{name}@example.com", skills=skills, home=north(km), name=name, **extra).id
    return ids


def events_of(app, wo_id, action):
    with app.app_context():
        return db.session.scalars(select(Event).where(Event.work_order_id == wo_id, Event.action == action)).all()


def notifications_of(app, technician_id):
    with app.app_context():
        user_id = db.session.get(Technician, technician_id).user_id
        query = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
        return db.session.scalars(query).all()


def cli_pass(app, now) -> dict:
    result = app.test_cli_runner().invoke(args=["reassign-overdue", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_new_overdue_job_goes_to_the_nearest_technician_with_every_skill(app, new_work_order, dispatcher, client_for):
    ids = technicians(
        app,
        ("near_unskilled", 1, ["hvac"], {}),
        ("far_skilled", 12, ["elevators", "hvac"], {}),
        ("mid_skilled", 6, ["elevators"], {}),
        ("closest_off_shift", 0.5, ["elevators"], {"on_shift": False}),
        ("close_but_full", 2, ["elevators"], {"max_open_jobs": 1}),
    )
    busy = lift_job(new_work_order, title="Keeps the full technician busy")
    dispatcher.post(f"/api/v1/work-orders/{busy['id']}/assign", json={"technician_id": ids["close_but_full"]})
    full = client_for("close_but_full@example.com")
    for action in ("accept", "arrive"):  # on site elsewhere: still holds that job
        assert full.post(f"/api/v1/work-orders/{busy['id']}/actions/{action}").status_code == 200
    wo = lift_job(new_work_order)

    assert cli_pass(app, START + timedelta(hours=3, minutes=59))["checked"] == 0
    summary = cli_pass(app, START + timedelta(hours=4, minutes=1))
    assert {k: summary[k] for k in ("checked", "reassigned", "escalated")} == {
        "checked": 1,
        "reassigned": 1,
        "escalated": 0,
    }

    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["status"] == "assigned" and detail["technician"]["id"] == ids["mid_skilled"]
    [event] = [e for e in detail["events"] if e["action"] == "auto_reassigned"]
    assert event["details"]["from_technician_id"] is None
    assert event["details"]["to_technician_id"] == ids["mid_skilled"]
    assert event["details"]["reason"] == "response_overdue"
    assert event["details"]["distance_km"] == pytest.approx(6, abs=0.05)
    assert event["from_status"] == "new" and event["to_status"] == "assigned"
    assert event["occurred_at"] == "2026-11-23T13:01:00Z"
    [note] = notifications_of(app, ids["mid_skilled"])
    assert note.kind == "assigned" and wo["number"] in note.message


def test_not_due_yet_nothing_moves(app, new_work_order):
    technicians(app, ("skilled", 1, ["elevators"], {}))
    wo = lift_job(new_work_order)
    summary = cli_pass(app, START + timedelta(hours=4))  # exactly at the deadline: not yet late
    assert summary["checked"] == 0 and summary["reassigned"] == 0
    assert events_of(app, wo["id"], "auto_reassigned") == []


def test_unaccepted_job_moves_away_from_its_holder_and_both_are_told(app, new_work_order, dispatcher):
    ids = technicians(app, ("first", 1, ["elevators"], {}), ("second", 3, ["elevators"], {}))
    wo = lift_job(new_work_order)
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": ids["first"]})

    assert cli_pass(app, START + timedelta(minutes=30))["reassigned"] == 0  # 30 min: still in time
    assert cli_pass(app, START + timedelta(minutes=31))["reassigned"] == 1
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["technician"]["id"] == ids["second"]
    [event] = [e for e in detail["events"] if e["action"] == "auto_reassigned"]
    assert event["details"]["from_technician_id"] == ids["first"]
    assert event["details"]["reason"] == "not_accepted"
    # the first heard of the dispatcher's assignment, then of the move; the second of the move
    assert [n.kind for n in notifications_of(app, ids["first"])] == ["assigned", "unassigned"]
    assert [n.kind for n in notifications_of(app, ids["second"])] == ["assigned"]

    # The second technician does not accept either: the first held it before, so nobody is left.
    summary = cli_pass(app, START + timedelta(minutes=62))
    assert summary["reassigned"] == 0 and summary["escalated"] == 1
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["technician"]["id"] == ids["second"]


def test_decliner_is_never_chosen_again(app, new_work_order, dispatcher, client_for):
    ids = technicians(app, ("decliner", 0.5, ["elevators"], {}), ("second_choice", 8, ["elevators"], {}))
    wo = lift_job(new_work_order)
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": ids["decliner"]})
    declined = client_for("decliner@example.com").post(
        f"/api/v1/work-orders/{wo['id']}/actions/decline", json={"reason": "No lift certificate"}
    )
    assert declined.status_code == 200, declined.json
    cli_pass(app, START + timedelta(hours=5))
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["technician"]["id"] == ids["second_choice"]


def test_stale_location_falls_back_to_home(app, new_work_order, dispatcher, client_for, clock):
    ids = technicians(app, ("pinged", 20, ["elevators"], {}), ("homebody", 5, ["elevators"], {}))
    pinged = client_for("pinged@example.com")
    assert pinged.post("/api/v1/me/location", json=SITE).status_code == 204  # right at the site, at START
    wo = lift_job(new_work_order, response_due_at="2026-11-23T09:20:00Z")

    cli_pass(app, START + timedelta(minutes=25))  # the ping is 25 min old: fresh
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["technician"]["id"] == ids["pinged"]

    other = lift_job(new_work_order, response_due_at="2026-11-23T09:30:00Z")
    cli_pass(app, START + timedelta(minutes=31))  # 31 min old: stale, so home (20 km) loses to 5 km
    assert dispatcher.get(f"/api/v1/work-orders/{other['id']}").json["technician"]["id"] == ids["homebody"]


def test_nobody_qualified_escalates_once_then_assigns_when_someone_comes_on_shift(app, new_work_order, dispatcher):
    ids = technicians(app, ("resting", 1, ["elevators"], {"on_shift": False}))
    wo = lift_job(new_work_order)
    late = START + timedelta(hours=5)
    first, second = cli_pass(app, late), cli_pass(app, late + timedelta(minutes=1))
    assert (first["escalated"], second["escalated"], second["checked"]) == (1, 0, 1)
    [escalation] = events_of(app, wo["id"], "escalated")
    assert escalation.details["reason"] == "response_overdue"
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["status"] == "new" and detail["technician"] is None

    dispatcher.patch(f"/api/v1/technicians/{ids['resting']}", json={"on_shift": True})
    assert cli_pass(app, late + timedelta(minutes=2))["reassigned"] == 1
    assert len(events_of(app, wo["id"], "escalated")) == 1


def test_en_route_and_late_assignments_are_left_alone(app, new_work_order, dispatcher, client_for, clock):
    ids = technicians(app, ("driver", 1, ["elevators"], {}), ("spare", 2, ["elevators"], {}))
    wo = lift_job(new_work_order)
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": ids["driver"]})
    driver = client_for("driver@example.com")
    assert driver.post(f"/api/v1/work-orders/{wo['id']}/actions/accept", json={}).status_code == 200
    clock.advance(hours=3, minutes=30)  # sets off at 12:30, before the 13:00 deadline
    assert driver.post(f"/api/v1/work-orders/{wo['id']}/actions/depart", json={}).status_code == 200
    # On the way for less than sla.EN_ROUTE_SHIELD (an hour): left with the driver, though late.
    assert cli_pass(app, START + timedelta(hours=4, minutes=29))["checked"] == 0
    clock.now = START

    # Assigned after its deadline and accepted: that technician keeps it.
    late = lift_job(new_work_order)
    clock.advance(hours=5)
    dispatcher.post(f"/api/v1/work-orders/{late['id']}/assign", json={"technician_id": ids["spare"]})
    client_for("spare@example.com").post(f"/api/v1/work-orders/{late['id']}/actions/accept", json={})
    # 16:00: only the driver's job is due now (on the way since 12:30 and never arrived).
    assert cli_pass(app, START + timedelta(hours=7))["checked"] == 1
    assert events_of(app, late["id"], "auto_reassigned") == []


def test_reassign_overdue_rejects_a_time_without_offset(app):
    result = app.test_cli_runner().invoke(args=["reassign-overdue", "--now", "2026-11-23T09:00:00"])
    assert result.exit_code != 0 and "offset" in result.output


def test_a_pass_stopped_midway_leaves_no_job_half_moved(app, new_work_order):
    technicians(app, *((f"t{i}", i, ["elevators"], {"max_open_jobs": 10}) for i in range(1, 4)))
    jobs = [lift_job(new_work_order, title=f"Lift {i}") for i in range(8)]

    class Stopped(BaseException):
        """The process dies: what was not committed is lost."""

    transactions = {"n": 0}

    @contextmanager
    def dying_during_the_fifth_job(session):
        transactions["n"] += 1
        with job_transaction(session):
            yield
            if transactions["n"] == 4:  # the read, two jobs twice committed, then death before a commit
                session.flush()  # the fifth and sixth jobs' writes reached the database, uncommitted
                raise Stopped

    with app.app_context(), pytest.raises(Stopped):
        sessions = lambda: pass_session(db.engine)  # noqa: E731
        settings = pass_settings(app)
        dying = dying_during_the_fifth_job
        reassign_overdue(sessions, START + timedelta(hours=5), settings, dying, jobs_per_transaction=2)
    with app.app_context():
        db.session.remove()
        for job in jobs:
            wo = db.session.get(WorkOrder, job["id"])
            moves = db.session.scalars(
                select(Event).where(Event.work_order_id == wo.id, Event.action == "auto_reassigned")
            ).all()
            told = db.session.scalars(select(Notification).where(Notification.work_order_id == wo.id)).all()
            # Either the whole move (status, holder, event, notification) or nothing at all.
            moved = wo.technician_id is not None
            assert (len(moves), len(told), wo.status) == ((1, 1, "assigned") if moved else (0, 0, "new"))
        moved_count = db.session.query(WorkOrder).filter(WorkOrder.technician_id.is_not(None)).count()
        assert moved_count == 4
    assert run_pass(app, START + timedelta(hours=5)).reassigned == 4  # the next pass finishes the job


def test_technicians_read_their_notifications_and_dispatchers_list_escalations(
    app, new_work_order, dispatcher, client_for
):
    ids = technicians(app, ("first", 1, ["elevators"], {}), ("second", 2, ["elevators"], {}))
    moved = lift_job(new_work_order)
    dispatcher.post(f"/api/v1/work-orders/{moved['id']}/assign", json={"technician_id": ids["first"]})
    stuck = new_work_order(required_skills=["submarines"])
    cli_pass(app, START + timedelta(hours=5))

    second = client_for("second@example.com")
    inbox = second.get("/api/v1/me/notifications?unread=true").json
    assert inbox["total"] == 1 and inbox["items"][0]["work_order_id"] == moved["id"]
    assert inbox["items"][0]["kind"] == "assigned" and inbox["items"][0]["read_at"] is None
    note_id = inbox["items"][0]["id"]
    assert client_for("first@example.com").post(f"/api/v1/me/notifications/{note_id}/read").status_code == 404
    read = second.post(f"/api/v1/me/notifications/{note_id}/read")
    assert read.status_code == 200 and read.json["read_at"] == "2026-11-23T09:00:00Z"
    assert second.get("/api/v1/me/notifications?unread=true").json["total"] == 0
    assert second.get("/api/v1/me/notifications").json["total"] == 1

    escalated = dispatcher.get("/api/v1/work-orders?escalated=true").json
    assert [w["id"] for w in escalated["items"]] == [stuck["id"]]
    assert escalated["items"][0]["escalated_at"] == "2026-11-23T14:00:00Z"
