"""Who should go: technicians ranked for a job by when they could be there (projected arrival).

Rank: every required skill, inside working hours (can arrive before their shift ends), room under
`max_open_jobs`, then whether they meet the job's response deadline, then the earliest projected
arrival (arrival.py: the visit in hand, the jobs queued ahead of this one, then the drive).

One ranking serves the dispatcher's candidate list, auto-assignment and the scheduler's pass.
Neither measures every technician against the job: technicians come from a *pool* that answers
"who is within r km of here?" from an index, and the search widens r until the best arrivals found
are no later than the drive to the radius's edge: nobody outside can arrive sooner than that.

- `DatabasePool` asks the database (bounding boxes on the indexed lat/lon columns of pings, homes
  and the sites of visits in hand): one job at a time, as the candidates endpoint does.
- `GridPool` loads the on-shift technicians and every held job once, into a grid of cells: a pass
  over thousands of jobs then searches memory instead of querying per job.

A technician is where their visit in hand is (on site or on hold); else at their last ping newer
than LOCATION_FRESH_MINUTES; else at home.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import Technician, User, WorkOrder
from .arrival import IN_HAND, Projection, Stop, Travel, project_arrival, queue_key
from .calendar import CompanyCalendar, company_calendar, working_until
from .geo import EARTH_MEAN_RADIUS_KM, approximate_km, bounding_box, distance_km, great_circle_km
from .kinds import visit_minutes as kind_visit_minutes
from .workflow import HELD

# Radii (km) tried in turn; None means "everywhere".
SEARCH_RADII_KM = (1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000, None)
# Held jobs are read in chunks of this many technicians (bound parameters per statement).
CHUNK = 2000


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """How arrivals are projected: travel, a visit's default length, how fresh a ping must be, and
    the company calendar that working hours are read in (None: hours are not looked at)."""

    travel: Travel = field(default_factory=Travel)
    visit_minutes: float = 45
    fresh_minutes: int = 30
    calendar: CompanyCalendar | None = None

    def shift_end(self, hours: dict | None, at: datetime) -> datetime | None:
        """When the technician's shift running at `at` ends; None: no limit."""
        if hours is None or self.calendar is None:
            return None
        return working_until(hours, at, self.calendar)


def dispatch_settings(config: Mapping, session: Session | None = None) -> DispatchSettings:
    """The settings from the app's configuration (and the company calendar from the database)."""
    travel = Travel(speed_kmh=config["AVERAGE_SPEED_KMH"], detour_factor=config["DETOUR_FACTOR"])
    calendar = company_calendar(session, config["TIMEZONE"]) if session is not None else None
    return DispatchSettings(travel, config["VISIT_MINUTES"], config["LOCATION_FRESH_MINUTES"], calendar)


@dataclass(frozen=True, slots=True)
class Position:
    lat: float
    lon: float
    source: str  # "site" (a visit in hand), "last" (a fresh ping) or "home"


@dataclass(frozen=True, slots=True)
class Nearby:
    """What the ranking needs to know about one on-shift technician."""

    id: int
    user_id: int
    skills: frozenset[str]
    position: Position
    max_open_jobs: int
    hours: dict | None = None


@dataclass
class Candidate:
    technician_id: int
    user_id: int
    position: Position
    distance_km: float
    eta_minutes: int  # the drive from where they are (detour included)
    open_jobs: int
    max_open_jobs: int
    arrival_at: datetime
    queue_ahead: int
    meets_deadline: bool
    within_hours: bool = True
    skills_missing: list[str] = field(default_factory=list)
    skills_required: int = 0
    technician: Technician | None = None  # loaded for display by `rank_candidates`

    @property
    def has_room(self) -> bool:
        return self.open_jobs < self.max_open_jobs

    @property
    def qualified(self) -> bool:
        """Every required skill, inside working hours and room for one more job: who the scheduler
        may choose."""
        return not self.skills_missing and self.within_hours and self.has_room

    @property
    def score(self) -> float:
        """0-100, higher is better: nearness, scaled by the share of required skills held,
        halved when the technician is at their open-job limit."""
        nearness = 100 / (1 + self.distance_km / 10)
        required = self.skills_required
        held_share = 1 - len(self.skills_missing) / required if required else 1
        return round(nearness * held_share * (1 if self.has_room else 0.5), 2)

    def sort_key(self) -> tuple:
        return (
            bool(self.skills_missing),
            not self.within_hours,
            not self.has_room,
            not self.meets_deadline,
            self.arrival_at,
            self.open_jobs,
            self.technician_id,
        )


