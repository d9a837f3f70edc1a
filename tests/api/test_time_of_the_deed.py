"""Offline replays: the time of the deed counts, within a 2-minute skew, 7 days, and in order."""

from __future__ import annotations

import pytest

from tests.helpers import action_events


@pytest.fixture
def accepted(dispatcher, technician, world, new_work_order, clock):
    """A high-priority job (respond by 13:00), assigned at 09:00 and accepted at 09:05."""
    wo = new_work_order()
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    clock.advance(minutes=5)
    response = technician.post(f"/api/v1/work-orders/{wo['id']}/actions/accept", json={})
    assert response.status_code == 200
    return response.json


def test_an_arrival_replayed_late_counts_when_it_happened(dispatcher, technician, accepted, clock):
    url = f"/api/v1/work-orders/{accepted['id']}"
    clock.advance(hours=5)  # 14:05: back in signal, the phone replays its outbox
    arrived = technician.post(f"{url}/actions/arrive", json={"occurred_at": "2026-11-23T12:40:00Z"})
    assert arrived.status_code == 200, arrived.json
    assert arrived.json["arrived_at"] == "2026-11-23T12:40:00Z"
    assert arrived.json["overdue"] is False  # on site before the 13:00 deadline
    event = dispatcher.get(url).json["events"][-1]
    assert (event["occurred_at"], event["recorded_at"]) == ("2026-11-23T12:40:00Z", "2026-11-23T14:05:00Z")

    kpis = dispatcher.get("/api/v1/reports/kpis?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z").json
    assert kpis["response_sla_met_pct"] == 100.0
    assert kpis["avg_response_minutes"] == 220.0  # created 09:00, on site 12:40


@pytest.mark.parametrize(
    ("occurred_at", "accepted_ok"),
    [
        ("2026-11-23T09:06:00Z", True),  # one minute ahead of the server: clock skew, fine
        ("2026-11-23T09:07:00Z", True),  # exactly two minutes ahead
        ("2026-11-23T09:07:01Z", False),  # beyond the skew: the future
        ("2026-11-23T09:04:59Z", False),  # before the work order's previous event (accepted 09:05)
        ("2026-11-16T09:04:00Z", False),  # more than 7 days ago
    ],
)
def test_implausible_times_are_refused_and_change_nothing(dispatcher, technician, accepted, occurred_at, accepted_ok):
    url = f"/api/v1/work-orders/{accepted['id']}"
    before = dispatcher.get(url).json
    response = technician.post(f"{url}/actions/depart", json={"occurred_at": occurred_at})
    after = dispatcher.get(url).json
    if accepted_ok:
        assert response.status_code == 200, response.json
        assert action_events(after["events"])[-1]["occurred_at"] == occurred_at
        return
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "occurred_at" in response.json["error"]["fields"]
    assert (after["status"], after["version"], after["events"]) == (
        before["status"],
        before["version"],
        before["events"],
    )


def test_logs_keep_their_deed_time_and_refuse_the_future(dispatcher, technician, accepted, clock):
    url = f"/api/v1/work-orders/{accepted['id']}"
    technician.post(f"{url}/actions/arrive", json={})
    clock.advance(hours=1)
    late = technician.post(
        f"{url}/logs", json={"kind": "note", "text": "Noted offline", "occurred_at": "2026-11-23T09:30:00Z"}
    )
    assert late.status_code == 201 and late.json["occurred_at"] == "2026-11-23T09:30:00Z"
    future = technician.post(
        f"{url}/logs", json={"kind": "note", "text": "Time traveller", "occurred_at": "2026-11-23T11:00:00Z"}
    )
    assert future.status_code == 422 and "occurred_at" in future.json["error"]["fields"]
    assert [log["text"] for log in dispatcher.get(url).json["logs"]] == ["Noted offline"]


def test_location_pings_are_checked_and_an_older_one_does_not_win(dispatcher, technician, world, clock):
    assert technician.post("/api/v1/me/location", json={"lat": 31.2, "lon": 121.4}).status_code == 204
    older = technician.post(
        "/api/v1/me/location", json={"lat": 40.0, "lon": 116.0, "recorded_at": "2026-11-23T08:00:00Z"}
    )
    assert older.status_code == 204
    me = technician.get("/api/v1/me/technician").json
    assert (me["location"]["lat"], me["location"]["at"]) == (31.2, "2026-11-23T09:00:00Z")
    for bad in (
        {"lat": 91, "lon": 0},
        {"lat": 0, "lon": -181},
        {"lat": 1, "lon": 1, "recorded_at": "2026-11-23T09:03:00Z"},
    ):
        response = technician.post("/api/v1/me/location", json=bad)
        assert response.status_code == 422, bad
    assert technician.get("/api/v1/me/technician").json["location"]["lat"] == 31.2
