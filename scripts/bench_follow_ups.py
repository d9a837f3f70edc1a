"""Benchmark the follow-up queue (回访) with 100,000 closed jobs, as the console asks for it.

A fresh, migrated database (a temporary SQLite file, or a new database on the given PostgreSQL
server) gets N closed jobs (default 100,000) spread over the past year, 20 technicians, and the
follow-up calls the closing rules give them (every rating of 3 or less, every dispute, and
FOLLOW_UP_SAMPLE_PCT = 20 % of the rest by the HMAC rule): nearly all done, a few due, a few
overdue. Then the median time of each request a dispatcher makes, through the app as served (HTTP
handler, role check, query, JSON): the queue's first page of 50 per status, a page deep into the
done calls, one call, the board's two counts, and the KPI figures of a month.

    .venv/bin/python scripts/bench_follow_ups.py                                  # SQLite
    .venv/bin/python scripts/bench_follow_ups.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)
from sqlalchemy import text

from backend import create_app
from backend.database import bulk_insert
from backend.domain.directory import create_technician, create_user
from backend.domain.follow_ups import FollowUpPolicy, reason_for
from backend.extensions import db
from backend.models import Customer, FollowUp, Signoff, WorkOrder

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HASH = "pbkdf2:sha256:1000"
PASSWORD = "benchmark-only"
DISPATCHER = "d@bench.test"
HOME = {"lat": 31.23, "lon": 121.47}
TECHNICIANS = 20
CUSTOMERS = 2_000
FOLLOW_UP_DAYS = 3


class Job:
    """Enough of a work order for the closing rules (`reason_for` reads its id and type)."""

    def __init__(self, id_: int):
        self.id = id_
        self.type = "repair"


def seed(count: int, rng: random.Random, technician_ids: list[int]) -> int:
    """`count` closed jobs over the past year with their sign-offs and follow-ups; returns the calls made."""
    policy = FollowUpPolicy(sample_pct=20, days=FOLLOW_UP_DAYS, secret=os.environ["SECRET_KEY"])
    customers = [
        {"id": i, "name": f"Customer {i}", "phone": f"+86 138 {i:04d} {i % 10_000:04d}", "created_at": NOW}
        for i in range(1, CUSTOMERS + 1)
    ]
    bulk_insert(db.session, Customer.__table__, customers)
    jobs, signoffs, follow_ups = [], [], []
    for i in range(1, count + 1):
        closed_at = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
        created_at = closed_at - timedelta(hours=rng.randrange(2, 72))
        jobs.append(_job(i, rng, technician_ids, created_at, closed_at))
        rating = rng.choices([5, 4, 3, 2, 1], weights=[60, 25, 8, 4, 3])[0]
        signoffs.append(_signoff(i, rating, closed_at))
        reason = reason_for(Job(i), rating, rng.random() < 0.02, policy)
        if reason:
            follow_ups.append(_follow_up(i, reason, closed_at, rng))
    bulk_insert(db.session, WorkOrder.__table__, jobs)
    bulk_insert(db.session, Signoff.__table__, signoffs)
    for n, row in enumerate(follow_ups, start=1):
        row["id"] = n  # PostgreSQL's COPY takes the ids as given
    bulk_insert(db.session, FollowUp.__table__, follow_ups)
    db.session.commit()
    return len(follow_ups)


def _job(i, rng, technician_ids, created_at, closed_at) -> dict:
    return {
        "id": i,
        "number": f"WO-{i:06d}",
        "customer_id": rng.randrange(1, CUSTOMERS + 1),
        "title": f"Air conditioner {i} blows warm air",
        "priority": rng.choice(["urgent", "high", "normal", "low"]),
        "channel": "phone",
        "status": "closed",
        "type": "repair",
        "required_skills": ["hvac"],
        "lat": 31.2 + rng.random() / 10,
        "lon": 121.4 + rng.random() / 10,
        "technician_id": rng.choice(technician_ids),
        "created_at": created_at,
        "assigned_at": created_at,
        "accepted_at": created_at,
        "arrived_at": created_at + timedelta(hours=1),
        "completed_at": closed_at - timedelta(minutes=5),
        "closed_at": closed_at,
        "response_due_at": created_at + timedelta(hours=4),
        "resolve_due_at": created_at + timedelta(hours=72),
        "resolution": "Start capacitor replaced",
        "first_time_fix": True,
        "reopen_count": 0,
        "version": 8,
    }


def _signoff(i, rating, closed_at) -> dict:
    return {
        "id": i,
        "work_order_id": i,
        "method": "device",
        "accepted": True,
        "signer_name": "Mrs Li",
        "rating": rating,
        "record_hash": "0" * 64,
        "signed_at": closed_at,
        "recorded_at": closed_at,
    }


def _follow_up(i, reason, closed_at, rng) -> dict:
    due_at = closed_at + timedelta(days=FOLLOW_UP_DAYS)
    # Calls falling due by now are nearly all made; a few are late (overdue); the newest are still due.
    done = due_at <= NOW and rng.random() < 0.98
    done_at = min(due_at - timedelta(hours=rng.randrange(0, 48)), NOW) if done else None
    outcome = {"reached": True, "satisfaction": rng.randint(1, 5), "comment": None, "reopened": False}
    return {
        "work_order_id": i,
        "reason": reason,
        "created_at": closed_at,
        "due_at": due_at,
        "done_at": done_at,
        "outcome": outcome if done else None,
    }


def timed(client, path: str, runs: int) -> tuple[float, int]:
    """Median milliseconds of `runs` GETs (after one warm-up), and the answer's total when it has one."""
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code, first.get_data(as_text=True)[:300])
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), (first.json or {}).get("total")


