"""Who should go: technicians ranked for a job by skills, then room, then distance, then load.

One ranking serves the dispatcher's candidate list and the scheduler's reassignment pass. Neither
measures every technician against the job: technicians come from a *pool* that answers "who is
within r km of here?" from an index, and the search widens r until enough are found.

- `DatabasePool` asks the database (bounding boxes on the indexed lat/lon columns): one job at a
  time, as the candidates endpoint does.
- `GridPool` loads the on-shift technicians once into a grid of cells: a pass over thousands of
  overdue jobs then searches memory instead of querying per job.

Distances are shortlisted with the equirectangular approximation and decided with geopy's exact
geodesic on the few that matter.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import Technician, User, WorkOrder
from .geo import approximate_km, bounding_box, distance_km, eta_minutes
from .workflow import HELD

# Radii (km) tried in turn; None means "everywhere".
SEARCH_RADII_KM = (1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000, None)
# The equirectangular shortlist keeps everyone within this factor of the last wanted one: its error
# against the geodesic is under 0.5% within 100 km (a few percent at continental range).
APPROXIMATION_SLACK_NEAR = 1.01
APPROXIMATION_SLACK_FAR = 1.10


@dataclass(frozen=True, slots=True)
class Position:
    lat: float
    lon: float
    source: str  # "last" (a fresh ping) or "home"


@dataclass(frozen=True, slots=True)
class Nearby:
    """What the ranking needs to know about one on-shift technician."""

    id: int
    user_id: int
    skills: frozenset[str]
    position: Position
    max_open_jobs: int


@dataclass
class Candidate:
    technician_id: int
    user_id: int
    position: Position
    distance_km: float
    eta_minutes: int
    open_jobs: int
    max_open_jobs: int
    skills_missing: list[str] = field(default_factory=list)
    skills_required: int = 0
    technician: Technician | None = None  # loaded for display by `rank_candidates`

    @property
    def has_room(self) -> bool:
        return self.open_jobs < self.max_open_jobs

    @property
    def qualified(self) -> bool:
        """Every required skill and room for one more job: who the scheduler may choose."""
        return not self.skills_missing and self.has_room

    @property
    def score(self) -> float:
        """0-100, higher is better: nearness, scaled by the share of required skills held,
        halved when the technician is at their open-job limit."""
        nearness = 100 / (1 + self.distance_km / 10)
        required = self.skills_required
        held_share = 1 - len(self.skills_missing) / required if required else 1
        return round(nearness * held_share * (1 if self.has_room else 0.5), 2)

    def sort_key(self) -> tuple:
        return (bool(self.skills_missing), not self.has_room, self.distance_km, self.open_jobs, self.technician_id)


def has_skill(skill: str):
    """SQL: the technician's skill list holds `skill` (skills are stored as a JSON list of names)."""
    escaped = skill.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(Technician.skills, String).like(f'%"{escaped}"%', escape="\\")


def technician_position(technician, fresh_since: datetime) -> Position:
    """The last known location if taken at `fresh_since` or later, else home."""
    at = technician.last_location_at
    if at is not None and technician.last_lat is not None and at >= fresh_since:
        return Position(technician.last_lat, technician.last_lon, "last")
    return Position(technician.home_lat, technician.home_lon, "home")


def open_jobs_by_technician(session: Session, technician_ids: Iterable[int] | None = None) -> dict[int, int]:
    """How many jobs each technician holds now (assigned through on hold)."""
    query = (
        select(WorkOrder.technician_id, func.count())
        .where(WorkOrder.status.in_(HELD), WorkOrder.technician_id.is_not(None))
        .group_by(WorkOrder.technician_id)
    )
    if technician_ids is not None:
        query = query.where(WorkOrder.technician_id.in_(list(technician_ids)))
    return dict(session.execute(query).all())


_POOL_COLUMNS = (
    Technician.id,
    Technician.user_id,
    Technician.skills,
    Technician.home_lat,
    Technician.home_lon,
    Technician.last_lat,
    Technician.last_lon,
    Technician.last_location_at,
    Technician.max_open_jobs,
)


def _available():
    """SQL: technicians who can take work now: on shift, with an active account that is still a
    technician's (one given another role keeps its profile row, which then reaches nothing)."""
    active = (
        select(User.id).where(User.id == Technician.user_id, User.active.is_(True), User.role == "technician").exists()
    )
    return and_(Technician.on_shift.is_(True), active)


def _nearby(row, fresh_since: datetime) -> Nearby:
    position = technician_position(row, fresh_since)
    return Nearby(row.id, row.user_id, frozenset(row.skills or ()), position, row.max_open_jobs)


