"""The simulated technicians: they accept at once, drive, ping as the app does, and work.

Every deed goes through the domain as the technician's own (`workflow.apply` as their user:
accept, depart, arrive, complete; `directory.record_ping` for positions), so the timeline, the
events and the KPIs are the ones OnSite would have. What a technician does next is their own
choice, as on the phone: the first accepted job in queue order (urgent first, then by response
due time: `arrival.Stop.queue_key`, the order projected arrival assumes).

Pings follow the app (pwa/src/technician/location.js): one when going on shift, then about once a minute and
only after moving 50 m, so while driving, and once on arriving; and while standing still on shift
(at a site, or waiting where the last job was) a heartbeat every `heartbeat_interval`, as the app
sends it, so that the server keeps placing them where they are rather than at home.

At the end of their shift a technician finishes the visit in hand (or the drive and visit under
way), then goes home; jobs still queued wait for the next shift. The drive home and back is not
counted in km: only legs driven to a job are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.actors import Actor
from ..domain.arrival import Stop, Travel
from ..domain.directory import record_ping
from ..domain.geo import distance_km
from ..domain.workflow import HELD, apply
from ..models import Technician, User, WorkOrder
from .clock import Agenda
from .requests import CrewMember

PING_INTERVAL = timedelta(minutes=1)
PING_ACCURACY_M = 10.0
MAX_HEARTBEAT = timedelta(minutes=10)


def heartbeat_interval(fresh_minutes: float) -> timedelta:
    """The app's heartbeat while standing still (location.js `heartbeatMs`): a third of the time the
    server keeps a position fresh, between one and ten minutes."""
    return max(PING_INTERVAL, min(MAX_HEARTBEAT, timedelta(minutes=fresh_minutes / 3)))


@dataclass
class Leg:
    job_id: int
    origin: tuple[float, float]
    site: tuple[float, float]
    departed_at: datetime
    arrives_at: datetime
    road_km: float
    token: int

    def position(self, at: datetime) -> tuple[float, float]:
        """Where the technician is on the way (a straight line is as good as any for a ping)."""
        span = (self.arrives_at - self.departed_at).total_seconds()
        share = 1.0 if span <= 0 else min(max((at - self.departed_at).total_seconds() / span, 0.0), 1.0)
        return (
            self.origin[0] + (self.site[0] - self.origin[0]) * share,
            self.origin[1] + (self.site[1] - self.origin[1]) * share,
        )


@dataclass
class SimTechnician:
    member: CrewMember
    technician_id: int
    user_id: int
    position: tuple[float, float]
    state: str = "off"  # off, idle, driving, on_site
    on_duty: bool = False  # within their shift: takes the next job when idle
    shift_ends_at: datetime | None = None
    leg: Leg | None = None
    visit_job_id: int | None = None
    road_km: float = 0.0
    visits: int = 0
    still_since: int = 0  # the heartbeat chain in force: a new one each time they stop moving

    def where(self, at: datetime) -> tuple[float, float]:
        return self.leg.position(at) if self.state == "driving" and self.leg else self.position


@dataclass
class JobRecord:
    """What the simulator saw of one job, from its own clock (the report and the CSV read these)."""

    index: int  # the request's place in creation order, from 1
    work_order_id: int
    created_at: datetime
    priority: str
    type: str
    skills: tuple[str, ...]
    lat: float
    lon: float
    response_due_at: datetime
    first_assigned_at: datetime | None = None
    arrived_at: datetime | None = None
    completed_at: datetime | None = None
    technician: str | None = None  # who came
    road_km: float = 0.0
    moves: int = 0
    escalated: bool = False

    @property
    def response_minutes(self) -> float | None:
        if self.arrived_at is None:
            return None
        return (self.arrived_at - self.created_at).total_seconds() / 60


@dataclass
class Snapshot:
    """The jobs each technician holds now, as `Stop`s (what projected arrival reads)."""

    held: dict[int, list[Stop]] = field(default_factory=dict)
    assigned: list[tuple[int, int]] = field(default_factory=list)  # (work order, technician) not yet accepted


class Crew:
    """The simulated technicians of one run, acting in the run's session."""

    def __init__(
        self,
        session: Session,
        agenda: Agenda,
        travel: Travel,
        visit_minutes: int,
        records: dict,
        heartbeat: timedelta = MAX_HEARTBEAT,
    ):
        self.session, self.agenda, self.travel = session, agenda, travel
        self.visit_minutes, self.heartbeat_every = visit_minutes, heartbeat
        self.records: dict[int, JobRecord] = records
        self.members: dict[int, SimTechnician] = {}
        self._tokens = 0

    def add(self, technician: SimTechnician) -> None:
        self.members[technician.technician_id] = technician

    def _actor(self, tech: SimTechnician) -> Actor:
        return Actor.of(self.session.get(User, tech.user_id))

    def _ping(self, tech: SimTechnician, at: datetime, where: tuple[float, float]) -> None:
        profile = self.session.get(Technician, tech.technician_id)
        record_ping(self.session, profile, at, where[0], where[1], PING_ACCURACY_M, at)

    def snapshot(self) -> Snapshot:
        rows = self.session.execute(
            select(
                WorkOrder.id,
                WorkOrder.technician_id,
                WorkOrder.status,
                WorkOrder.priority,
                WorkOrder.response_due_at,
                WorkOrder.lat,
                WorkOrder.lon,
                WorkOrder.duration_minutes,
                WorkOrder.arrived_at,
            )
            .where(WorkOrder.status.in_(HELD), WorkOrder.technician_id.is_not(None))
            .order_by(WorkOrder.id)
        )
        snapshot = Snapshot(held=defaultdict(list))
        for row in rows:
            duration = float(row.duration_minutes or self.visit_minutes)
            stop = Stop(
                row.id, row.status, row.priority, row.response_due_at, row.lat, row.lon, duration, row.arrived_at
            )
            snapshot.held[row.technician_id].append(stop)
            if row.status == "assigned":
                snapshot.assigned.append((row.id, row.technician_id))
        return snapshot

    def start_shift(self, tech: SimTechnician, now: datetime, ends_at: datetime) -> None:
        """On shift at home (the switch on the phone, then its first ping)."""
        self.session.get(Technician, tech.technician_id).on_shift = True
        tech.on_duty, tech.shift_ends_at = True, ends_at
        if tech.state == "off":
            tech.state, tech.position = "idle", tech.member.home
        self._ping(tech, now, tech.where(now))
        if tech.state != "driving":
            self._stand_still(tech, now)

    def end_shift(self, tech: SimTechnician, now: datetime) -> None:
        """Off shift: no more jobs offered; the work under way is finished before going home."""
        self.session.get(Technician, tech.technician_id).on_shift = False
        tech.on_duty = False
        if tech.state == "idle":
            tech.state, tech.position = "off", tech.member.home

    def react(self, now: datetime) -> None:
        """Accept what was assigned (at once), and send every idle technician on duty to their next job."""
        snapshot = self.snapshot()
        for job_id, technician_id in snapshot.assigned:
            tech = self.members.get(technician_id)
            if tech is not None:
                apply(self.session, self.session.get(WorkOrder, job_id), "accept", self._actor(tech), now)
        for tech in self.members.values():
            if tech.state != "idle" or not tech.on_duty:
                continue
            waiting = [s for s in snapshot.held.get(tech.technician_id, ()) if s.status in ("assigned", "accepted")]
            if waiting:
                self._depart(tech, min(waiting, key=Stop.queue_key), now)

    def _depart(self, tech: SimTechnician, stop: Stop, now: datetime) -> None:
        apply(self.session, self.session.get(WorkOrder, stop.work_order_id), "depart", self._actor(tech), now)
        site = (stop.lat, stop.lon)
        km = distance_km(tech.position, site)
        self._tokens += 1
        arrives_at = now + timedelta(minutes=self.travel.minutes(km))
        road_km = km * self.travel.detour_factor
        leg = Leg(stop.work_order_id, tech.position, site, now, arrives_at, road_km, self._tokens)
        tech.state, tech.leg = "driving", leg
        tech.still_since += 1  # moving: the heartbeat chain ends; pings follow the drive
        self.agenda.add(arrives_at, "arrive", tech.technician_id, leg.token)
        ping_at = now + PING_INTERVAL
        while ping_at < arrives_at:
            self.agenda.add(ping_at, "ping", tech.technician_id, leg.token)
            ping_at += PING_INTERVAL

    def ping(self, technician_id: int, token: int, now: datetime) -> None:
        tech = self.members[technician_id]
        if tech.state == "driving" and tech.leg.token == token:
            self._ping(tech, now, tech.leg.position(now))

    def _stand_still(self, tech: SimTechnician, now: datetime) -> None:
        """A new heartbeat chain from now (the one before, if any, lapses)."""
        tech.still_since += 1
        self.agenda.add(now + self.heartbeat_every, "heartbeat", tech.technician_id, tech.still_since)

    def heartbeat(self, technician_id: int, chain: int, now: datetime) -> None:
        """Standing still on shift: the app pings where they are, and again a heartbeat later."""
        tech = self.members[technician_id]
        if chain != tech.still_since or tech.state == "driving" or not tech.on_duty:
            return
        self._ping(tech, now, tech.position)
        self.agenda.add(now + self.heartbeat_every, "heartbeat", technician_id, chain)

    def arrive(self, technician_id: int, token: int, now: datetime) -> None:
        tech = self.members[technician_id]
        leg = tech.leg
        if tech.state != "driving" or leg.token != token:
            return
        tech.road_km += leg.road_km
        tech.position, tech.leg = leg.site, None
        record = self.records[leg.job_id]
        record.road_km += leg.road_km
        self._ping(tech, now, leg.site)
        self._stand_still(tech, now)
        wo = self.session.get(WorkOrder, leg.job_id)
        if wo.technician_id != tech.technician_id or wo.status != "en_route":
            tech.state = "idle" if tech.on_duty else "off"  # taken from them on the way (a reclaim)
            return
        where = {"lat": leg.site[0], "lon": leg.site[1], "accuracy_m": PING_ACCURACY_M}
        apply(self.session, wo, "arrive", self._actor(tech), now, position=where)
        if record.arrived_at is None:
            record.arrived_at, record.technician = now, tech.member.name
        tech.state, tech.visit_job_id = "on_site", wo.id
        duration = wo.duration_minutes or self.visit_minutes
        self.agenda.add(now + timedelta(minutes=duration), "done", tech.technician_id, wo.id)

    def done(self, technician_id: int, job_id: int, now: datetime) -> None:
        tech = self.members[technician_id]
        wo = self.session.get(WorkOrder, job_id)
        apply(self.session, wo, "complete", self._actor(tech), now, resolution="Simulated visit", first_time_fix=True)
        self.records[job_id].completed_at = now
        tech.visits += 1
        tech.visit_job_id = None
        if tech.on_duty:
            tech.state = "idle"
        else:
            tech.state, tech.position = "off", tech.member.home