NOVEMBER = "from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z"
REQUESTS = {
    "queue: due, first page of 50": "/api/v1/follow-ups?status=due",
    "queue: overdue, first page of 50": "/api/v1/follow-ups?status=overdue",
    "queue: done, first page of 50": "/api/v1/follow-ups?status=done",
    "queue: done, page 200 of 50": "/api/v1/follow-ups?status=done&page=200",
    "queue: done in November": f"/api/v1/follow-ups?status=done&{NOVEMBER}",
    "board's counts (due)": "/api/v1/follow-ups?status=due&per_page=1",
    "board's counts (overdue)": "/api/v1/follow-ups?status=overdue&per_page=1",
    "one call": "/api/v1/follow-ups/100",
    "KPIs of November (with the follow-up figures)": f"/api/v1/reports/kpis?{NOVEMBER}",
}


def run(server_url: str | None, count: int, runs: int) -> dict:
    from flask_migrate import upgrade

    with Database(server_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": lambda: NOW, "RATELIMIT_STORAGE_URI": "memory://"})
        with app.app_context():
            upgrade()
            create_user(db.session, email=DISPATCHER, password=PASSWORD, role="dispatcher", name="D", hash_method=HASH)
            technician_ids = [
                create_technician(
                    db.session,
                    {"email": f"t{n}@bench.test", "password": PASSWORD, "name": f"T{n}", "skills": [], "home": HOME},
                    HASH,
                ).id
                for n in range(TECHNICIANS)
            ]
            db.session.commit()
            started = time.perf_counter()
            calls = seed(count, random.Random(1), technician_ids)
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give
                db.session.commit()
            load_s = time.perf_counter() - started
            dialect = db.engine.dialect.name
            db.session.remove()
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"email": DISPATCHER, "password": PASSWORD})
        assert login.status_code == 200, login.json
        results = {label: timed(client, path, runs) for label, path in REQUESTS.items()}
        with app.app_context():
            db.engine.dispose()
    return {"dialect": dialect, "load_s": load_s, "calls": calls, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (a database is created and dropped)")
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    figures = run(args.database_url, args.jobs, args.runs)
    print(
        f"{figures['dialect']}: {args.jobs} closed jobs, {figures['calls']} follow-up calls, "
        f"loaded in {figures['load_s']:.1f} s; median of {args.runs}"
    )
    print("| request | total | time |")
    print("|---|---|---|")
    for label, (ms, total) in figures["results"].items():
        print(f"| {label} | {'' if total is None else total} | {ms:.1f} ms |")


if __name__ == "__main__":
    main()