class DatabasePool:
    """On-shift technicians near a point, found with bounding boxes on the indexed lat/lon columns:
    fresh pings by `ix_technicians_last`, everyone else by their home (`ix_technicians_home`)."""

    def __init__(self, session: Session, now: datetime, fresh_minutes: int):
        self.session = session
        self.fresh_since = now - timedelta(minutes=fresh_minutes)

    def within(self, centre: tuple[float, float], radius_km: float | None, skills: Collection[str] = ()) -> list:
        fresh = Technician.last_location_at >= self.fresh_since
        stale = or_(Technician.last_location_at.is_(None), Technician.last_location_at < self.fresh_since)
        conditions = [_available(), *(has_skill(s) for s in skills)]
        by_last = [fresh, Technician.last_lat.is_not(None)]
        by_home = [stale]
        if radius_km is not None:
            box = bounding_box(centre, radius_km)
            by_last += [Technician.last_lat.between(box.min_lat, box.max_lat)]
            by_home += [Technician.home_lat.between(box.min_lat, box.max_lat)]
            if box.min_lon is not None:
                by_last += [Technician.last_lon.between(box.min_lon, box.max_lon)]
                by_home += [Technician.home_lon.between(box.min_lon, box.max_lon)]
        found = []
        for where in (by_last, by_home):
            rows = self.session.execute(select(*_POOL_COLUMNS).where(*conditions, *where)).all()
            found += [_nearby(row, self.fresh_since) for row in rows]
        return found

    def open_jobs(self, technician_ids: Iterable[int]) -> dict[int, int]:
        return open_jobs_by_technician(self.session, technician_ids)


class _Grid:
    """Technicians in square cells of `cell` degrees, for rectangle searches."""

    def __init__(self, cell: float):
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Nearby]] = defaultdict(list)
        self.members: list[Nearby] = []

    def key(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self.cell), math.floor(lon / self.cell)

    def add(self, technician: Nearby, key: tuple[int, int] | None = None) -> tuple[int, int]:
        """File the technician in their cell (`key`, when the caller already knows it)."""
        key = key or self.key(technician.position.lat, technician.position.lon)
        self.members.append(technician)
        self.cells[key].append(technician)
        return key

    def within(self, centre: tuple[float, float], radius_km: float | None) -> list[Nearby]:
        """Everyone in the cells that the radius's bounding box touches: visit its cells, or, when it
        has more cells than the grid has occupied ones (a wide search), the occupied cells."""
        if radius_km is None:
            return self.members
        box = bounding_box(centre, radius_km)
        if box.min_lon is None:
            return [t for t in self.members if box.contains(t.position.lat, t.position.lon)]
        (south, west), (north, east) = self.key(box.min_lat, box.min_lon), self.key(box.max_lat, box.max_lon)
        if (north - south + 1) * (east - west + 1) <= len(self.cells):
            cells = (self.cells.get((y, x), ()) for y in range(south, north + 1) for x in range(west, east + 1))
        else:
            cells = (c for (y, x), c in self.cells.items() if south <= y <= north and west <= x <= east)
        return [technician for cell in cells for technician in cell]


class GridPool:
    """Every on-shift technician, loaded once into grids of cells (one of everyone, one per skill),
    for a pass that ranks many jobs: a search for a skill scans only that skill's holders. Keeps
    open-job counts current as the pass moves jobs (`took`/`released`); the count that decides is
    taken again in the database under lock, so a count that is stale here costs a retry, not a
    wrong move."""

    def __init__(self, session: Session, now: datetime, fresh_minutes: int, cell_degrees: float = 0.02):
        self.cell = cell_degrees
        fresh_since = now - timedelta(minutes=fresh_minutes)
        rows = session.execute(select(*_POOL_COLUMNS).where(_available()))
        self.technicians = [_nearby(row, fresh_since) for row in rows]
        self.by_skill: dict[str, _Grid] = defaultdict(lambda: _Grid(cell_degrees))
        for technician in self.technicians:
            key = None
            for skill in technician.skills:
                key = self.by_skill[skill].add(technician, key)
        self._everyone: _Grid | None = None  # built on first use: most jobs name a skill
        self.load = open_jobs_by_technician(session)

    @property
    def everyone(self) -> _Grid:
        if self._everyone is None:
            self._everyone = _Grid(self.cell)
            for technician in self.technicians:
                self._everyone.add(technician)
        return self._everyone

    def within(self, centre: tuple[float, float], radius_km: float | None, skills: Collection[str] = ()) -> list:
        needed = frozenset(skills)
        if not needed:
            return list(self.everyone.within(centre, radius_km))
        if any(skill not in self.by_skill for skill in needed):
            return []  # nobody on shift has that skill
        rarest = min((self.by_skill[skill] for skill in needed), key=lambda grid: len(grid.members))
        return [t for t in rarest.within(centre, radius_km) if needed <= t.skills]

    def open_jobs(self, technician_ids: Iterable[int]) -> dict[int, int]:
        return {i: self.load.get(i, 0) for i in technician_ids}

    def took(self, technician_id: int) -> None:
        self.load[technician_id] = self.load.get(technician_id, 0) + 1

    def released(self, technician_id: int | None) -> None:
        if technician_id is not None and self.load.get(technician_id, 0) > 0:
            self.load[technician_id] -= 1


