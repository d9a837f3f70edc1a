"""The pass chooses exactly whom an exhaustive ranking would choose: every on-shift technician's
projected arrival (arrival.project_arrival over their whole queue) for every job, in the pass's
order, each move added to the taker's queue before the next job. A random busy city: queues of
mixed priorities, visits in hand, fresh pings, jobs needing one or two skills (both databases)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from backend.domain import reassignment
from backend.domain.arrival import PRIORITY_ORDER, Stop, project_arrival, queue_key
from backend.extensions import db
from backend.models import Customer, Technician, User, WorkOrder
from backend.scheduler import pass_settings, run_pass
from backend.seed.city import SKILLS, scatter
from tests.conftest import START

PRIORITIES = tuple(PRIORITY_ORDER)


def _city(rng: random.Random, technician_count: int, idle: float, held_priorities, due_jobs: int) -> tuple:
    """Technicians (`idle` the share holding nothing), the jobs they hold (of `held_priorities`;
    accepted, some driving, some in hand; none of them late) and `due_jobs` new jobs past their
    response deadline."""
    users, technicians, jobs = [], [], []
    for i in range(1, technician_count + 1):
        users.append({"id": i, "email": f"t{i}@x.test", "name": f"T{i}", "role": "technician", "password_hash": "!",
                      "active": True, "created_at": START - timedelta(days=30)})  # fmt: skip
        home, ping = scatter(rng), scatter(rng)
        technicians.append(
            {"id": i, "user_id": i, "skills": sorted(rng.sample(SKILLS, rng.randint(1, 3))), "home_lat": home[0],
             "home_lon": home[1], "last_lat": ping[0], "last_lon": ping[1],
             "last_location_at": START - timedelta(minutes=rng.choice((5, 90))), "on_shift": rng.random() < 0.9,
             "max_open_jobs": rng.randint(3, 6), "created_at": START - timedelta(days=30)}
        )  # fmt: skip
    job_id = 0

    def job(**columns) -> dict:
        nonlocal job_id
        job_id += 1
        site = scatter(rng)
        columns.setdefault("priority", rng.choice(PRIORITIES))
        jobs.append({"id": job_id, "customer_id": 1, "title": f"Job {job_id}",
                     "channel": "phone", "lat": site[0], "lon": site[1], "created_at": START - timedelta(hours=8),
                     "duration_minutes": rng.choice((20, 45, 90)), "resolve_due_at": START + timedelta(days=5),
                     "reopen_count": 0, "version": 1, **columns})  # fmt: skip
        return jobs[-1]

    for technician in technicians:
        for n in range(0 if rng.random() < idle else rng.choice((1, 2, 3))):
            skill = rng.choice(technician["skills"])
            since = START - timedelta(hours=2)
            held = {"technician_id": technician["id"], "required_skills": [skill], "assigned_at": since,
                    "accepted_at": since, "response_due_at": START + timedelta(days=2, minutes=n),
                    "priority": rng.choice(held_priorities)}  # fmt: skip
            kind = rng.random()
            if n == 0 and kind < 0.2:
                job(status="on_site", departed_at=START - timedelta(hours=1),
                    arrived_at=START - timedelta(minutes=rng.choice((10, 60, 200))), **held)  # fmt: skip
            elif n == 0 and kind < 0.3:
                job(status="en_route", departed_at=START - timedelta(minutes=10), **held)
            else:
                job(status="accepted", **held)
    for _ in range(due_jobs):
        skills = rng.sample(SKILLS, rng.choice((1, 1, 1, 2)))
        job(status="new", required_skills=skills, response_due_at=START - timedelta(minutes=rng.randint(1, 600)))
    return users, technicians, jobs


def _stop(job: dict) -> Stop:
    return Stop(job["id"], job["status"], job["priority"], job["response_due_at"], job["lat"], job["lon"],
                job["duration_minutes"], job.get("arrived_at"))  # fmt: skip


def _exhaustive_choices(technicians: list[dict], jobs: list[dict], settings) -> dict[int, int | None]:
    """{due job id: the technician an all-pairs ranking chooses}, each choice queued before the next."""
    held = {t["id"]: [_stop(j) for j in jobs if j.get("technician_id") == t["id"]] for t in technicians}
    fresh_since = START - timedelta(minutes=settings.fresh_minutes)
    due = sorted((j for j in jobs if j["status"] == "new"), key=lambda j: (j["response_due_at"], j["id"]))
    choices = {}
    for job in due:
        best = None
        for t in technicians:
            stops = held[t["id"]]
            if not t["on_shift"] or not set(job["required_skills"]) <= set(t["skills"]):
                continue
            if len(stops) >= t["max_open_jobs"]:
                continue
            in_hand = [s for s in stops if s.status == "on_site"]
            if in_hand:
                start = (in_hand[0].lat, in_hand[0].lon)
            elif t["last_location_at"] >= fresh_since:
                start = (t["last_lat"], t["last_lon"])
            else:
                start = (t["home_lat"], t["home_lon"])
            key = queue_key(job["priority"], job["response_due_at"], job["id"])
            arrival = project_arrival(START, start, stops, (job["lat"], job["lon"]), key, settings.travel).arrival_at
            rank = (arrival > job["response_due_at"], arrival, len(stops), t["id"])
            best = min(best or rank, rank)
        choices[job["id"]] = best and best[3]
        if best:
            held[best[3]].append(_stop({**job, "status": "assigned"}))
    return choices


@pytest.mark.parametrize(
    ("technician_count", "idle", "held_priorities", "due_jobs", "grid"),
    [
        # Nearly everyone busy with urgent work (ahead of any due job), hundreds with each skill:
        # the pass used to stop measuring after 48 near ones and miss a farther idle one.
        pytest.param(2000, 0.03, ("urgent",), 160, True, id="grid-pool"),
        # The database asked per job (as a pass of a few jobs does), over several batches.
        pytest.param(240, 0.4, PRIORITIES, 30, False, id="database-pool"),
    ],
)
def test_the_pass_moves_every_job_to_the_technician_an_exhaustive_ranking_chooses(
    make_app, monkeypatch, technician_count, idle, held_priorities, due_jobs, grid
):
    if not grid:
        monkeypatch.setattr(reassignment, "GRID_POOL_FROM", due_jobs + 1)
    # One worker: several (PostgreSQL's default) decide their batches side by side, in another order.
    app = make_app(SCHEDULER_WORKERS=1)
    rng = random.Random(20261201 + due_jobs)
    users, technicians, jobs = _city(rng, technician_count, idle, held_priorities, due_jobs)
    customer = {"id": 1, "name": "Customer", "lat": 31.23, "lon": 121.47, "created_at": START - timedelta(days=30)}
    with app.app_context():
        for table, rows in ((User, users), (Technician, technicians), (Customer, [customer]), (WorkOrder, jobs)):
            db.session.execute(insert(table), rows)
        db.session.commit()
    expected = _exhaustive_choices(technicians, jobs, pass_settings(app).dispatch)

    summary = run_pass(app, START)

    with app.app_context():
        chosen = dict(
            db.session.execute(select(WorkOrder.id, WorkOrder.technician_id).where(WorkOrder.id.in_(expected))).all()
        )
    assert chosen == expected
    assert summary.reassigned == sum(1 for t in expected.values() if t is not None) > due_jobs * 0.9