def has_skill(skill: str):
    """SQL: the technician's skill list holds `skill`. Skills are stored as a JSON list of codes, as
    json.dumps writes it on both databases: quoted, and a code in Chinese as \\u escapes."""
    quoted = json.dumps(skill)
    escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(Technician.skills, String).like(f"%{escaped}%", escape="\\")


def technician_position(technician, fresh_since: datetime, stops: Iterable[Stop] = ()) -> Position:
    """At the site of the visit in hand; else the last location if taken at `fresh_since` or later;
    else home."""
    in_hand = _in_hand_site(stops)
    if in_hand is not None:
        return Position(in_hand.lat, in_hand.lon, "site")
    at = technician.last_location_at
    if at is not None and technician.last_lat is not None and at >= fresh_since:
        return Position(technician.last_lat, technician.last_lon, "last")
    return Position(technician.home_lat, technician.home_lon, "home")


def _in_hand_site(stops: Iterable[Stop]) -> Stop | None:
    at_site = [s for s in stops if s.status in IN_HAND]
    if not at_site:
        return None
    return max(at_site, key=lambda s: (s.status == "on_site", s.arrived_at.timestamp() if s.arrived_at else 0.0))


def open_jobs_by_technician(session: Session, technician_ids: Iterable[int] | None = None) -> dict[int, int]:
    """How many jobs each technician holds now (assigned through on hold): the one count of open
    jobs that every limit is checked against."""
    query = (
        select(WorkOrder.technician_id, func.count())
        .where(WorkOrder.status.in_(HELD), WorkOrder.technician_id.is_not(None))
        .group_by(WorkOrder.technician_id)
    )
    if technician_ids is not None:
        query = query.where(WorkOrder.technician_id.in_(list(technician_ids)))
    return dict(session.execute(query).all())


_STOP_COLUMNS = (
    WorkOrder.technician_id,
    WorkOrder.id,
    WorkOrder.status,
    WorkOrder.priority,
    WorkOrder.response_due_at,
    WorkOrder.lat,
    WorkOrder.lon,
    WorkOrder.duration_minutes,
    WorkOrder.type,
    WorkOrder.arrived_at,
)


def held_stops(session: Session, visit_minutes: float, technician_ids: Iterable[int] | None = None) -> dict:
    """{technician id: [Stop, ...]}: the jobs each holds, for all technicians (None) or those named,
    in one query per `CHUNK` technicians."""
    base = select(*_STOP_COLUMNS).where(WorkOrder.status.in_(HELD), WorkOrder.technician_id.is_not(None))
    if technician_ids is None:
        queries = [base]
    else:
        ids = sorted(set(technician_ids))
        queries = [base.where(WorkOrder.technician_id.in_(ids[i : i + CHUNK])) for i in range(0, len(ids), CHUNK)]
    stops: dict[int, list[Stop]] = defaultdict(list)
    for query in queries:
        for row in session.execute(query):
            stops[row.technician_id].append(_stop(row, visit_minutes))
    return stops


def _stop(row, visit_minutes: float) -> Stop:
    duration = kind_visit_minutes(row.type, row.duration_minutes, visit_minutes)
    return Stop(row.id, row.status, row.priority, row.response_due_at, row.lat, row.lon, duration, row.arrived_at)


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
    Technician.hours,
)


def _available():
    """SQL: technicians who can take work now: on shift, with an active account that is still a
    technician's (one given another role keeps its profile row, which then reaches nothing)."""
    active = (
        select(User.id).where(User.id == Technician.user_id, User.active.is_(True), User.role == "technician").exists()
    )
    return and_(Technician.on_shift.is_(True), active)


