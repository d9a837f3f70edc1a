"""Benchmark the overdue pass against the naive approach, in the same run.

For each (technicians, overdue jobs) pair: a fresh database, technicians scattered over a city of
25 km radius with one to three of eight skills (80% on shift, up to 6 open jobs), and `new` jobs
past their response deadline needing one skill. One pass, timed; then the naive approach (every
on-shift technician measured with geopy against the job) timed on a sample of jobs and
extrapolated, labelled so.

    .venv/bin/python scripts/bench_reassign.py                           # SQLite, the full grid
    .venv/bin/python scripts/bench_reassign.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
    .venv/bin/python scripts/bench_reassign.py --technicians 500,5000 --jobs 1000

With a PostgreSQL URL, each case runs in its own new database (created and dropped on that server).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import psycopg
from sqlalchemy.engine import make_url

from backend import create_app
from backend.database import bulk_insert
from backend.domain.geo import distance_km
from backend.extensions import db
from backend.models import Customer, Technician, User, WorkOrder
from backend.scheduler import run_pass
from backend.seed.city import CENTRE, SKILLS, scatter

CREATED = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PASS_AT = CREATED + timedelta(hours=5)  # every job's 4-hour response deadline has passed


def seed(app, technicians: int, jobs: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    users, profiles, orders = [], [], []
    for i in range(1, technicians + 1):
        users.append(
            {
                "id": i,
                "email": f"bench{i}@example.com",
                "name": f"Tech {i}",
                "role": "technician",
                "password_hash": "!",  # no login: a benchmark account
                "active": True,
                "created_at": CREATED,
            }
        )
        home = scatter(rng)
        profiles.append(
            {
                "id": i,
                "user_id": i,
                "skills": sorted(rng.sample(SKILLS, rng.randint(1, 3))),
                "home_lat": home[0],
                "home_lon": home[1],
                "on_shift": rng.random() < 0.8,
                "max_open_jobs": 6,
                "created_at": CREATED,
            }
        )
    for j in range(1, jobs + 1):
        site = scatter(rng)
        orders.append(
            {
                "id": j,
                "customer_id": 1,
                "title": f"Job {j}",
                "priority": "high",
                "channel": "phone",
                "status": "new",
                "required_skills": [rng.choice(SKILLS)],
                "lat": site[0],
                "lon": site[1],
                "created_at": CREATED,
                "response_due_at": CREATED + timedelta(hours=4),
                "resolve_due_at": CREATED + timedelta(hours=24),
                "reopen_count": 0,
                "version": 1,
            }
        )
    customer = {"id": 1, "name": "Bench Customer", "lat": CENTRE[0], "lon": CENTRE[1], "created_at": CREATED}
    with app.app_context():
        for table, rows in (
            (User.__table__, users),
            (Technician.__table__, profiles),
            (Customer.__table__, [customer]),
            (WorkOrder.__table__, orders),
        ):
            bulk_insert(db.session, table, rows)
        db.session.commit()


def naive_seconds_per_job(app, sample: int) -> float:
    """Every on-shift technician with the skill and room, measured with geopy, for `sample` jobs."""
    with app.app_context():
        technicians = db.session.execute(
            db.select(Technician.id, Technician.skills, Technician.home_lat, Technician.home_lon).where(
                Technician.on_shift.is_(True)
            )
        ).all()
        jobs = db.session.execute(
            db.select(WorkOrder.lat, WorkOrder.lon, WorkOrder.required_skills).limit(sample)
        ).all()
    load: dict[int, int] = {}
    started = time.perf_counter()
    for lat, lon, skills in jobs:
        best = None
        for tech_id, tech_skills, home_lat, home_lon in technicians:
            if not set(skills) <= set(tech_skills) or load.get(tech_id, 0) >= 6:
                continue
            km = distance_km((home_lat, home_lon), (lat, lon))
            if best is None or km < best[0]:
                best = (km, tech_id)
        if best:
            load[best[1]] = load.get(best[1], 0) + 1
    return (time.perf_counter() - started) / len(jobs)


class Database:
    """A fresh database per case: a temporary SQLite file, or a new database on a PostgreSQL server."""

    def __init__(self, server_url: str | None):
        self.server_url = server_url

    def __enter__(self) -> str:
        if self.server_url is None:
            self.tmp = tempfile.TemporaryDirectory()
            return f"sqlite:///{self.tmp.name}/bench.sqlite"
        url = make_url(self.server_url)
        self.name = f"onsite_bench_{uuid.uuid4().hex[:8]}"
        self.admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return url.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc):
        if self.server_url is None:
            self.tmp.cleanup()
        else:
            with psycopg.connect(self.admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def run_case(server_url: str | None, technicians: int, jobs: int, naive_sample: int) -> dict:
    from flask_migrate import upgrade

    with Database(server_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": lambda: PASS_AT})
        with app.app_context():
            upgrade()
        seed(app, technicians, jobs)
        started = time.perf_counter()
        summary = run_pass(app, PASS_AT)
        seconds = time.perf_counter() - started
        naive = naive_seconds_per_job(app, naive_sample)
        with app.app_context():
            db.engine.dispose()
    return {
        "technicians": technicians,
        "jobs": jobs,
        "reassigned": summary.reassigned,
        "escalated": summary.escalated,
        "pass_s": seconds,
        "per_job_ms": seconds / jobs * 1000,
        "per_second": summary.reassigned / seconds if seconds else 0,
        "naive_s": naive * jobs,
        "naive_sample": naive_sample,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite files)")
    parser.add_argument("--technicians", default="500,5000,50000")
    parser.add_argument("--jobs", default="1000,10000")
    parser.add_argument("--naive-sample", type=int, default=20, help="jobs timed for the naive approach")
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{database}; pass as of {PASS_AT.isoformat()}; naive = geopy against every on-shift technician")
    print(
        "| technicians | overdue jobs | reassigned | escalated | pass (s) | ms per job | moves/s "
        "| naive (s, extrapolated) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for jobs in (int(j) for j in args.jobs.split(",")):
        for technicians in (int(t) for t in args.technicians.split(",")):
            r = run_case(args.database_url, technicians, jobs, args.naive_sample)
            print(
                f"| {technicians:,} | {jobs:,} | {r['reassigned']:,} | {r['escalated']:,} | {r['pass_s']:.2f} "
                f"| {r['per_job_ms']:.2f} | {r['per_second']:,.0f} "
                f"| {r['naive_s']:,.1f} (from {r['naive_sample']} jobs) |",
                flush=True,
            )


if __name__ == "__main__":
    main()
