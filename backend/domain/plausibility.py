"""Whether a deed's time and place fit what the server saw of the device.

The time of the deed (`occurred_at`) exists so that work done offline counts when it happened. A
device that was online has no reason to date a deed long before it sends it, and a technician
cannot be on site 50 km from the site. Doubtful deeds are *flagged*, not refused: honest offline
work keeps flowing, the flags show on the job's timeline with both times, and the KPIs can be read
by the time the server received each deed. Each flag is `{"code": ..., ...figures}`:

- `late_without_offline`: received more than `REPLAY_GRACE` after the deed, and the request gave no
  offline window (`X-Offline-Since`);
- `before_offline`: dated before the device says it lost the network (it was online then and
  would have sent it);
- `online_meanwhile`: the server received something else from the same user between the deed (or
  the start of the offline window) and this request: the device was not offline all along;
- `far_from_site`: an arrival farther from the site than the arrival's own position, or the last
  position ping (allowing for the road travel possible since the ping), lets it be;
- `impossible_speed`: two position pings farther apart than anything moves in the time between.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Event, Technician, WorkOrder
from .errors import ValidationFailed
from .geo import distance_km
from .timing import CLOCK_SKEW, OLDEST_REPLAY, utc_text

# A request sent over a poor signal may take this long; a deed received within it needs no reason.
REPLAY_GRACE = timedelta(minutes=5)
# "On site" within this of the site's pin, plus the accuracy the device gave for its position.
ARRIVAL_RADIUS_KM = 1.0
# Faster than this by road is not believable (for the time between a ping and an arrival).
ROAD_KMH = 120.0
# Faster than an airliner between two pings is impossible; the slack absorbs GPS jumps of a fix.
FLIGHT_KMH = 1000.0
POSITION_SLACK_KM = 1.0
# A ping this close in time to the arrival says where the technician was.
FRESH_PING = timedelta(minutes=30)


def offline_since_checked(offline_since: datetime | None, now: datetime) -> datetime | None:
    """The device's claim of when it lost the network, refused (422) when it cannot be true: in the
    future, or older than any deed the server accepts."""
    if offline_since is None:
        return None
    if offline_since > now + CLOCK_SKEW:
        raise ValidationFailed({"X-Offline-Since": ["must not be in the future"]})
    if offline_since < now - OLDEST_REPLAY:
        raise ValidationFailed({"X-Offline-Since": ["must not be older than 7 days"]})
    return offline_since


def _minutes(delta: timedelta) -> int:
    return round(delta.total_seconds() / 60)


def time_flags(
    session: Session, user_id: int | None, at: datetime, now: datetime, offline_since: datetime | None
) -> list[dict]:
    """Why the deed's time (`at`, received `now`) is doubtful, given the offline window the device
    claims (`offline_since`, until now). Empty for a deed received within `REPLAY_GRACE`."""
    gap = now - at
    if gap <= REPLAY_GRACE:
        return []
    if offline_since is None:
        return [{"code": "late_without_offline", "gap_minutes": _minutes(gap)}]
    flags = []
    if at < offline_since - REPLAY_GRACE:
        flags.append({"code": "before_offline", "offline_since": _iso(offline_since)})
    seen = _seen_online(session, user_id, max(at, offline_since) + REPLAY_GRACE, now - REPLAY_GRACE)
    if seen is not None:
        flags.append({"code": "online_meanwhile", "seen_at": _iso(seen)})
    return flags


def _seen_online(session: Session, user_id: int | None, start: datetime, end: datetime) -> datetime | None:
    """When the server first received a change from this user in (start, end), if it did: any
    request proves the device was online then, whatever time of the deed it carried."""
    if user_id is None or start >= end:
        return None
    query = select(func.min(Event.recorded_at)).where(
        Event.actor_user_id == user_id, Event.recorded_at > start, Event.recorded_at < end
    )
    return session.scalar(query)


def arrival_flags(wo: WorkOrder, position: dict | None, at: datetime) -> list[dict]:
    """`far_from_site` when the arrival's position (`{lat, lon, accuracy_m?}`), or else the
    technician's last ping within `FRESH_PING` of the arrival, is too far from the site to be there."""
    site = (wo.lat, wo.lon)
    if position is not None:
        where, source = (position["lat"], position["lon"]), "arrival"
        allowed = ARRIVAL_RADIUS_KM + (position.get("accuracy_m") or 0) / 1000
    else:
        ping = _fresh_ping(wo.technician, at)
        if ping is None:
            return []
        where, ping_at = ping
        source = "ping"
        hours = abs((at - ping_at).total_seconds()) / 3600
        allowed = ARRIVAL_RADIUS_KM + ROAD_KMH * hours + (wo.technician.last_accuracy_m or 0) / 1000
    km = distance_km(where, site)
    if km <= allowed:
        return []
    return [{"code": "far_from_site", "km": round(km, 1), "source": source}]


def _fresh_ping(technician: Technician | None, at: datetime) -> tuple[tuple[float, float], datetime] | None:
    if technician is None or technician.last_location_at is None or technician.last_lat is None:
        return None
    if abs(at - technician.last_location_at) > FRESH_PING:
        return None
    return (technician.last_lat, technician.last_lon), technician.last_location_at


def jump_flag(technician: Technician, lat: float, lon: float, at: datetime) -> dict | None:
    """`impossible_speed` when a ping at (lat, lon, at) is farther from the technician's last one
    than anything travels in the time between; None when it is believable or the first."""
    if technician.last_location_at is None or technician.last_lat is None:
        return None
    seconds = abs((at - technician.last_location_at).total_seconds())
    km = distance_km((technician.last_lat, technician.last_lon), (lat, lon))
    if km <= POSITION_SLACK_KM + FLIGHT_KMH * seconds / 3600:
        return None
    return {
        "code": "impossible_speed",
        "km": round(km, 1),
        "seconds": round(seconds),
        "previous_at": _iso(technician.last_location_at),
    }


_iso = utc_text
