"""The day plan: routes for a day's non-urgent work from a vehicle-routing solver (VROOM, through
pyvroom), proposed first and applied later by a dispatcher.

What is planned (see docs/decisions.md, "Day plan"):
- jobs not under way: `new`, or `assigned`/`accepted` to a technician in the plan (a job someone has
  set off for, or is at, stays where it is). Without a list of jobs, urgent ones are left out: they
  are dispatched the moment they come in, not a day ahead. Named explicitly they are planned first
  (the highest VROOM priority) and never later than their response deadline while that is possible.
- technicians with working hours that day (the company calendar), or, without hours, a default day
  (DEFAULT_DAY) on the company's working days; for today only those on shift now or whose shift is
  still to start, from where they are and when the visit in hand and the jobs they hold outside the
  plan are done. Later days start at home. Every route ends at home.

The solver gets one travel-time matrix over every point (great-circle km x DETOUR_FACTOR at
AVERAGE_SPEED_KMH, as `arrival.Travel`), each job's duration as service time, its customer window
cut at its response deadline as its time window, skills as integers, the technician's working
window as the vehicle's, and their room under `max_open_jobs` as the most tasks a route may take.
"""

from __future__ import annotations

import math
import time as timer
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

import vroom
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Technician, User, WorkOrder
from ..models.plans import Plan
from .actors import Actor
from .arrival import Stop, Travel, project_arrival
from .calendar import CompanyCalendar, company_calendar, next_shift_start, working_until
from .dispatch import technician_position
from .errors import Conflict, DomainError, ValidationFailed
from .geo import distance_km
from .kinds import visit_minutes as kind_visit_minutes
from .timing import utc_text
from .workflow import HELD, apply, record_event

PLANNABLE = ("new", "assigned", "accepted")  # not started: nobody has set off for these yet
DEFAULT_DAY = (time(8, 0), time(18, 0))  # a technician without working hours, on a working day
MAX_DAYS_AHEAD = 14  # the calendar's look-ahead: further out, nobody plans with working hours
# VROOM first maximises the sum of the priorities of the jobs it plans, then minimises travel time.
VROOM_PRIORITY = {"urgent": 100, "high": 40, "normal": 20, "low": 10}
EARTH_RADIUS_KM = 6371.0088
SOLVER_THREADS = 2
# VROOM's search effort (1-5). Measured on 2 shared cores: 15 technicians x 60 jobs take 2-3 s at 5
# and 0.15 s at 1 for 3 % more km; 40 x 300 take 5 s at 1 and reach the timeout at 2 and above with
# no better routes. So the thorough search for a day's usual load, the quick one beyond.
THOROUGH_UP_TO_JOBS = 80
SOLVER_TIMEOUT = timedelta(seconds=20)  # a guard: VROOM answers with the best routes found by then


@dataclass
class Vehicle:
    """A technician as the solver sees them: where and when their day starts and ends."""

    technician: Technician
    start: tuple[float, float]
    end: tuple[float, float]
    starts_at: datetime
    ends_at: datetime
    room: int


@dataclass
class Visit:
    """A job as the solver sees it; `latest` is the customer window's end cut at the deadline."""

    wo: WorkOrder
    service_minutes: int
    earliest: datetime
    latest: datetime
    deadline_applies: bool
    skills: frozenset[str] = field(default_factory=frozenset)

    @property
    def site(self) -> tuple[float, float]:
        return (self.wo.lat, self.wo.lon)


def propose_plan(
    session: Session,
    day: date,
    technician_ids: Iterable[int] | None,
    work_order_ids: Iterable[int] | None,
    now: datetime,
    settings: Mapping,
    created_by_id: int | None = None,
) -> Plan:
    """Solve the day and keep the proposal (nothing else changes until it is applied).

    `settings` is the app's configuration: TIMEZONE, VISIT_MINUTES, AVERAGE_SPEED_KMH, DETOUR_FACTOR,
    LOCATION_FRESH_MINUTES."""
    cal = company_calendar(session, settings["TIMEZONE"])
    _check_day(day, now, cal)
    travel = Travel(settings["AVERAGE_SPEED_KMH"], settings["DETOUR_FACTOR"])
    technicians = _technicians(session, technician_ids)
    jobs, refused = _jobs(session, work_order_ids, {t.id for t in technicians})
    planned_ids = {wo.id for wo in jobs}
    vehicles, unavailable = _vehicles(session, technicians, planned_ids, day, now, cal, travel, settings)
    visits, unplanned = _visits(jobs, day, now, cal, settings["VISIT_MINUTES"])
    body = _solve(vehicles, visits, travel, cal.at_local(day, time(0)))
    body["unplanned"] = refused + unplanned + body["unplanned"]
    body.update(
        date=day.isoformat(),
        unavailable=unavailable,
        versions={str(wo.id): wo.version for wo in jobs},
    )
    plan = Plan(date=day, created_by_id=created_by_id, created_at=now, body=body)
    session.add(plan)
    session.flush()
    return plan


