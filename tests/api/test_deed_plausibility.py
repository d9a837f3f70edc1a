"""A technician cannot make a late job look on time with `occurred_at` (issue 13, point 4).

The time of the deed stays for offline replay; a deed received long after it happened needs an
offline window (`X-Offline-Since`) that nothing contradicts, or it is flagged on the timeline. KPIs
read either clock, and the breakdown by technician shows each one's late and flagged deeds.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.conftest import START
from tests.factories import SITE, add_technician
from tests.helpers import action_events, signature_data_url

DAY = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"
KM_PER_DEGREE_LAT = 110.85  # near 31°N


def north(km: float) -> dict:
    return {"lat": SITE["lat"] + km / KM_PER_DEGREE_LAT, "lon": SITE["lon"]}


def offline_since(text: str) -> dict:
    return {"X-Offline-Since": text}


@pytest.fixture
def accepted(dispatcher, technician, world, new_work_order, clock):
    """A high-priority job at SITE (created 09:00, respond by 13:00), assigned, accepted at 09:05."""
    wo = new_work_order()
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    clock.advance(minutes=5)
    assert technician.post(f"/api/v1/work-orders/{wo['id']}/actions/accept", json={}).status_code == 200
    return f"/api/v1/work-orders/{wo['id']}"


def events(dispatcher, url: str) -> dict:
    """The timeline's last event of each action."""
    return {event["action"]: event for event in dispatcher.get(url).json["events"]}


def codes(event: dict) -> list[str]:
    return [flag["code"] for flag in event["deed_flags"] or []]


def kpis(dispatcher, clock_name: str) -> dict:
    response = dispatcher.get(f"/api/v1/reports/kpis?{DAY}&clock={clock_name}")
    assert response.status_code == 200, response.json
    return response.json


def technician_row(dispatcher, world) -> dict:
    rows = dispatcher.get(f"/api/v1/reports/kpis/breakdown?{DAY}&by=technician").json["rows"]
    return next(row for row in rows if row["key"] == str(world.technician_id))


def test_a_job_19_hours_late_dated_just_after_acceptance_is_flagged_and_late_on_the_received_clock(
    dispatcher, technician, world, accepted, clock
):
    clock.now = START + timedelta(hours=5, minutes=54)  # 14:54: on site 1.9 h after the 13:00 deadline
    dated = {"arrive": "09:06", "complete": "09:07"}
    body = {"arrive": {}, "complete": {"resolution": "Refilled refrigerant", "first_time_fix": True}}
    for action in ("arrive", "complete"):
        stamp = {"occurred_at": f"2026-11-23T{dated[action]}:00Z"}
        response = technician.post(f"{accepted}/actions/{action}", json={**body[action], **stamp})
        assert response.status_code == 200, response.json
        clock.advance(minutes=1)
    signoff = {"signer_name": "Li Na", "signature": signature_data_url(), "occurred_at": "2026-11-23T09:08:00Z"}
    assert technician.post(f"{accepted}/signoff", json=signoff).status_code == 201

    timeline = events(dispatcher, accepted)
    for action in ("arrive", "complete", "close"):
        assert codes(timeline[action]) == ["late_without_offline"], timeline[action]
    assert (timeline["arrive"]["occurred_at"], timeline["arrive"]["recorded_at"]) == (
        "2026-11-23T09:06:00Z",
        "2026-11-23T14:54:00Z",
    )
    assert codes(timeline["accept"]) == []  # done live: nothing to doubt

    by_deed, by_receipt = kpis(dispatcher, "deed"), kpis(dispatcher, "received")
    assert (by_deed["clock"], by_receipt["clock"]) == ("deed", "received")
    assert by_deed["response_sla_met_pct"] == 100.0  # what the faked times claim
    assert by_receipt["response_sla_met_pct"] == 0.0  # what the server saw
    assert by_receipt["avg_response_minutes"] == 354.0  # created 09:00, arrival received 14:54
    assert (by_deed["flagged_deeds"], by_deed["late_deeds"]) == (3, 3)

    row = technician_row(dispatcher, world)
    assert (row["flagged_deeds"], row["late_deeds"]) == (3, 3)
    assert row["mean_gap_minutes"] == 348.0  # 5 h 48 min between each deed and its arrival