def _nearby(row, fresh_since: datetime, stops: Iterable[Stop]) -> Nearby:
    position = technician_position(row, fresh_since, stops)
    return Nearby(row.id, row.user_id, frozenset(row.skills or ()), position, row.max_open_jobs, row.hours)


class Timeline:
    """A technician's queue worked out once: when each queued job would be done, so that the
    arrival at any new job is a binary search and one drive (the same answer as `project_arrival`,
    which the dispatcher's list uses directly). A pass asks it for thousands of jobs."""

    def __init__(self, now: datetime, start: tuple[float, float], held: list[Stop], travel: Travel):
        self.travel = travel
        self.keys: list[tuple] = []
        if not held:  # most technicians at the start of a pass: free now, where they are
            self.in_hand, self.done = 0, [(now, start)]
            return
        start_of_queue = project_arrival(now, start, held, start, (False,), travel)  # only the visit in hand
        at, here = start_of_queue.free_at, _in_hand_site(held)
        here = (here.lat, here.lon) if here is not None else start
        self.in_hand = 1 if start_of_queue.queue_ahead else 0
        self.done: list[tuple[datetime, tuple[float, float]]] = [(at, here)]
        for stop in sorted((s for s in held if s.status not in IN_HAND), key=Stop.queue_key):
            at += timedelta(minutes=travel.minutes(great_circle_km(here, (stop.lat, stop.lon))) + stop.duration_minutes)
            here = (stop.lat, stop.lon)
            self.keys.append(stop.queue_key())
            self.done.append((at, here))

    def project(self, site: tuple[float, float], target_key: tuple) -> Projection:
        ahead = bisect_left(self.keys, target_key)
        free_at, here = self.done[ahead]
        last_km = great_circle_km(here, site)
        arrival = free_at + timedelta(minutes=self.travel.minutes(last_km))
        return Projection(arrival, ahead + self.in_hand, round(last_km, 3), free_at)


class DatabasePool:
    """On-shift technicians near a point, found with bounding boxes on indexed lat/lon columns:
    fresh pings by `ix_technicians_last`, everyone else by their home (`ix_technicians_home`), and
    whoever is at a visit in hand by the job's site (`ix_work_orders_location`)."""

    def __init__(self, session: Session, now: datetime, settings: DispatchSettings):
        self.session, self.now, self.settings = session, now, settings
        self.fresh_since = now - timedelta(minutes=settings.fresh_minutes)
        self.stops: dict[int, list[Stop]] = {}

    def within(self, centre: tuple[float, float], radius_km: float | None, skills: Collection[str] = ()) -> list:
        conditions = [_available(), *(has_skill(s) for s in skills)]
        fresh = Technician.last_location_at >= self.fresh_since
        stale = or_(Technician.last_location_at.is_(None), Technician.last_location_at < self.fresh_since)
        by_last = [fresh, Technician.last_lat.is_not(None)]
        by_home = [stale]
        wheres = [by_last, by_home]
        if radius_km is not None:
            box = bounding_box(centre, radius_km)
            by_last += _in_box(Technician.last_lat, Technician.last_lon, box)
            by_home += _in_box(Technician.home_lat, Technician.home_lon, box)
            at_site = select(WorkOrder.technician_id).where(
                WorkOrder.status.in_(IN_HAND), *_in_box(WorkOrder.lat, WorkOrder.lon, box)
            )
            wheres.append([Technician.id.in_(at_site)])
        rows = {}
        for where in wheres:
            rows.update(
                (row.id, row) for row in self.session.execute(select(*_POOL_COLUMNS).where(*conditions, *where))
            )
        unknown = [i for i in rows if i not in self.stops]
        if unknown:
            found = held_stops(self.session, self.settings.visit_minutes, unknown)
            self.stops.update({i: found.get(i, []) for i in unknown})
        return [_nearby(row, self.fresh_since, self.stops[row.id]) for row in rows.values()]

    def held(self, technician_id: int) -> list[Stop]:
        return self.stops.get(technician_id, [])

    def timeline(self, technician: Nearby) -> Timeline:
        start = (technician.position.lat, technician.position.lon)
        return Timeline(self.now, start, self.held(technician.id), self.settings.travel)

    def took(self, technician_id: int, stop: Stop) -> None:
        """A move decided but not yet written (a pass writes a batch's moves together): later
        searches of the same pass must see it, so the queue is read now and kept with it."""
        self._read_queue(technician_id).append(stop)

    def released(self, technician_id: int | None, work_order_id: int) -> None:
        if technician_id is not None:
            queue = self._read_queue(technician_id)
            queue[:] = [s for s in queue if s.work_order_id != work_order_id]

    def _read_queue(self, technician_id: int) -> list[Stop]:
        if technician_id not in self.stops:
            found = held_stops(self.session, self.settings.visit_minutes, [technician_id])
            self.stops[technician_id] = found.get(technician_id, [])
        return self.stops[technician_id]