def _check_day(day: date, now: datetime, cal: CompanyCalendar) -> None:
    today = cal.local(now).date()
    if day < today:
        raise ValidationFailed({"date": ["is in the past"]})
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed({"date": [f"is more than {MAX_DAYS_AHEAD} days ahead"]})


def _technicians(session: Session, ids: Iterable[int] | None) -> list[Technician]:
    """Active technicians' profiles (all, or those named: an unknown one is refused)."""
    query = (
        select(Technician)
        .join(User, User.id == Technician.user_id)
        .where(User.active.is_(True), User.role == "technician")
        .order_by(Technician.id)
    )
    if ids is None:
        return list(session.scalars(query))
    wanted = set(ids)
    found = list(session.scalars(query.where(Technician.id.in_(wanted))))
    missing = wanted - {t.id for t in found}
    if missing:
        raise ValidationFailed(
            {"technician_ids": [f"no active technician with id {', '.join(map(str, sorted(missing)))}"]}
        )
    return found


def _jobs(session: Session, ids: Iterable[int] | None, technician_ids: set[int]) -> tuple[list[WorkOrder], list[dict]]:
    """The jobs to plan, and those named that cannot be planned (with the reason).

    Without a list: every non-urgent job that is new, or held, not yet started, by a technician in
    the plan (one held by someone outside it stays theirs)."""
    if ids is None:
        query = select(WorkOrder).where(
            WorkOrder.status.in_(PLANNABLE),
            WorkOrder.priority != "urgent",
            (WorkOrder.status == "new") | WorkOrder.technician_id.in_(technician_ids),
        )
        return list(session.scalars(query.order_by(WorkOrder.id))), []
    wanted = set(ids)
    found = list(session.scalars(select(WorkOrder).where(WorkOrder.id.in_(wanted)).order_by(WorkOrder.id)))
    missing = wanted - {wo.id for wo in found}
    if missing:
        raise ValidationFailed({"work_order_ids": [f"no work order with id {', '.join(map(str, sorted(missing)))}"]})
    refused = [
        {"work_order_id": wo.id, "reason": f"it is {wo.status}: only new, assigned or accepted jobs are planned"}
        for wo in found
        if wo.status not in PLANNABLE
    ]
    return [wo for wo in found if wo.status in PLANNABLE], refused


def _vehicles(session, technicians, planned_ids, day, now, cal, travel, settings) -> tuple[list[Vehicle], list[dict]]:
    """Each available technician's day; those who are not available, with why."""
    held = _held_outside_plan(session, [t.id for t in technicians], planned_ids)
    today = cal.local(now).date() == day
    fresh_since = now - timedelta(minutes=settings["LOCATION_FRESH_MINUTES"])
    vehicles, unavailable = [], []
    for technician in technicians:
        window, why_not = _working_window(technician, day, now, today, cal)
        room = technician.max_open_jobs - len(held.get(technician.id, ()))
        if window is not None and room <= 0:
            window, why_not = None, "no room under their open-job limit"
        if window is None:
            unavailable.append({"technician_id": technician.id, "reason": why_not})
            continue
        home = (technician.home_lat, technician.home_lon)
        starts_at, start = window[0], home
        if today:
            position = technician_position(technician, fresh_since)
            free_at, start = _free_after_held(
                now, (position.lat, position.lon), held.get(technician.id, []), travel, settings["VISIT_MINUTES"]
            )
            starts_at = max(starts_at, free_at)
        if starts_at >= window[1]:
            unavailable.append({"technician_id": technician.id, "reason": "busy with their jobs until their hours end"})
            continue
        vehicles.append(Vehicle(technician, start, home, starts_at, window[1], room))
    return vehicles, unavailable


