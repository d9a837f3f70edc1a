"""Projected arrival: when a technician could be at a job's site. The one measure the candidates
list, the scheduler's pass, auto-assignment, the day plan and the simulator all rank by.

A technician's day is a queue. They finish what they are doing now (the visit in hand: its expected
duration less the time already spent), then the jobs queued ahead of this one (urgent first, then
by response due time; the one they are driving to first of all), each one's travel and duration,
and finally drive here. Travel is the great-circle distance times a detour factor (roads are not
straight) at an average speed.

Pure functions over small records, no database: the callers load what they need in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .geo import great_circle_km

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
IN_HAND = ("on_site", "on_hold")  # the technician is at this job's site
DRIVING = "en_route"  # already on the way: first in the queue whatever its priority
MIN_REMAINING_MINUTES = 5  # a visit past its expected duration still takes a few minutes to wrap up


@dataclass(frozen=True, slots=True)
class Travel:
    """How travel time is estimated: great-circle km times `detour_factor` at `speed_kmh`."""

    speed_kmh: float = 30.0
    detour_factor: float = 1.3

    def minutes(self, km: float) -> float:
        return km * self.detour_factor / self.speed_kmh * 60.0

    def reach_km(self, minutes: float) -> float:
        """The great-circle distance covered in `minutes`: nobody farther arrives sooner."""
        return max(minutes, 0.0) * self.speed_kmh / 60.0 / self.detour_factor


@dataclass(frozen=True, slots=True)
class Stop:
    """A job a technician holds, as the queue needs it."""

    work_order_id: int
    status: str
    priority: str
    response_due_at: datetime
    lat: float
    lon: float
    duration_minutes: float
    arrived_at: datetime | None = None

    def queue_key(self) -> tuple:
        return (self.status != DRIVING, PRIORITY_ORDER.get(self.priority, 9), self.response_due_at, self.work_order_id)


@dataclass(frozen=True, slots=True)
class Projection:
    arrival_at: datetime
    queue_ahead: int  # jobs this technician would do before this one (the one in hand included)
    travel_km: float  # the last leg, to this job's site
    free_at: datetime  # when the work before this job is done and the last leg starts

    def meets(self, due: datetime | None) -> bool:
        return due is None or self.arrival_at <= due


def queue_key(priority: str, response_due_at: datetime, work_order_id: int, status: str = "new") -> tuple:
    """Where a job stands in a technician's queue (the same order `Stop.queue_key` uses)."""
    return (status != DRIVING, PRIORITY_ORDER.get(priority, 9), response_due_at, work_order_id)


def project_arrival(
    now: datetime,
    start: tuple[float, float],
    held: Sequence[Stop],
    site: tuple[float, float],
    target_key: tuple,
    travel: Travel,
) -> Projection:
    """When a technician who is at `start` and holds `held` could reach `site`, for a job whose
    place in their queue is `target_key` (jobs that sort before it are done first).

    `start` is where they are when not at a job (a fresh ping, else home): while a visit is in hand
    they are at its site. The job itself, if they already hold it, is not counted ahead of itself."""
    at, here, ahead = now, start, 0
    in_hand = _in_hand(held)
    if in_hand is not None:
        spent = (now - in_hand.arrived_at).total_seconds() / 60 if in_hand.arrived_at else 0.0
        at += timedelta(minutes=max(in_hand.duration_minutes - spent, MIN_REMAINING_MINUTES))
        here, ahead = (in_hand.lat, in_hand.lon), 1
    queued = sorted((s for s in held if s.status not in IN_HAND and s.queue_key() < target_key), key=Stop.queue_key)
    for stop in queued:
        at += timedelta(minutes=travel.minutes(great_circle_km(here, (stop.lat, stop.lon))) + stop.duration_minutes)
        here = (stop.lat, stop.lon)
        ahead += 1
    last_km = great_circle_km(here, site)
    return Projection(at + timedelta(minutes=travel.minutes(last_km)), ahead, round(last_km, 3), at)


def _in_hand(held: Iterable[Stop]) -> Stop | None:
    """The visit the technician is at now (the latest arrival, should there be more than one)."""
    at_site = [s for s in held if s.status in IN_HAND]
    if not at_site:
        return None
    return max(at_site, key=lambda s: (s.status == "on_site", s.arrived_at.timestamp() if s.arrived_at else 0.0))