def test_an_honest_offline_replay_within_its_window_is_not_flagged(dispatcher, technician, world, accepted, clock):
    clock.now = START + timedelta(hours=5, minutes=5)  # 14:05, back in signal since 12:30
    window = offline_since("2026-11-23T12:30:00Z")
    arrive = {"occurred_at": "2026-11-23T12:40:00Z"}
    assert technician.post(f"{accepted}/actions/arrive", json=arrive, headers=window).status_code == 200
    note = {"kind": "fix", "text": "Refilled refrigerant", "minutes": 40, "occurred_at": "2026-11-23T13:20:00Z"}
    assert technician.post(f"{accepted}/logs", json=note, headers=window).status_code == 201
    complete = {"resolution": "Refilled", "first_time_fix": True, "occurred_at": "2026-11-23T13:30:00Z"}
    assert technician.post(f"{accepted}/actions/complete", json=complete, headers=window).status_code == 200

    timeline = dispatcher.get(accepted).json["events"]
    assert [codes(event) for event in timeline] == [[]] * len(timeline)
    assert kpis(dispatcher, "deed")["response_sla_met_pct"] == 100.0  # on site 12:40, before 13:00
    row = technician_row(dispatcher, world)
    assert (row["flagged_deeds"], row["late_deeds"]) == (0, 3)


def test_a_deed_before_the_offline_window_or_while_seen_online_is_flagged(
    dispatcher, technician, world, new_work_order, accepted, clock
):
    other = f"/api/v1/work-orders/{new_work_order()['id']}"
    dispatcher.post(f"{other}/assign", json={"technician_id": world.technician_id})
    clock.now = START + timedelta(hours=4)  # 13:00: a change sent live (on another job) proves the phone online
    assert technician.post(f"{other}/actions/accept", json={}).status_code == 200
    clock.now = START + timedelta(hours=5)  # 14:00
    claimed = offline_since("2026-11-23T12:30:00Z")
    arrive = {"occurred_at": "2026-11-23T12:40:00Z"}
    assert technician.post(f"{accepted}/actions/arrive", json=arrive, headers=claimed).status_code == 200
    [flag] = events(dispatcher, accepted)["arrive"]["deed_flags"]
    assert flag == {"code": "online_meanwhile", "seen_at": "2026-11-23T13:00:00Z"}

    pause = {"reason": "Waiting for parts", "occurred_at": "2026-11-23T12:45:00Z"}
    later_window = offline_since("2026-11-23T13:50:00Z")  # the pause is dated long before the phone went offline
    assert technician.post(f"{accepted}/actions/pause", json=pause, headers=later_window).status_code == 200
    assert codes(events(dispatcher, accepted)["pause"]) == ["before_offline"]


@pytest.mark.parametrize("header", ["yesterday", "2026-11-23T15:00:00Z", "2026-11-01T09:00:00Z"])
def test_an_offline_window_that_cannot_be_true_is_refused_and_changes_nothing(
    dispatcher, technician, accepted, clock, header
):
    clock.now = START + timedelta(hours=5)  # 14:00: 15:00 is the future, 1 November more than 7 days ago
    before = dispatcher.get(accepted).json
    arrive = {"occurred_at": "2026-11-23T12:40:00Z"}
    response = technician.post(f"{accepted}/actions/arrive", json=arrive, headers=offline_since(header))
    assert response.status_code == 422
    assert "X-Offline-Since" in response.json["error"]["fields"]
    after = dispatcher.get(accepted).json
    assert (after["status"], after["version"], len(after["events"])) == (
        before["status"],
        before["version"],
        len(before["events"]),
    )


@pytest.mark.parametrize(
    ("location", "flagged"),
    [
        ({**north(50), "accuracy_m": 20}, True),  # the phone says it is 50 km away
        ({**north(0.3), "accuracy_m": 30}, False),  # across the street
        ({**north(1.5), "accuracy_m": 800}, False),  # a poor fix, within its accuracy
    ],
)
def test_an_arrival_reported_far_from_the_site_is_flagged(dispatcher, technician, accepted, location, flagged):
    assert technician.post(f"{accepted}/actions/arrive", json={"location": location}).status_code == 200
    flags = events(dispatcher, accepted)["arrive"]["deed_flags"]
    if not flagged:
        assert flags is None
        return
    assert flags == [{"code": "far_from_site", "km": 50.0, "source": "arrival"}]