def _working_window(technician, day, now, today, cal) -> tuple[tuple[datetime, datetime] | None, str]:
    """(start, end) of the technician's work on `day` (not before `now` today), or None and why."""
    if (
        today
        and not technician.on_shift
        and (technician.hours is None or working_until(technician.hours, now, cal) > now)
    ):
        return None, "off shift"
    day_start, day_end = cal.at_local(day, time(0)), cal.at_local(day + timedelta(days=1), time(0))
    if technician.hours is None:
        if not cal.is_working_day(day):
            return None, "no working hours set, and the day is not a working day"
        start, end = cal.at_local(day, DEFAULT_DAY[0]), cal.at_local(day, DEFAULT_DAY[1])
    elif today and working_until(technician.hours, now, cal) > now:
        start, end = now, working_until(technician.hours, now, cal)
    else:
        start = next_shift_start(technician.hours, max(day_start, now), cal)
        if start is None or start >= day_end:
            return None, "not working that day"
        end = working_until(technician.hours, start, cal)
    start = max(start, now)
    if start >= end:
        return None, "their hours that day are over"
    return (start, end), ""


def _shift_started(hours: dict | None, now: datetime, cal: CompanyCalendar) -> bool:
    """Whether a technician off shift now is off for the day: no hours (the toggle is all there is),
    or their shift is running and they have not switched on. One whose shift starts later may yet."""
    return hours is None or working_until(hours, now, cal) > now


def _held_outside_plan(session, technician_ids, planned_ids) -> dict[int, list[WorkOrder]]:
    """The jobs each technician holds that the plan does not move: done before the plan's jobs."""
    rows = session.scalars(
        select(WorkOrder).where(WorkOrder.technician_id.in_(technician_ids), WorkOrder.status.in_(HELD))
    )
    held: dict[int, list[WorkOrder]] = {}
    for wo in rows:
        if wo.id not in planned_ids:
            held.setdefault(wo.technician_id, []).append(wo)
    return held


def _free_after_held(now, position, held: list[WorkOrder], travel: Travel, visit_minutes: int):
    """When and where a technician is free once the visit in hand and the jobs they hold are done
    (the same queue as the projected arrival: `arrival.project_arrival`)."""
    if not held:
        return now, position
    stops = [_stop(wo, visit_minutes) for wo in held]
    in_hand = [s for s in stops if s.status in ("on_site", "on_hold")]
    queued = sorted((s for s in stops if s not in in_hand), key=Stop.queue_key)
    last = queued[-1] if queued else in_hand[0]
    after_everything = (True, math.inf)
    projection = project_arrival(now, position, stops, (last.lat, last.lon), after_everything, travel)
    return projection.arrival_at, (last.lat, last.lon)


def _stop(wo: WorkOrder, visit_minutes: int) -> Stop:
    minutes = kind_visit_minutes(wo.type, wo.duration_minutes, visit_minutes)
    return Stop(wo.id, wo.status, wo.priority, wo.response_due_at, wo.lat, wo.lon, minutes, wo.arrived_at)


def _visits(jobs, day, now, cal, visit_minutes) -> tuple[list[Visit], list[dict]]:
    """Each job's time window on `day`: the customer's window, ending at the response deadline
    unless that has passed before the day's work can start (then the job is late whatever happens,
    and is planned as early as the routes allow)."""
    day_start = max(cal.at_local(day, time(0)), now)
    day_end = cal.at_local(day + timedelta(days=1), time(0))
    visits, unplanned = [], []
    for wo in jobs:
        earliest = max(wo.window_from or day_start, day_start)
        latest = min(wo.window_to or day_end, day_end)
        deadline_applies = wo.response_due_at is not None and wo.response_due_at > day_start
        if deadline_applies:
            latest = min(latest, wo.response_due_at)
        if earliest > latest:
            unplanned.append({"work_order_id": wo.id, "reason": _empty_window_reason(wo, day_start, day_end)})
            continue
        minutes = kind_visit_minutes(wo.type, wo.duration_minutes, visit_minutes)
        visits.append(Visit(wo, minutes, earliest, latest, deadline_applies, frozenset(wo.required_skills or ())))
    return visits, unplanned