def _in_box(lat_column, lon_column, box) -> list:
    conditions = [lat_column.between(box.min_lat, box.max_lat)]
    if box.min_lon is not None:
        conditions.append(lon_column.between(box.min_lon, box.max_lon))
    return conditions


# Queue keys as two int64 columns: (not driving, priority rank) and the due time's whole seconds in
# the first, its microseconds and the work order id (below 2**40) in the second.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_KEY = np.iinfo(np.int64).max  # an empty place in a row: after every key


def _encoded(key: tuple) -> tuple[int, int]:
    """A queue key (`arrival.queue_key`) as two integers that order as the tuple does."""
    not_driving, rank, due, work_order_id = key
    since = due - _EPOCH
    return ((int(not_driving) * 16 + rank) << 40) + since.days * 86_400 + since.seconds, (
        since.microseconds << 40
    ) + work_order_id


class _QueueTable:
    """The queues of a group of technicians (those with one skill, or everyone) as arrays, one row
    each: the keys of their queued jobs in order, and for each place in the queue when the work
    before it is done and where (their `Timeline`; places as unit vectors, whose chord gives the
    haversine without a sine). numpy then projects every row's arrival at a site in a dozen array
    operations: the job's place in each queue, when the last leg starts, and that leg on the sphere.
    Rows of technicians without room are left out."""

    def __init__(self, technician_ids: list[int], width: int):
        rows, self.places = len(technician_ids), width + 1
        self.ids = technician_ids
        self.row = {technician_id: i for i, technician_id in enumerate(technician_ids)}
        self.key_first = np.full((rows, width), _NO_KEY, np.int64)
        self.key_second = np.zeros((rows, width), np.int64)
        self.free = np.zeros(rows * self.places)  # minutes after `now` when the work before a place is done
        self.where = np.zeros((3, rows * self.places))  # and where they are then
        self.has_room = np.zeros(rows, bool)
        self.first_places = np.arange(rows) * self.places

    def write(self, technician_id: int, line: Timeline, has_room: bool, now: datetime) -> None:
        i = self.row[technician_id]
        self.has_room[i] = has_room
        if not has_room:  # left out: their queue may be longer than the row
            return
        self.key_first[i], self.key_second[i] = _NO_KEY, 0
        for place, key in enumerate(line.keys):
            self.key_first[i, place], self.key_second[i, place] = _encoded(key)
        first = i * self.places
        for place, (at, here) in enumerate(line.done, start=first):
            self.free[place] = (at - now).total_seconds() / 60
            self.where[:, place] = _unit_vector(here)

    def arrivals(self, site: tuple[float, float], key: tuple, travel: Travel) -> np.ndarray:
        """Every row's projected arrival at `site` for a job of queue place `key`, in minutes after
        `now` (infinite for those without room): `Timeline.project` for all rows at once."""
        first, second = _encoded(key)
        ahead = (self.key_first < first).sum(axis=1)
        ahead += ((self.key_first == first) & (self.key_second < second)).sum(axis=1)
        places = self.first_places + ahead
        x, y, z = _unit_vector(site)
        dx, dy, dz = self.where[0].take(places) - x, self.where[1].take(places) - y, self.where[2].take(places) - z
        half_chord_squared = np.minimum((dx * dx + dy * dy + dz * dz) * 0.25, 1.0)  # the haversine
        km = 2 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(half_chord_squared))
        minutes = self.free.take(places) + km * (travel.detour_factor / travel.speed_kmh * 60)
        minutes[~self.has_room] = np.inf
        return minutes


