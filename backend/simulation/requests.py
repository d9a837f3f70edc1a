"""What the simulation replays: requests (from a CSV file or a synthetic city) and the crew.

CSV columns: `created_at, lat, lon, priority, type, skills` (skills separated by `;`, `|` or
spaces; `created_at` in ISO 8601, in the company's time zone when it gives no offset), and an
optional `duration_minutes` (else VISIT_MINUTES). With a CSV file the crew is generated: homes at
requests' sites drawn with the seed, skills dealt so that every skill asked for is held.

The synthetic city: five districts (the centre and four around it, 8 km out), requests peaking
mid-morning (between 07:00 and 22:00 local), about half of them urgent, each needing one skill;
technicians spread evenly over the districts with one or two skills each, on shift 07:00-23:00.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import PRIORITIES
from .clock import local_instant, whole_seconds

CENTRE = (31.2304, 121.4737)  # Shanghai, People's Square
DISTRICT_OFFSET_KM = 8.0
DISTRICT_SPREAD_KM = 2.5
HOME_SPREAD_KM = 1.5
SKILLS = ("hvac", "electrical", "plumbing", "refrigeration")
SKILL_WEIGHTS = (35, 30, 25, 10)
PRIORITY_WEIGHTS = {"urgent": 50, "high": 20, "normal": 25, "low": 5}
JOB_TYPES = {
    "hvac": "Air conditioning fault",
    "electrical": "Power fault",
    "plumbing": "Leak",
    "refrigeration": "Cold room warm",
}
SHIFT = ("07:00", "23:00")
OPENING_HOURS = (7.0, 22.0)  # when synthetic requests come in, local time
PEAK_HOUR, PEAK_SPREAD_HOURS, PEAK_SHARE = 10.5, 1.5, 0.6  # mid-morning
# A synthetic city starts on an ordinary Tuesday (no public holiday nor make-up day near it).
SYNTHETIC_START = date(2026, 11, 24)
REQUIRED_COLUMNS = ("created_at", "lat", "lon", "priority", "type", "skills")
# After the last request, how long the crew may take to reach and finish what is left.
DRAIN = timedelta(days=2)


@dataclass(frozen=True)
class Request:
    created_at: datetime  # UTC
    lat: float
    lon: float
    priority: str
    type: str
    skills: tuple[str, ...]
    duration_minutes: int | None = None


@dataclass(frozen=True)
class CrewMember:
    name: str
    home: tuple[float, float]
    skills: tuple[str, ...]
    shift: tuple[str, str] = SHIFT


@dataclass(frozen=True)
class Scenario:
    """Requests created in [start, end) (the period the KPIs are read over) and the crew."""

    requests: list[Request]
    crew: list[CrewMember]
    start: datetime
    end: datetime
    drain: timedelta = DRAIN


class RequestsError(ValueError):
    """A requests file the simulator cannot read, with the line at fault."""


def _offset(origin: tuple[float, float], north_km: float, east_km: float) -> tuple[float, float]:
    lat = origin[0] + north_km / 111.32
    lon = origin[1] + east_km / (111.32 * math.cos(math.radians(origin[0])))
    return round(lat, 6), round(lon, 6)


def districts() -> list[tuple[float, float]]:
    """The centre and four districts around it, north, east, south and west."""
    around = [(DISTRICT_OFFSET_KM, 0), (0, DISTRICT_OFFSET_KM), (-DISTRICT_OFFSET_KM, 0), (0, -DISTRICT_OFFSET_KM)]
    return [CENTRE, *(_offset(CENTRE, n, e) for n, e in around)]


def _near(rng: random.Random, origin: tuple[float, float], spread_km: float) -> tuple[float, float]:
    return _offset(origin, rng.gauss(0, spread_km), rng.gauss(0, spread_km))


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _hour_of_request(rng: random.Random) -> float:
    """A local hour between opening and closing: most around mid-morning, the rest spread evenly."""
    first, last = OPENING_HOURS
    if rng.random() < PEAK_SHARE:
        while True:
            hour = rng.gauss(PEAK_HOUR, PEAK_SPREAD_HOURS)
            if first <= hour < last:
                return hour
    return rng.uniform(first, last)


def synthetic_requests(seed: int, per_day: int, days: int, tz: ZoneInfo, start: date = SYNTHETIC_START) -> list:
    """`per_day` requests a day for `days` days, deterministic for `seed`, in creation order."""
    rng = random.Random(f"requests-{seed}")
    centres = districts()
    made = []
    for day in range(days):
        opening = local_instant(start + timedelta(days=day), "00:00", tz)
        for _ in range(per_day):
            at = opening + timedelta(seconds=round(_hour_of_request(rng) * 3600))
            lat, lon = _near(rng, rng.choice(centres), DISTRICT_SPREAD_KM)
            skill = rng.choices(SKILLS, weights=SKILL_WEIGHTS)[0]
            made.append(Request(at, lat, lon, _pick(rng, PRIORITY_WEIGHTS), JOB_TYPES[skill], (skill,)))
    return sorted(made, key=lambda r: r.created_at)


def synthetic_crew(seed: int, size: int) -> list[CrewMember]:
    """`size` technicians spread evenly over the five districts, with one or two skills each: the
    first skill dealt in turn (four skills over five districts: every skill reaches every district
    in turn), a second one for about half of them."""
    rng = random.Random(f"crew-{seed}")
    centres = districts()
    crew = []
    for i in range(size):
        district = i % len(centres)
        first = SKILLS[i % len(SKILLS)]
        skills = {first}
        if rng.random() < 0.5:
            skills.add(rng.choice([s for s in SKILLS if s != first]))
        home = _near(rng, centres[district], HOME_SPREAD_KM)
        crew.append(CrewMember(f"Sim technician {i + 1:03d} (district {district + 1})", home, tuple(sorted(skills))))
    return crew


def crew_for_requests(requests: list[Request], size: int, seed: int) -> list[CrewMember]:
    """A crew for replayed requests: homes at the sites of requests drawn with the seed, skills
    dealt in turn from those the requests ask for (most asked first), a second one for about half."""
    rng = random.Random(f"crew-{seed}")
    asked: dict[str, int] = {}
    for request in requests:
        for skill in request.skills:
            asked[skill] = asked.get(skill, 0) + 1
    skills = sorted(asked, key=lambda s: (-asked[s], s)) or list(SKILLS)
    crew = []
    for i in range(size):
        site = rng.choice(requests)
        held = {skills[i % len(skills)]}
        if len(skills) > 1 and rng.random() < 0.5:
            held.add(rng.choice([s for s in skills if s not in held]))
        crew.append(CrewMember(f"Sim technician {i + 1:03d}", (site.lat, site.lon), tuple(sorted(held))))
    return crew


def _instant(text: str, tz: ZoneInfo) -> datetime:
    at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return (at if at.tzinfo else at.replace(tzinfo=tz)).astimezone(UTC)


def _request(row: dict, tz: ZoneInfo) -> Request:
    priority = row["priority"].strip().lower()
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
    lat, lon = float(row["lat"]), float(row["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("lat must be within ±90 and lon within ±180")
    skills = tuple(sorted({s for s in row["skills"].replace(";", " ").replace("|", " ").split() if s}))
    duration = (row.get("duration_minutes") or "").strip()
    if duration and int(duration) <= 0:
        raise ValueError("duration_minutes must be positive")
    kind = row["type"].strip() or "Service request"
    created_at = whole_seconds(_instant(row["created_at"], tz))
    return Request(created_at, lat, lon, priority, kind[:200], skills, int(duration) if duration else None)


def read_requests(path: Path, tz: ZoneInfo) -> list[Request]:
    """The requests of a CSV file, in creation order; a bad line is refused with its number."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise RequestsError(f"{path}: missing column(s) {', '.join(missing)}")
        requests = []
        for line, row in enumerate(reader, start=2):
            try:
                requests.append(_request(row, tz))
            except (ValueError, TypeError, AttributeError) as error:
                raise RequestsError(f"{path}, line {line}: {error}") from None
    if not requests:
        raise RequestsError(f"{path}: no requests")
    return sorted(requests, key=lambda r: r.created_at)


def synthetic_scenario(seed: int, per_day: int, days: int, crew_size: int, tz: ZoneInfo) -> Scenario:
    start = local_instant(SYNTHETIC_START, "00:00", tz)
    requests = synthetic_requests(seed, per_day, days, tz)
    return Scenario(requests, synthetic_crew(seed, crew_size), start, start + timedelta(days=days))


def replay_scenario(path: Path, days: int, crew_size: int, seed: int, tz: ZoneInfo) -> Scenario:
    """The file's requests of `days` days from the (local) day of its first one, with a crew for them."""
    requests = read_requests(path, tz)
    start = local_instant(requests[0].created_at.astimezone(tz).date(), "00:00", tz)
    end = start + timedelta(days=days)
    within = [r for r in requests if r.created_at < end]
    return Scenario(within, crew_for_requests(within, crew_size, seed), start, end)
