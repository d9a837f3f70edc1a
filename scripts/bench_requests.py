"""Benchmark the requests of a day's load one at a time, beside `/healthz` in the same run.

The load test (scripts/loadtest/) says how the requests fare together on a busy machine; this says
what each costs alone, so a change to one shows without the noise of the whole. A fresh database
with the load test's city (500 technicians, 5,000 work orders), then through the app's HTTP layer
(the Flask test client): the median time, CPU and queries of each request, and its ratio to
`/healthz` (Flask, the session and one `SELECT 1`: the stack's own floor).

    .venv/bin/python scripts/bench_requests.py                                  # SQLite
    .venv/bin/python scripts/bench_requests.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_kpis import seed
from bench_reassign import Database
from sqlalchemy import func, select

from backend import create_app
from backend.extensions import db
from backend.models import Technician, User, WorkOrder
from backend.seed import DEMO_PASSWORD

OPEN = "assigned,accepted,en_route,on_site,on_hold"


def busiest_technician(app) -> str:
    """The email of a technician with the most open jobs (the job list worth measuring)."""
    with app.app_context():
        return db.session.scalar(
            select(User.email)
            .join(Technician, Technician.user_id == User.id)
            .join(WorkOrder, WorkOrder.technician_id == Technician.id)
            .where(WorkOrder.status.in_(OPEN.split(",")))
            .group_by(User.email)
            .order_by(func.count().desc(), User.email)
            .limit(1)
        )


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.json
    client.csrf = response.json["csrf_token"]
    return client


def cost(call, runs: int) -> tuple[float, float, str]:
    """Median wall ms, median CPU ms (this thread), and the last answer's query count."""
    call()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.thread_time()
        response = call()
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    queries = response.headers.get("Server-Timing", "").split('desc="')[-1].split(" ")[0]
    return statistics.median(walls), statistics.median(cpus), queries


def measure(app, runs: int) -> None:
    technician = signed_in(app, busiest_technician(app))
    dispatcher = signed_in(app, "dispatcher@onsite.demo")
    with app.app_context():
        new_job = db.session.scalar(select(WorkOrder.id).where(WorkOrder.status == "new").limit(1))

    def ok(response, status=200):
        assert response.status_code == status, response.json
        return response

    requests = {
        "/healthz (baseline)": lambda: ok(technician.get("/healthz")),
        "job list (technician)": lambda: ok(technician.get(f"/api/v1/work-orders?status={OPEN}&per_page=200")),
        "board (200 jobs)": lambda: ok(dispatcher.get(f"/api/v1/work-orders?status=new,{OPEN}&per_page=200")),
        "live updates": lambda: ok(dispatcher.get("/api/v1/events?after=0")),
        "candidates": lambda: ok(dispatcher.get(f"/api/v1/work-orders/{new_job}/candidates")),
        "location ping": lambda: ok(
            technician.post(
                "/api/v1/me/location",
                json={"lat": 31.23, "lon": 121.47},
                headers={"X-CSRF-Token": technician.csrf},
            ),
            204,
        ),
    }
    baseline = None
    print(f"  {'request':24} {'wall ms':>8} {'CPU ms':>7} {'queries':>8} {'x /healthz':>11}")
    for name, call in requests.items():
        wall, cpu, queries = cost(call, runs)
        baseline = baseline or wall
        print(f"  {name:24} {wall:8.2f} {cpu:7.2f} {queries:>8} {wall / baseline:11.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a new database is made on it)")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    from flask_migrate import upgrade

    with Database(args.database_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False, "SERVER_TIMING": True})
        with app.app_context():
            upgrade()
            dialect = db.engine.dialect.name
        seconds = seed(app, 500, 5000)
        print(f"{dialect}: 500 technicians, 5,000 work orders (seeded in {seconds:.0f} s); median of {args.runs}")
        measure(app, args.runs)


if __name__ == "__main__":
    main()
