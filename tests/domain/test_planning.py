"""The day plan on small known cases: skills, working hours, customer windows, response deadlines,
the jobs it cannot plan (and why), urgent jobs first, and less driving than a greedy dispatcher."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from backend.domain.errors import ValidationFailed
from backend.domain.geo import distance_km
from backend.domain.planning import parse_iso, propose_plan
from backend.extensions import db
from backend.models import Technician, WorkOrder
from tests.conftest import START
from tests.factories import add_customer, add_technician

DAY = date(2026, 11, 24)  # a Tuesday; START is Monday 17:00 in Shanghai, so the plan starts at home
SETTINGS = {
    "TIMEZONE": "Asia/Shanghai",
    "VISIT_MINUTES": 45,
    "AVERAGE_SPEED_KMH": 30.0,
    "DETOUR_FACTOR": 1.3,
    "LOCATION_FRESH_MINUTES": 30,
}
CENTRE = (31.2304, 121.4737)


def local(hhmm: str, day: date = DAY) -> datetime:
    """A wall-clock time in Shanghai (UTC+8) on `day`, as UTC."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=UTC) - timedelta(hours=8)


def near(north_km: float, east_km: float) -> tuple[float, float]:
    return (CENTRE[0] + north_km / 111.0, CENTRE[1] + east_km / 95.0)


def technician(email, skills, home, hours=None, max_open_jobs=20) -> int:
    made = add_technician(email, skills=skills, home={"lat": home[0], "lon": home[1]}, max_open_jobs=max_open_jobs)
    made.hours = hours
    db.session.commit()
    return made.id


def job(customer_id, site, skills, *, priority="normal", due=None, window=None, minutes=None, title="Job") -> int:
    wo = WorkOrder(
        customer_id=customer_id,
        title=title,
        priority=priority,
        channel="phone",
        status="new",
        required_skills=list(skills),
        lat=site[0],
        lon=site[1],
        created_at=START,
        response_due_at=due or START + timedelta(days=3),
        resolve_due_at=(due or START + timedelta(days=3)) + timedelta(days=2),
        window_from=window[0] if window else None,
        window_to=window[1] if window else None,
        duration_minutes=minutes,
    )
    db.session.add(wo)
    db.session.commit()
    return wo.id


def plan_for(day=DAY, technician_ids=None, work_order_ids=None, now=START) -> dict:
    plan = propose_plan(db.session, day, technician_ids, work_order_ids, now, SETTINGS)
    db.session.commit()
    return plan.body


def stops_by_job(body) -> dict[int, tuple[int, dict]]:
    return {s["work_order_id"]: (r["technician_id"], s) for r in body["routes"] for s in r["stops"]}