def _unit_vector(point: tuple[float, float]) -> tuple[float, float, float]:
    lat, lon = math.radians(point[0]), math.radians(point[1])
    return math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)


class GridPool:
    """Every on-shift technician and every held job, loaded once, for a pass that ranks many jobs
    (only qualified technicians: `search(..., only_qualified=True)`). Each technician's queue is
    kept as a row of arrays (`_QueueTable`: one table per skill, one of everyone), from which a
    search projects every qualified technician's arrival at once and then measures exactly, earliest
    first, only until the next estimate comes after the best found (`_search_by_estimate`). Keeps
    queues current as the pass moves jobs (`took`/`released`): a technician who fills up leaves the
    rows. The count that decides is taken again in the database under lock, so a queue that is
    stale here costs a retry, not a wrong move."""

    def __init__(self, session: Session, now: datetime, settings: DispatchSettings):
        self.now, self.settings = now, settings
        fresh_since = now - timedelta(minutes=settings.fresh_minutes)
        rows = session.execute(select(*_POOL_COLUMNS).where(_available())).all()
        self.stops: dict[int, list[Stop]] = held_stops(session, settings.visit_minutes)
        self.holders = {stop.work_order_id: t for t, stops in self.stops.items() for stop in stops}
        self.technicians = [_nearby(row, fresh_since, self.stops.get(row.id, ())) for row in rows]
        self.by_id = {t.id: t for t in self.technicians}
        self.width = max((t.max_open_jobs for t in self.technicians), default=1)
        members: dict[str, list[int]] = defaultdict(list)
        for technician in self.technicians:
            for skill in technician.skills:
                members[skill].append(technician.id)
        self.by_skill = {skill: _QueueTable(ids, self.width) for skill, ids in members.items()}
        self._everyone: _QueueTable | None = None  # built on first use: most jobs name a skill
        self._timelines: dict[int, Timeline] = {}
        for technician in self.technicians:
            self._write(technician)

    def table(self, skills: Collection[str]) -> _QueueTable | None:
        """The rows to search for a job needing `skills`: the rarest skill's (the others are checked
        per technician); None when nobody on shift has one of them."""
        if not skills:
            return self.everyone
        if any(skill not in self.by_skill for skill in skills):
            return None
        return min((self.by_skill[skill] for skill in skills), key=lambda table: len(table.ids))

    @property
    def everyone(self) -> _QueueTable:
        if self._everyone is None:
            self._everyone = _QueueTable([t.id for t in self.technicians], self.width)
            for technician in self.technicians:
                self._everyone.write(technician.id, self.timeline(technician), self._has_room(technician.id), self.now)
        return self._everyone

    def _has_room(self, technician_id: int) -> bool:
        return len(self.held(technician_id)) < self.by_id[technician_id].max_open_jobs

    def _write(self, technician: Nearby) -> None:
        """Their row, in every table that has one for them, from their queue as it is now."""
        line, has_room = self.timeline(technician), self._has_room(technician.id)
        tables = [self.by_skill[skill] for skill in technician.skills]
        for table in tables + ([self._everyone] if self._everyone is not None else []):
            table.write(technician.id, line, has_room, self.now)

    def held(self, technician_id: int) -> list[Stop]:
        return self.stops.get(technician_id, [])

    def timeline(self, technician: Nearby) -> Timeline:
        line = self._timelines.get(technician.id)
        if line is None:
            start = (technician.position.lat, technician.position.lon)
            line = self._timelines[technician.id] = Timeline(
                self.now, start, self.held(technician.id), self.settings.travel
            )
        return line

    def took(self, technician_id: int, stop: Stop) -> None:
        self.stops.setdefault(technician_id, []).append(stop)
        self.holders[stop.work_order_id] = technician_id
        self._changed(technician_id)

    def released(self, technician_id: int | None, work_order_id: int) -> None:
        if technician_id is None:
            return
        self.stops[technician_id] = [s for s in self.stops.get(technician_id, []) if s.work_order_id != work_order_id]
        if self.holders.get(work_order_id) == technician_id:
            del self.holders[work_order_id]
        self._changed(technician_id)

    def _changed(self, technician_id: int) -> None:
        self._timelines.pop(technician_id, None)
        technician = self.by_id.get(technician_id)
        if technician is not None:
            self._write(technician)


