"""Who should go: technicians ranked for a job by skills, then room, then distance, then load."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from ..models import Technician, User, WorkOrder
from .geo import distance_km, eta_minutes
from .workflow import HELD


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    source: str  # "last" (a fresh ping) or "home"


@dataclass
class Candidate:
    technician: Technician
    position: Position
    distance_km: float
    eta_minutes: int
    open_jobs: int
    skills_missing: list[str] = field(default_factory=list)
    skills_required: int = 0

    @property
    def has_room(self) -> bool:
        return self.open_jobs < self.technician.max_open_jobs

    @property
    def score(self) -> float:
        """0-100, higher is better: nearness, scaled by the share of required skills held,
        halved when the technician is at their open-job limit."""
        nearness = 100 / (1 + self.distance_km / 10)
        required = self.skills_required
        held_share = 1 - len(self.skills_missing) / required if required else 1
        return round(nearness * held_share * (1 if self.has_room else 0.5), 2)

    def sort_key(self) -> tuple:
        return (bool(self.skills_missing), not self.has_room, self.distance_km, self.open_jobs)


def has_skill(skill: str):
    """SQL: the technician's skill list holds `skill` (skills are stored as a JSON list of names)."""
    escaped = skill.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(Technician.skills, String).like(f'%"{escaped}"%', escape="\\")


def technician_position(technician: Technician, now: datetime, fresh_minutes: int) -> Position:
    """The last known location if newer than `fresh_minutes`, else home."""
    at = technician.last_location_at
    if at is not None and technician.last_lat is not None and now - at <= timedelta(minutes=fresh_minutes):
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


def rank_candidates(
    session: Session,
    wo: WorkOrder,
    now: datetime,
    *,
    average_speed_kmh: float,
    fresh_minutes: int,
    limit: int = 50,
) -> list[Candidate]:
    """On-shift technicians ranked for the job: every required skill first, then room under
    `max_open_jobs`, then distance from their position, then load."""
    technicians = session.scalars(
        select(Technician).join(Technician.user).where(Technician.on_shift.is_(True), User.active.is_(True))
    ).all()
    load = open_jobs_by_technician(session, [t.id for t in technicians])
    site = (wo.lat, wo.lon)
    required = set(wo.required_skills or [])
    candidates = []
    for technician in technicians:
        position = technician_position(technician, now, fresh_minutes)
        km = distance_km((position.lat, position.lon), site)
        candidates.append(
            Candidate(
                technician=technician,
                position=position,
                distance_km=round(km, 3),
                eta_minutes=eta_minutes(km, average_speed_kmh),
                open_jobs=load.get(technician.id, 0),
                skills_missing=sorted(required - set(technician.skills or [])),
                skills_required=len(required),
            )
        )
    candidates.sort(key=Candidate.sort_key)
    return candidates[:limit]