WEEKDAY_HOURS = {d: ["09:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def crew(app):
    """Three technicians with one skill each, homes 6 km apart, weekday hours 09:00-17:00, and a
    customer; 12 jobs, four per skill, around the technician who holds that skill."""
    with app.app_context():
        customer = add_customer().id
        skills = ("hvac", "plumbing", "electrical")
        homes = (near(0, -6), near(0, 0), near(0, 6))
        ids = {
            skill: technician(f"{skill}@x.test", [skill], home, WEEKDAY_HOURS)
            for skill, home in zip(skills, homes, strict=True)
        }
        jobs = {}
        for skill, home in zip(skills, homes, strict=True):
            for n, (dn, de) in enumerate(((2, 1), (-2, 1), (1, -2), (-1, -1))):
                site = (home[0] + dn / 111.0, home[1] + de / 95.0)
                jobs[job(customer, site, [skill], title=f"{skill} {n}")] = skill
        yield {"app": app, "customer": customer, "technicians": ids, "jobs": jobs}


def test_each_job_goes_to_someone_with_its_skill_within_their_working_hours(crew):
    with crew["app"].app_context():
        body = plan_for()
        placed = stops_by_job(body)
        assert set(placed) == set(crew["jobs"])
        assert body["unplanned"] == []
        for work_order_id, (technician_id, stop) in placed.items():
            assert technician_id == crew["technicians"][crew["jobs"][work_order_id]]
            assert local("09:00") <= parse_iso(stop["arrive_at"])
            assert parse_iso(stop["leave_at"]) == parse_iso(stop["arrive_at"]) + timedelta(minutes=45)
        for route in body["routes"]:
            assert parse_iso(route["stops"][-1]["leave_at"]) <= local("17:00")
            for before, after in pairwise(route["stops"]):
                assert parse_iso(before["leave_at"]) <= parse_iso(after["arrive_at"])
        assert body["km_total"] == pytest.approx(sum(r["km"] for r in body["routes"]), abs=0.05)
        assert body["solve_ms"] >= 0


def test_short_hours_leave_what_does_not_fit_unplanned_with_a_reason(app):
    with app.app_context():
        customer = add_customer().id
        tech = technician("short@x.test", ["hvac"], CENTRE, {"tue": ["09:00", "11:00"]})
        jobs = [job(customer, near(1, i), ["hvac"], minutes=50) for i in range(3)]
        body = plan_for()
        placed = stops_by_job(body)
        assert len(placed) == 2  # two visits of 50 min and the drives fit in two hours, not three
        assert all(technician_id == tech for technician_id, _ in placed.values())
        [left] = body["unplanned"]
        assert left["work_order_id"] in jobs
        assert "full" in left["reason"]


def test_a_technician_without_hours_that_day_is_not_planned(app):
    with app.app_context():
        customer = add_customer().id
        weekend = technician("weekend@x.test", ["hvac"], CENTRE, {"sat": ["09:00", "17:00"]})
        worker = technician("worker@x.test", ["hvac"], near(20, 0), WEEKDAY_HOURS)
        job(customer, near(0, 1), ["hvac"])
        body = plan_for()
        assert [r["technician_id"] for r in body["routes"]] == [worker]
        assert body["unavailable"] == [{"technician_id": weekend, "reason": "not working that day"}]


def test_customer_windows_and_response_deadlines_are_kept(app):
    with app.app_context():
        customer = add_customer().id
        technician("one@x.test", ["hvac"], CENTRE, WEEKDAY_HOURS)
        afternoon = job(customer, near(3, 0), ["hvac"], window=(local("14:00"), local("15:00")))
        early_due = job(customer, near(-8, 0), ["hvac"], due=local("09:40"))
        anytime = [job(customer, near(i, 2), ["hvac"]) for i in range(3)]
        body = plan_for()
        placed = stops_by_job(body)
        assert set(placed) == {afternoon, early_due, *anytime}
        assert local("14:00") <= parse_iso(placed[afternoon][1]["arrive_at"]) <= local("15:00")
        assert parse_iso(placed[early_due][1]["arrive_at"]) <= local("09:40")


def test_jobs_nobody_can_do_are_unplanned_with_the_reason(app):
    with app.app_context():
        customer = add_customer().id
        technician("one@x.test", ["hvac"], CENTRE, WEEKDAY_HOURS)
        gas = job(customer, near(1, 0), ["gas"])
        night = job(customer, near(1, 1), ["hvac"], window=(local("20:00"), local("21:00")))
        too_far = job(customer, near(40, 0), ["hvac"], due=local("10:00"))
        body = plan_for()
        reasons = {u["work_order_id"]: u["reason"] for u in body["unplanned"]}
        assert reasons[gas] == "no technician in the plan has the skills: gas"
        assert "customer's window" in reasons[night]
        assert "response deadline" in reasons[too_far]
        assert body["routes"] == []


def test_an_urgent_job_is_planned_first_and_before_its_deadline(app):
    with app.app_context():
        customer = add_customer().id
        technician("busy@x.test", ["hvac"], CENTRE, WEEKDAY_HOURS, max_open_jobs=2)
        normal = [job(customer, near(0.5, i * 0.2), ["hvac"]) for i in range(3)]
        urgent = job(customer, near(6, 6), ["hvac"], priority="urgent", due=local("10:00"))
        body = plan_for(work_order_ids=[*normal, urgent])
        placed = stops_by_job(body)
        assert urgent in placed and len(placed) == 2  # room for two: the urgent one is one of them
        assert parse_iso(placed[urgent][1]["arrive_at"]) <= local("10:00")


def test_without_a_list_urgent_and_started_jobs_are_left_to_live_dispatch(app):
    with app.app_context():
        customer = add_customer().id
        tech = technician("one@x.test", ["hvac"], CENTRE, WEEKDAY_HOURS)
        urgent = job(customer, near(1, 0), ["hvac"], priority="urgent")
        started = job(customer, near(2, 0), ["hvac"])
        wo = db.session.get(WorkOrder, started)
        wo.status, wo.technician_id = "en_route", tech
        db.session.commit()
        plain = job(customer, near(3, 0), ["hvac"])
        assert set(stops_by_job(plan_for())) == {plain}
        body = plan_for(work_order_ids=[started])
        assert body["unplanned"] == [
            {"work_order_id": started, "reason": "it is en_route: only new, assigned or accepted jobs are planned"}
        ]
        assert urgent  # made, and left out above


def test_today_starts_where_the_technician_is_once_the_visit_in_hand_is_done(app):
    now = local("10:00")
    with app.app_context():
        customer = add_customer().id
        tech_id = technician("onsite@x.test", ["hvac"], near(-10, 0), WEEKDAY_HOURS)
        visit = job(customer, near(5, 0), ["hvac"], minutes=60)
        wo = db.session.get(WorkOrder, visit)
        wo.status, wo.technician_id, wo.arrived_at = "on_site", tech_id, now - timedelta(minutes=20)
        db.session.commit()
        nearby = job(customer, near(5, 0.5), ["hvac"])
        body = plan_for(day=DAY, now=now)
        [route] = body["routes"]
        assert (route["start"]["lat"], route["start"]["lon"]) == pytest.approx(near(5, 0))
        assert parse_iso(route["start"]["at"]) == now + timedelta(minutes=40)  # the visit's remaining time
        [stop] = route["stops"]
        assert stop["work_order_id"] == nearby
        assert parse_iso(stop["arrive_at"]) >= now + timedelta(minutes=40)


def test_today_leaves_out_a_technician_off_shift_during_their_hours(app):
    with app.app_context():
        customer = add_customer().id
        tech_id = technician("off@x.test", ["hvac"], CENTRE, WEEKDAY_HOURS)
        db.session.get(Technician, tech_id).on_shift = False
        db.session.commit()
        job(customer, near(1, 0), ["hvac"])
        body = plan_for(now=local("10:00"))
        assert body["unavailable"] == [{"technician_id": tech_id, "reason": "off shift"}]
        assert body["routes"] == []


def test_a_past_day_or_an_unknown_technician_is_refused(app):
    with app.app_context():
        with pytest.raises(ValidationFailed) as past:
            plan_for(day=date(2026, 11, 22))
        assert "date" in past.value.fields
        with pytest.raises(ValidationFailed) as unknown:
            plan_for(technician_ids=[999])
        assert "technician_ids" in unknown.value.fields


def _greedy_nearest_km(starts: dict[int, tuple], sites: list[tuple]) -> float:
    """The baseline: each job in turn to the technician nearest to it (from where their last job
    left them), each route ending at home."""
    at = dict(starts)
    km = 0.0
    for site in sites:
        nearest = min(at, key=lambda t: distance_km(at[t], site))
        km += distance_km(at[nearest], site)
        at[nearest] = site
    return km + sum(distance_km(at[t], starts[t]) for t in at)


def test_the_plan_drives_less_than_giving_each_job_to_the_nearest_technician(app):
    with app.app_context():
        customer = add_customer().id
        homes = {technician(f"t{i}@x.test", ["hvac"], home, WEEKDAY_HOURS): home
                 for i, home in enumerate((near(0, 0), near(8, 3), near(-5, 7)))}  # fmt: skip
        offsets = [(3, 5), (-4, 1), (7, -2), (1, 9), (-6, -5), (5, 5), (0, -7), (-2, 4), (9, 8), (-8, 2), (2, -3),
                   (6, 1)]  # fmt: skip
        sites = [near(*o) for o in offsets]
        for site in sites:
            job(customer, site, ["hvac"])
        body = plan_for()
        assert body["unplanned"] == []
        baseline = _greedy_nearest_km(homes, sites)
        assert body["km_total"] < baseline, (body["km_total"], baseline)