def project_candidate(pool, technician: Nearby, job, now: datetime, settings: DispatchSettings) -> Candidate:
    """The technician measured against the job: where they are, when they could be there, whether
    that meets its deadline and falls inside their working hours."""
    stops = pool.held(technician.id)
    start = (technician.position.lat, technician.position.lon)
    site = (job.lat, job.lon)
    others = [s for s in stops if s.work_order_id != job.id]
    if len(others) == len(stops):
        projection = pool.timeline(technician).project(site, queue_key(job.priority, job.response_due_at, job.id))
    else:  # they hold it already: its place in their queue is its own
        key = queue_key(job.priority, job.response_due_at, job.id, job.status)
        projection = project_arrival(now, start, others, site, key, settings.travel)
    km = great_circle_km(start, site)  # the exact distance only for those shown (`_with_exact_distance`)
    until = settings.shift_end(technician.hours, now)
    required = set(job.required_skills or ())
    return Candidate(
        technician_id=technician.id,
        user_id=technician.user_id,
        position=technician.position,
        distance_km=round(km, 3),
        eta_minutes=math.ceil(settings.travel.minutes(km)),
        open_jobs=len(stops),
        max_open_jobs=technician.max_open_jobs,
        arrival_at=projection.arrival_at,
        queue_ahead=projection.queue_ahead,
        meets_deadline=projection.meets(job.response_due_at),
        within_hours=until is None or (until > now and projection.arrival_at <= until),
        skills_missing=sorted(required - technician.skills),
        skills_required=len(required),
    )


def search(
    pool,
    job,
    now: datetime,
    settings: DispatchSettings,
    *,
    wanted: int,
    only_qualified: bool = False,
    exclude: Collection[int] = (),
    exact_distance: bool = True,
) -> list[Candidate]:
    """The best `wanted` candidates for `job` (anything with id, lat, lon, priority, status,
    response_due_at and required_skills): exactly those a ranking of every technician would put
    first. With `only_qualified` (the scheduler) only technicians with every skill, working hours
    and room are ranked.

    A `GridPool` projects every qualified technician's arrival at once and measures them exactly,
    earliest first, until the next one could not make the list (`_search_by_estimate`). A
    `DatabasePool` is asked for a widening radius until `wanted` technicians arrive no later than
    the drive to its edge (nobody outside can arrive sooner than that), or until it holds everyone;
    with `only_qualified`, technicians lacking a skill are not fetched, those without room are not
    measured, nor one whose drive alone would arrive after the `wanted`-th best arrival found.
    Without `exact_distance` the candidates keep the great-circle distance the ranking used (the
    pass: an ellipsoid's geodesic per move cost as much as the rest of deciding it, for a 0.5 %
    difference)."""
    finish = _with_exact_distance if exact_distance else _as_measured
    site = (job.lat, job.lon)
    if only_qualified and isinstance(pool, GridPool):
        return finish(_search_by_estimate(pool, job, now, settings, wanted, exclude), site, settings)
    seen: dict[int, Candidate | None] = dict.fromkeys(exclude)
    best: list[datetime] = []  # the qualified arrivals found, earliest first (at most `wanted`)
    required = frozenset(job.required_skills or ())
    for radius in SEARCH_RADII_KM:
        found = [t for t in pool.within(site, radius, required if only_qualified else ()) if t.id not in seen]
        if only_qualified:
            _measure_qualified(pool, found, job, now, settings, seen, best, wanted)
        else:
            seen.update((t.id, project_candidate(pool, t, job, now, settings)) for t in found)
        ranked = sorted((c for c in seen.values() if c is not None), key=Candidate.sort_key)
        if radius is None:
            return finish(ranked[:wanted], site, settings)
        horizon = now + timedelta(minutes=settings.travel.minutes(radius))
        exact = [c for c in ranked if c.arrival_at <= horizon]
        if sum(c.qualified for c in exact) >= wanted:
            return finish(exact[:wanted], site, settings)
    return []


