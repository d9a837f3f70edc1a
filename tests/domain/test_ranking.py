"""Candidates ranked by projected arrival, through the candidates endpoint (both databases)."""

from __future__ import annotations

from geopy.distance import geodesic

from backend.extensions import db
from tests.factories import SITE, add_technician


def north(km: float) -> dict:
    point = geodesic(kilometers=km).destination((SITE["lat"], SITE["lon"]), 0)
    return {"lat": point.latitude, "lon": point.longitude}


def lift_job(new_work_order, **overrides):
    return new_work_order(required_skills=["elevators"], **overrides)


def candidates(dispatcher, wo) -> list[dict]:
    """Those with the skill (the world's technicians lack it and come last)."""
    response = dispatcher.get(f"/api/v1/work-orders/{wo['id']}/candidates")
    assert response.status_code == 200, response.json
    return [c for c in response.json["items"] if not c["skills_missing"]]


def test_the_idle_technician_2_km_away_beats_the_busy_one_1_km_away(app, dispatcher, client_for, new_work_order):
    with app.app_context():
        busy = add_technician("busy@example.com", skills=["elevators"], home=north(1)).id
        idle = add_technician("idle@example.com", skills=["elevators"], home=north(2)).id
    for km in (3, 4):  # two jobs queued before any later one of the same priority
        held = lift_job(new_work_order, title=f"Queued {km}", location=north(km))
        dispatcher.post(f"/api/v1/work-orders/{held['id']}/assign", json={"technician_id": busy})
        accepted = client_for("busy@example.com").post(f"/api/v1/work-orders/{held['id']}/actions/accept")
        assert accepted.status_code == 200
    wo = lift_job(new_work_order)

    items = candidates(dispatcher, wo)
    assert [c["technician"]["id"] for c in items] == [idle, busy]
    first, second = items
    assert (first["queue_ahead"], second["queue_ahead"]) == (0, 2)
    assert first["distance_km"] > second["distance_km"]
    # idle: 2 km x 1.3 at 30 km/h = 5.2 min; busy: 2 km on to the first job (5.2 min), 45 min there,
    # 1 km on (2.6 min), 45 min, then 4 km back (10.4 min): 108.2 min.
    assert first["arrival_at"].startswith("2026-11-23T09:05:")  # to the minute: travel is measured on the sphere
    assert second["arrival_at"].startswith("2026-11-23T10:48:")
    assert first["meets_deadline"] and second["meets_deadline"]  # high: 4 hours to respond


def test_a_technician_on_site_is_measured_from_the_site(app, dispatcher, client_for, new_work_order, clock):
    with app.app_context():
        visiting = add_technician("visiting@example.com", skills=["elevators"], home=north(20)).id
        homebody = add_technician("homebody@example.com", skills=["elevators"], home=north(10)).id
    visit = lift_job(new_work_order, title="The visit in hand", location=north(0.5))
    dispatcher.post(f"/api/v1/work-orders/{visit['id']}/assign", json={"technician_id": visiting})
    phone = client_for("visiting@example.com")
    for action in ("accept", "arrive"):
        assert phone.post(f"/api/v1/work-orders/{visit['id']}/actions/{action}").status_code == 200
    clock.advance(minutes=31)  # no ping since: their last position would be stale, home 20 km away
    wo = lift_job(new_work_order)

    items = candidates(dispatcher, wo)
    assert [c["technician"]["id"] for c in items] == [visiting, homebody]
    at_site = items[0]
    assert at_site["position_source"] == "site" and abs(at_site["distance_km"] - 0.5) < 0.01
    # 14 min left of the 45-minute visit, then 0.5 km x 1.3 at 30 km/h (1.3 min): 09:31 + 15.3 min
    assert at_site["arrival_at"].startswith("2026-11-23T09:46:18") and at_site["queue_ahead"] == 1
    assert items[1]["position_source"] == "home"


def test_a_technician_whose_shift_ends_before_they_could_arrive_ranks_after_those_inside_hours(
    app, dispatcher, new_work_order
):
    with app.app_context():
        leaving = add_technician("leaving@example.com", skills=["elevators"], home=north(1))
        # START is Monday 09:00 UTC, 17:00 in Shanghai: the shift ends at 17:02, before they could arrive
        leaving.hours = {"mon": ["08:00", "17:02"]}
        staying = add_technician("staying@example.com", skills=["elevators"], home=north(5))
        staying.hours = {"mon": ["08:00", "20:00"]}
        ids = (staying.id, leaving.id)
        db.session.commit()
    items = candidates(dispatcher, lift_job(new_work_order))
    assert tuple(c["technician"]["id"] for c in items) == ids
    assert [c["within_hours"] for c in items] == [True, False]
    assert [c["qualified"] for c in items] == [True, False]