def test_an_arrival_far_from_a_fresh_ping_is_flagged_and_an_old_ping_is_not_evidence(
    dispatcher, technician, client_for, world, new_work_order, accepted, clock
):
    assert technician.post("/api/v1/me/location", json=north(50)).status_code == 204  # 09:05, 50 km away
    clock.advance(minutes=2)
    assert technician.post(f"{accepted}/actions/arrive", json={}).status_code == 200
    [flag] = events(dispatcher, accepted)["arrive"]["deed_flags"]
    assert (flag["code"], flag["source"]) == ("far_from_site", "ping")

    second = new_work_order()
    url = f"/api/v1/work-orders/{second['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    technician.post(f"{url}/actions/accept", json={})
    clock.advance(hours=1)  # the 50 km ping is an hour old: she may well have driven here since
    assert technician.post(f"{url}/actions/arrive", json={}).status_code == 200
    assert events(dispatcher, url)["arrive"]["deed_flags"] is None


def test_a_position_jump_faster_than_flight_is_flagged_on_the_jobs_held(dispatcher, technician, accepted, clock):
    version = dispatcher.get(accepted).json["version"]
    assert technician.post("/api/v1/me/location", json=SITE).status_code == 204
    clock.advance(minutes=10)
    assert technician.post("/api/v1/me/location", json=north(3)).status_code == 204  # a short drive
    clock.advance(seconds=1)
    london = {"lat": 51.5072, "lon": -0.1276}
    assert technician.post("/api/v1/me/location", json=london).status_code == 204  # 9,000 km in a second

    detail = dispatcher.get(accepted).json
    jumps = [event for event in detail["events"] if event["action"] == "position_implausible"]
    assert len(jumps) == 1
    [flag] = jumps[0]["deed_flags"]
    assert (flag["code"], flag["seconds"]) == ("impossible_speed", 1)
    assert 9000 < flag["km"] < 9300
    assert detail["version"] == version  # the job did not change: the phone's next action stays valid
    row = dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json
    assert row["flagged_deeds"] == 1


# ---- depart no longer shields a late job from the overdue pass -------------------------------------


def cli_pass(app, now) -> dict:
    result = app.test_cli_runner().invoke(args=["reassign-overdue", "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def spare(app):
    """A second hvac technician on shift, 2 km away: someone the pass can give the job to."""
    with app.app_context():
        return add_technician("spare@example.com", skills=["hvac"], home=north(2), name="Sam Spare").id


def test_departing_right_after_accepting_does_not_keep_a_late_job_from_the_pass(
    app, dispatcher, technician, accepted, spare
):
    assert technician.post(f"{accepted}/actions/depart", json={}).status_code == 200  # 09:05, then nothing
    assert cli_pass(app, START + timedelta(hours=3, minutes=59))["checked"] == 0  # before the deadline
    summary = cli_pass(app, START + timedelta(hours=4, minutes=1))  # 13:01: past it, departed 4 h ago
    assert summary["reassigned"] == 1
    detail = dispatcher.get(accepted).json
    assert (detail["status"], detail["technician"]["id"]) == ("assigned", spare)
    moved = action_events(detail["events"])[-1]  # the customer's message aside
    assert (moved["action"], moved["from_status"], moved["details"]["reason"]) == (
        "auto_reassigned",
        "en_route",
        "response_overdue",
    )
    assert technician.get(accepted).status_code == 404  # no longer theirs


def test_a_recent_departure_keeps_a_late_job_with_the_technician_on_the_way(
    app, dispatcher, technician, accepted, spare, clock
):
    clock.now = START + timedelta(hours=3, minutes=40)  # 12:40: sets off 20 minutes before the deadline
    assert technician.post(f"{accepted}/actions/depart", json={}).status_code == 200
    assert cli_pass(app, START + timedelta(hours=4, minutes=30))["checked"] == 0  # 13:30: still driving
    assert cli_pass(app, START + timedelta(hours=4, minutes=41))["reassigned"] == 1  # 13:41: an hour, no arrival


def test_nobody_may_reclaim_a_job_by_hand(dispatcher, technician, accepted):
    assert technician.post(f"{accepted}/actions/depart", json={}).status_code == 200
    response = dispatcher.post(f"{accepted}/actions/reclaim", json={"technician_id": 1})
    assert response.status_code == 403