# An estimate from the arrays may differ from the exact projection by float rounding (and the
# exact one is rounded to microseconds): a technician is passed over only when their estimate comes
# after the best found by more than this.
ESTIMATE_MARGIN_MINUTES = 1e-3


def _search_by_estimate(pool: GridPool, job, now: datetime, settings, wanted: int, exclude) -> list[Candidate]:
    """The `wanted` qualified technicians with the earliest arrivals, exactly: every qualified row's
    arrival is estimated at once (`_QueueTable.arrivals`), then technicians are measured as
    `project_candidate` measures them, earliest estimate first, until the next estimate comes after
    the `wanted`-th best arrival found: nobody left can arrive before it. In a city where everyone
    is queued for hours this measures a handful, where widening a radius measured every technician."""
    required = frozenset(job.required_skills or ())
    table = pool.table(required)
    if table is None:
        return []
    key = queue_key(job.priority, job.response_due_at, job.id)
    estimates = table.arrivals((job.lat, job.lon), key, settings.travel)
    holder = table.row.get(pool.holders.get(job.id))
    if holder is not None:  # the job's place in its holder's queue is its own: always measured
        estimates[holder] = -np.inf
    chosen: list[Candidate] = []
    for row, estimate in _earliest_first(estimates):
        if len(chosen) >= wanted and estimate > _minutes(chosen[-1].arrival_at, now) + ESTIMATE_MARGIN_MINUTES:
            break
        technician = pool.by_id[table.ids[row]]
        if technician.id in exclude or not required <= technician.skills:
            continue
        candidate = project_candidate(pool, technician, job, now, settings)
        if candidate.qualified:
            insort(chosen, candidate, key=Candidate.sort_key)
            del chosen[wanted:]
    return chosen


def _earliest_first(estimates: np.ndarray):
    """Row numbers by estimate, earliest first, rows without room (infinite) left out; one minimum
    at a time (the array is used up), as the search seldom goes past the first."""
    while True:
        row = int(estimates.argmin())
        if estimates[row] == np.inf:
            return
        yield row, float(estimates[row])
        estimates[row] = np.inf


def _minutes(at: datetime, now: datetime) -> float:
    return (at - now).total_seconds() / 60


def _as_measured(candidates: list[Candidate], site, settings: DispatchSettings) -> list[Candidate]:
    return candidates


def _with_exact_distance(candidates: list[Candidate], site, settings: DispatchSettings) -> list[Candidate]:
    """The distance shown and recorded for the candidates chosen: the ellipsoid's (geo.distance_km);
    the ranking itself ran on the great-circle estimate, as travel does."""
    for c in candidates:
        km = distance_km((c.position.lat, c.position.lon), site)
        c.distance_km, c.eta_minutes = round(km, 3), math.ceil(settings.travel.minutes(km))
    return candidates


def _measure_qualified(pool, found, job, now, settings, seen: dict, best: list, wanted: int) -> None:
    """Measure the technicians with room, nearest first, skipping any whose drive alone ends after
    the `wanted`-th best arrival so far (it only gets earlier, so they can never make the list).
    One whose projected arrival (a binary search in their queue) comes after it is counted as
    measured without the rest of a candidate's making (working hours, skills, distance): in a busy
    city nearly everyone measured is outrun, and that making was two thirds of a pass's time."""
    site = (job.lat, job.lon)
    travel = settings.travel
    by_drive = []
    for t in found:
        if len(pool.held(t.id)) >= t.max_open_jobs:
            seen[t.id] = None
            continue
        # 0.99: the equirectangular approximation is within half a percent at city scale
        by_drive.append((travel.minutes(approximate_km((t.position.lat, t.position.lon), site) * 0.99), t.id, t))
    by_drive.sort(key=lambda item: item[:2])
    for minutes, _, t in by_drive:
        if len(best) >= wanted and now + timedelta(minutes=minutes) > best[wanted - 1]:
            seen[t.id] = None
            continue
        if len(best) >= wanted and _arrival_if_new(pool, t, job, site) > best[wanted - 1]:
            seen[t.id] = None
            continue
        candidate = project_candidate(pool, t, job, now, settings)
        seen[t.id] = candidate if candidate.qualified else None
        if candidate.qualified:
            insort(best, candidate.arrival_at)
            del best[wanted:]