def _candidates(found: list[Nearby], site, required: set[str], load: dict, speed: float, wanted: int) -> list:
    """Exact geodesic distances for the shortlist, ranked. The shortlist: per tier (skills held or
    not, room or not), the `wanted` nearest by approximation and any within the approximation's
    error of the last of them, so that the approximation cannot change who is chosen."""
    approx = {t.id: approximate_km((t.position.lat, t.position.lon), site) for t in found}
    tiers: dict[tuple[bool, bool], list[Nearby]] = defaultdict(list)
    for t in found:
        tiers[(bool(required - t.skills), load.get(t.id, 0) >= t.max_open_jobs)].append(t)
    shortlist = []
    for members in tiers.values():
        members.sort(key=lambda t: approx[t.id])
        last = approx[members[min(wanted, len(members)) - 1].id]
        cut = last * (APPROXIMATION_SLACK_NEAR if last <= 100 else APPROXIMATION_SLACK_FAR) + 0.001
        shortlist += [t for t in members if approx[t.id] <= cut]
    ranked = []
    for t in shortlist:
        km = distance_km((t.position.lat, t.position.lon), site)
        ranked.append(
            Candidate(
                technician_id=t.id,
                user_id=t.user_id,
                position=t.position,
                distance_km=round(km, 3),
                eta_minutes=eta_minutes(km, speed),
                open_jobs=load.get(t.id, 0),
                max_open_jobs=t.max_open_jobs,
                skills_missing=sorted(required - t.skills),
                skills_required=len(required),
            )
        )
    ranked.sort(key=Candidate.sort_key)
    return ranked


def search(
    pool,
    site: tuple[float, float],
    required_skills: Iterable[str],
    *,
    average_speed_kmh: float,
    wanted: int,
    only_qualified: bool = False,
    exclude: Collection[int] = (),
) -> list[Candidate]:
    """The best `wanted` candidates for a job at `site`, widening the search radius until `wanted`
    qualified technicians (every skill, room) lie within it or the whole pool has been searched.

    Exact: a technician outside the radius is farther than every one inside it, so once `wanted`
    qualified ones are inside, nobody unseen can outrank them. With `only_qualified`, technicians
    lacking a skill are not fetched at all (the scheduler never picks them)."""
    required = set(required_skills)
    for radius in SEARCH_RADII_KM:
        found = [t for t in pool.within(site, radius, required if only_qualified else ()) if t.id not in exclude]
        load = pool.open_jobs([t.id for t in found])
        if only_qualified:
            found = [t for t in found if load.get(t.id, 0) < t.max_open_jobs]
        ranked = _candidates(found, site, required, load, average_speed_kmh, wanted)
        inside = [c for c in ranked if radius is None or c.distance_km <= radius]
        if sum(c.qualified for c in inside) >= wanted or radius is None:
            return (ranked if radius is None else inside)[:wanted]
    return []


def rank_candidates(
    session: Session,
    wo: WorkOrder,
    now: datetime,
    *,
    average_speed_kmh: float,
    fresh_minutes: int,
    limit: int = 50,
) -> list[Candidate]:
    """On-shift technicians ranked for the job (the dispatcher's list): every required skill first,
    then room under `max_open_jobs`, then distance from their position, then load."""
    pool = DatabasePool(session, now, fresh_minutes)
    ranked = search(pool, (wo.lat, wo.lon), wo.required_skills or (), average_speed_kmh=average_speed_kmh, wanted=limit)
    technicians = session.scalars(
        select(Technician)
        .where(Technician.id.in_([c.technician_id for c in ranked]))
        .options(selectinload(Technician.user))
    )
    by_id = {t.id: t for t in technicians}
    for candidate in ranked:
        candidate.technician = by_id[candidate.technician_id]
    return ranked