def _empty_window_reason(wo: WorkOrder, day_start: datetime, day_end: datetime) -> str:
    ends_before = wo.window_to is not None and wo.window_to <= day_start
    if ends_before or (wo.window_from is not None and wo.window_from >= day_end):
        return "the customer's window is not on this day"
    return "its response deadline comes before the customer's window"


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance on a sphere of the Earth's mean radius: 40 times cheaper than the
    ellipsoid's geodesic, which matters for an n x n matrix, and within 0.5% of it."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_matrix(points: list[tuple[float, float]], travel: Travel) -> list[list[int]]:
    """Travel seconds between every pair of points (symmetric, so each pair is measured once)."""
    size = len(points)
    matrix = [[0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            seconds = round(travel.minutes(great_circle_km(points[i], points[j])) * 60)
            matrix[i][j] = matrix[j][i] = seconds
    return matrix


iso = utc_text  # a time as the plan's JSON keeps it (and the API writes every time)


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _seconds(at: datetime, origin: datetime) -> int:
    return max(0, round((at - origin).total_seconds()))


def _solve(vehicles: list[Vehicle], visits: list[Visit], travel: Travel, origin: datetime) -> dict:
    """Routes from VROOM, in the contract's shape; times count in seconds from `origin`."""
    if not vehicles or not visits:
        reason = "no technician is available that day" if not vehicles else None
        return _empty_solution(visits, reason)
    skill_ids = _skill_ids(vehicles, visits)
    points = [v.start for v in vehicles] + [v.end for v in vehicles] + [visit.site for visit in visits]
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=travel_matrix(points, travel))
    count = len(vehicles)
    for index, vehicle in enumerate(vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                index,
                start=index,
                end=count + index,
                skills={skill_ids[s] for s in vehicle.technician.skills or ()},
                time_window=vroom.TimeWindow(_seconds(vehicle.starts_at, origin), _seconds(vehicle.ends_at, origin)),
                max_tasks=vehicle.room,
            )
        )
    for index, visit in enumerate(visits):
        problem.add_job(
            vroom.Job(
                index,
                location=2 * count + index,
                default_service=visit.service_minutes * 60,
                skills={skill_ids[s] for s in visit.skills},
                priority=VROOM_PRIORITY.get(visit.wo.priority, 0),
                time_windows=[vroom.TimeWindow(_seconds(visit.earliest, origin), _seconds(visit.latest, origin))],
            )
        )
    started = timer.perf_counter()
    exploration = 5 if len(visits) <= THOROUGH_UP_TO_JOBS else 1
    solution = problem.solve(exploration_level=exploration, nb_threads=SOLVER_THREADS, timeout=SOLVER_TIMEOUT)
    solve_ms = round((timer.perf_counter() - started) * 1000)
    return _routes_from(solution.to_dict(), vehicles, visits, origin, travel) | {"solve_ms": solve_ms}


def _skill_ids(vehicles: list[Vehicle], visits: list[Visit]) -> dict[str, int]:
    """VROOM knows skills as integers: one per skill name, in a stable order."""
    names = {s for v in vehicles for s in v.technician.skills or ()} | {s for visit in visits for s in visit.skills}
    return {name: number for number, name in enumerate(sorted(names), start=1)}


def _empty_solution(visits: list[Visit], reason: str | None) -> dict:
    unplanned = [{"work_order_id": visit.wo.id, "reason": reason} for visit in visits] if reason else []
    return {"routes": [], "unplanned": unplanned, "km_total": 0.0, "solve_ms": 0}


def _routes_from(solved: dict, vehicles, visits, origin: datetime, travel: Travel) -> dict:
    routes = []
    for route in solved.get("routes", []):
        vehicle = vehicles[route["vehicle"]]
        jobs = [step for step in route["steps"] if step["type"] == "job"]
        stops = [_stop_dict(visits[step["id"]], step, origin) for step in jobs]
        routes.append(_route_dict(vehicle, stops, [visits[step["id"]] for step in jobs], travel))
    routes.sort(key=lambda r: r["technician_id"])
    unassigned = [visits[job["id"]] for job in solved.get("unassigned", [])]
    return {
        "routes": routes,
        "unplanned": [
            {"work_order_id": v.wo.id, "reason": why_unplanned(v, vehicles, travel, origin)} for v in unassigned
        ],
        "km_total": round(sum(r["km"] for r in routes), 2),
    }


def _stop_dict(visit: Visit, step: dict, origin: datetime) -> dict:
    arrive = origin + timedelta(seconds=step["arrival"] + step.get("waiting_time", 0))
    wo = visit.wo
    return {
        "work_order_id": wo.id,
        "number": wo.number,
        "title": wo.title,
        "priority": wo.priority,
        "location": {"lat": wo.lat, "lon": wo.lon},
        "arrive_at": iso(arrive),
        "leave_at": iso(arrive + timedelta(minutes=visit.service_minutes)),
        "due_at": iso(wo.response_due_at) if visit.deadline_applies else None,
    }


def _route_dict(vehicle: Vehicle, stops: list[dict], visits: list[Visit], travel: Travel) -> dict:
    """One technician's route: km along it (start, stops, home), and its minutes driving and on site."""
    path = [vehicle.start, *(visit.site for visit in visits), vehicle.end]
    km = sum(distance_km(a, b) for a, b in pairwise(path))
    minutes = travel.minutes(km) + sum(visit.service_minutes for visit in visits)
    return {
        "technician_id": vehicle.technician.id,
        "name": vehicle.technician.name,
        "start": {"lat": vehicle.start[0], "lon": vehicle.start[1], "at": iso(vehicle.starts_at)},
        "end": {"lat": vehicle.end[0], "lon": vehicle.end[1], "by": iso(vehicle.ends_at)},
        "stops": stops,
        "km": round(km, 2),
        "minutes": round(minutes),
    }