def _arrival_if_new(pool, technician: Nearby, job, site: tuple[float, float]) -> datetime:
    """The technician's projected arrival at a job they do not hold (`project_candidate`'s answer);
    the earliest possible time for one who holds it already, so that they are always measured."""
    if any(stop.work_order_id == job.id for stop in pool.held(technician.id)):
        return datetime.min.replace(tzinfo=UTC)
    key = queue_key(job.priority, job.response_due_at, job.id)
    return pool.timeline(technician).project(site, key).arrival_at


def holder_arrivals(
    session: Session,
    now: datetime,
    settings: DispatchSettings,
    technician_ids: Iterable[int] | None = None,
    only_late: bool = False,
) -> dict[int, datetime]:
    """{work order id: its holder's projected arrival} for every assigned or accepted job of the
    technicians named (None: everyone), with `only_late` only those arriving after the job's
    response due time (at risk): two queries, then each technician's queue once."""
    stops = held_stops(session, settings.visit_minutes, technician_ids)
    fresh_since = now - timedelta(minutes=settings.fresh_minutes)
    ids = sorted(t for t, held in stops.items() if any(s.status in ("assigned", "accepted") for s in held))
    arrivals: dict[int, datetime] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(select(*_POOL_COLUMNS).where(Technician.id.in_(ids[start : start + CHUNK])))
        for row in rows:
            held = stops[row.id]
            position = technician_position(row, fresh_since, held)
            line = Timeline(now, (position.lat, position.lon), held, settings.travel)
            for stop in held:
                if stop.status in ("assigned", "accepted"):
                    arrival = line.project((stop.lat, stop.lon), stop.queue_key()).arrival_at
                    if not only_late or arrival > stop.response_due_at:
                        arrivals[stop.work_order_id] = arrival
    return arrivals


def rank_candidates(session: Session, wo: WorkOrder, now: datetime, settings: DispatchSettings, limit: int = 50):
    """On-shift technicians ranked for the job (the dispatcher's list): every required skill first,
    then inside working hours, then room under `max_open_jobs`, then meeting the response deadline,
    then the earliest projected arrival."""
    pool = DatabasePool(session, now, settings)
    ranked = search(pool, wo, now, settings, wanted=limit)
    technicians = session.scalars(
        select(Technician)
        .where(Technician.id.in_([c.technician_id for c in ranked]))
        .options(selectinload(Technician.user))
    )
    by_id = {t.id: t for t in technicians}
    for candidate in ranked:
        candidate.technician = by_id[candidate.technician_id]
    return ranked


AUTO_ASSIGN_MODES = ("off", "urgent", "all")


def auto_assign(session: Session, wo: WorkOrder, now: datetime, settings: DispatchSettings, mode: str):
    """A new job goes at once to the qualified technician with the earliest projected arrival, as
    the scheduler's assignment (event, notifications), in the caller's transaction. `mode`
    (AUTO_ASSIGN): off, urgent (urgent jobs only) or all. Nobody qualified: it stays new, and the
    pass escalates it when it is late. Returns the candidate chosen, or None."""
    if mode not in ("urgent", "all") or (mode == "urgent" and wo.priority != "urgent"):
        return None
    found = search(DatabasePool(session, now, settings), wo, now, settings, wanted=1, only_qualified=True)
    if not found:
        return None
    from .actors import Actor
    from .assignment import AUTO_ASSIGN, SCHEDULER
    from .workflow import apply

    best = found[0]
    params = {"technician_id": best.technician_id, "decided_by": SCHEDULER, "reason": AUTO_ASSIGN, "candidate": best}
    apply(session, wo, "assign", Actor.scheduler(), now, **params)
    return best
