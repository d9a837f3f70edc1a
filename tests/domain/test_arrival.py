"""Projected arrival with known numbers: the visit in hand, the queue ahead, travel with detour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.domain.arrival import Stop, Travel, project_arrival, queue_key
from backend.domain.geo import distance_km

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SITE = (31.2304, 121.4737)
TRAVEL = Travel(speed_kmh=30, detour_factor=1.5)  # 1 km of great circle = 3 minutes


def north(km: float) -> tuple[float, float]:
    """A point `km` north of SITE (a degree of latitude is about 110.9 km here)."""
    return (SITE[0] + km / 110.9, SITE[1])


def stop(i, status, where, *, priority="normal", due_hours=4, duration=45, arrived=None):
    lat, lon = where
    return Stop(i, status, priority, NOW + timedelta(hours=due_hours), lat, lon, duration, arrived)


def minutes_after_now(projection) -> float:
    return round((projection.arrival_at - NOW).total_seconds() / 60, 1)


def test_an_idle_technician_drives_straight_there():
    key = queue_key("normal", NOW + timedelta(hours=2), 99)
    projection = project_arrival(NOW, north(2), [], SITE, key, TRAVEL)
    assert minutes_after_now(projection) == 6.0 and projection.queue_ahead == 0
    assert abs(projection.travel_km - 2) < 0.01


def test_the_visit_in_hand_is_finished_first_from_its_site():
    # On site 30 of an expected 45 minutes at a job 1 km north; home is far away and does not matter.
    held = [stop(1, "on_site", north(1), arrived=NOW - timedelta(minutes=30))]
    projection = project_arrival(NOW, north(50), held, SITE, queue_key("normal", NOW, 99), TRAVEL)
    assert minutes_after_now(projection) == 15 + 3.0 and projection.queue_ahead == 1


def test_an_overrunning_visit_still_takes_a_few_minutes():
    held = [stop(1, "on_site", SITE, arrived=NOW - timedelta(hours=3))]
    projection = project_arrival(NOW, SITE, held, SITE, queue_key("normal", NOW, 99), TRAVEL)
    assert minutes_after_now(projection) == 5.0


def test_queued_jobs_ahead_count_with_their_travel_and_duration():
    # Urgent and earlier-due jobs go first; a later-due normal job waits behind this one.
    held = [
        stop(1, "accepted", north(1), priority="urgent", due_hours=6),  # ahead: urgent
        stop(2, "assigned", north(2), priority="normal", due_hours=1),  # ahead: due earlier
        stop(3, "assigned", north(3), priority="normal", due_hours=9),  # behind
    ]
    key = queue_key("normal", NOW + timedelta(hours=2), 99)
    projection = project_arrival(NOW, SITE, held, SITE, key, TRAVEL)
    # 3 min to job 1 + 45, 3 min to job 2 + 45, then 2 km back: 6 min.
    assert minutes_after_now(projection) == 3 + 45 + 3 + 45 + 6 and projection.queue_ahead == 2


def test_the_job_being_driven_to_comes_first_whatever_its_priority():
    held = [stop(1, "en_route", north(1), priority="low", due_hours=48)]
    projection = project_arrival(NOW, SITE, held, SITE, queue_key("urgent", NOW, 99), TRAVEL)
    assert projection.queue_ahead == 1 and minutes_after_now(projection) == 3 + 45 + 3


def test_a_job_already_held_is_not_queued_ahead_of_itself():
    held = [stop(7, "accepted", north(4), due_hours=2)]
    key = held[0].queue_key()
    projection = project_arrival(NOW, SITE, held, (held[0].lat, held[0].lon), key, TRAVEL)
    assert projection.queue_ahead == 0 and minutes_after_now(projection) == 12.0


def test_the_idle_technician_two_km_away_beats_the_busy_one_one_km_away():
    busy = [stop(i, "accepted", north(1), due_hours=1) for i in range(1, 6)]
    key = queue_key("normal", NOW + timedelta(hours=2), 99)
    near_busy = project_arrival(NOW, north(1), busy, SITE, key, TRAVEL)
    far_idle = project_arrival(NOW, north(2), [], SITE, key, TRAVEL)
    assert far_idle.arrival_at < near_busy.arrival_at
    assert far_idle.meets(NOW + timedelta(hours=2)) and not near_busy.meets(NOW + timedelta(hours=2))


def test_reach_is_the_inverse_of_travel():
    assert abs(TRAVEL.minutes(TRAVEL.reach_km(37)) - 37) < 1e-9
    assert abs(distance_km(SITE, north(10)) - 10) < 0.02