def why_unplanned(visit: Visit, vehicles: list[Vehicle], travel: Travel, origin: datetime) -> str:
    """Why the solver left a job out, found by trying it alone in each qualified technician's day:
    missing skills, a deadline or window nobody can make, hours too short, or routes already full."""
    skilled = [v for v in vehicles if visit.skills <= set(v.technician.skills or ())]
    if not skilled:
        return f"no technician in the plan has the skills: {', '.join(sorted(visit.skills))}"
    if any(_fits_alone(visit, v, travel, visit.latest) for v in skilled):
        return "the routes of the technicians with the skills are full (working hours or open-job limits)"
    unbounded = visit.wo.window_to or datetime.max.replace(tzinfo=origin.tzinfo)
    if visit.deadline_applies and any(_fits_alone(visit, v, travel, unbounded) for v in skilled):
        return "nobody with the skills can be there before its response deadline"
    if visit.wo.window_from or visit.wo.window_to:
        return "nobody with the skills can be there within the customer's window and their working hours"
    return "the visit does not fit in the working hours of anyone with the skills"


def _fits_alone(visit: Visit, vehicle: Vehicle, travel: Travel, latest: datetime) -> bool:
    there = timedelta(minutes=travel.minutes(great_circle_km(vehicle.start, visit.site)))
    home = timedelta(minutes=travel.minutes(great_circle_km(visit.site, vehicle.end)))
    begin = max(vehicle.starts_at + there, visit.earliest)
    return begin <= latest and begin + timedelta(minutes=visit.service_minutes) + home <= vehicle.ends_at


def apply_plan(session: Session, plan: Plan, actor: Actor, now: datetime) -> dict:
    """Assign each planned job in its route's order, as the dispatcher's assignments (events and
    notifications: `workflow.apply`), and write its place and planned arrival on it. A job changed
    since the plan (its version moved, or it is no longer new, assigned or accepted) is skipped and
    listed; one its technician already holds keeps its assignment and gains the planned time."""
    if plan.applied_at is not None:
        raise Conflict(f"Plan {plan.id} was applied already.")
    versions = plan.body.get("versions", {})
    done = {"assigned": [], "kept": [], "skipped": []}
    for route in plan.body["routes"]:
        technician = session.get(Technician, route["technician_id"])
        for order, stop in enumerate(route["stops"], start=1):
            wo = session.scalar(select(WorkOrder).where(WorkOrder.id == stop["work_order_id"]).with_for_update())
            skip = _why_skip(wo, versions.get(str(wo.id)), technician)
            if skip is None:
                skip = _apply_stop(session, plan, wo, technician, order, stop, actor, now, done)
            if skip is not None:
                done["skipped"].append({"work_order_id": wo.id, "reason": skip})
    plan.applied_at, plan.applied_by_id = now, actor.user_id
    plan.body = {**plan.body, "applied": done}  # a new dict: the JSON column sees the change
    return done


def _why_skip(wo: WorkOrder, planned_version: int | None, technician: Technician | None) -> str | None:
    if technician is None or not technician.user.active or technician.user.role != "technician":
        return "its technician can no longer take work"
    if wo.status not in PLANNABLE:
        return f"it is {wo.status} now"
    if planned_version is not None and wo.version != planned_version:
        return "it changed after the plan was made"
    return None


def _apply_stop(session, plan, wo, technician, order, stop, actor, now, done) -> str | None:
    """Assign one job (unless its technician holds it already) and mark its place in the route;
    the reason it could not be, or None."""
    keep = wo.technician_id == technician.id and wo.status in ("assigned", "accepted")
    if not keep:
        try:
            apply(session, wo, "assign", actor, now, technician_id=technician.id, reason=f"day plan {plan.id}")
        except DomainError as refused:
            return refused.message
    wo.plan_id, wo.planned_order, wo.planned_at = plan.id, order, parse_iso(stop["arrive_at"])
    details = {"plan_id": plan.id, "technician_id": technician.id, "order": order, "planned_at": stop["arrive_at"]}
    # An assignment just bumped the version; a job kept by its technician changes here.
    record_event(session, wo, "planned", actor, at=now, now=now, details=details, bump_version=keep)
    done["kept" if keep else "assigned"].append(wo.id)
    return None
