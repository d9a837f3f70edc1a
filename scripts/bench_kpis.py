"""Benchmark the KPI endpoints over a large city, beside a baseline in the same run.

A fresh database with the demo city (default 5,000 technicians, 100,000 work orders spread over
the past months); then, through the app's HTTP layer (the Flask test client, signed in as the
demo dispatcher), `GET /api/v1/reports/kpis` over a period holding every work order, and the
breakdowns by technician, priority and day. The baseline, in the same run: one figure (the mean
response time) read from the work orders' own columns over the same cohort, in one SQL aggregate;
the ratio says what the twelve figures from the timeline cost beyond scanning the cohort once.

    .venv/bin/python scripts/bench_kpis.py                                  # SQLite
    .venv/bin/python scripts/bench_kpis.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)
from sqlalchemy import func, select

from backend import create_app
from backend.domain.kpis import minutes_between
from backend.extensions import db
from backend.models import WorkOrder
from backend.seed import DEMO_PASSWORD

PERIOD = "from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z"  # every seeded work order
ENDPOINTS = {
    "kpis": f"/api/v1/reports/kpis?{PERIOD}",
    "by technician": f"/api/v1/reports/kpis/breakdown?by=technician&{PERIOD}",
    "by priority": f"/api/v1/reports/kpis/breakdown?by=priority&{PERIOD}",
    "by day": f"/api/v1/reports/kpis/breakdown?by=day&{PERIOD}",
}


def timed(call, runs: int) -> float:
    """Median milliseconds of `runs` calls, after one warm-up."""
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def seed(app, technicians: int, work_orders: int) -> float:
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--technicians", str(technicians), "--work-orders", str(work_orders), "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    return time.perf_counter() - started


def measure(app, runs: int) -> None:
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": "dispatcher@onsite.demo", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.json

    def one_figure_from_columns():
        with app.app_context():
            response = minutes_between(db.session, WorkOrder.arrived_at, WorkOrder.created_at)
            cohort = WorkOrder.created_at.between(datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
            return db.session.scalar(select(func.avg(response)).where(cohort))

    def fetch(path):
        response = client.get(path)
        assert response.status_code == 200, response.json
        return response

    baseline = timed(one_figure_from_columns, runs)
    total = fetch(ENDPOINTS["kpis"]).json
    print(f"  baseline: mean response from the columns of {total['created']:,} work orders: {baseline:.1f} ms")
    for name, path in ENDPOINTS.items():
        ms = timed(lambda path=path: fetch(path), runs)
        verdict = "under 1 s" if ms < 1000 else "OVER 1 s"
        print(f"  {name:14} {ms:8.1f} ms  ({ms / baseline:5.1f}x the baseline)  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a new database is made on it)")
    parser.add_argument("--technicians", type=int, default=5000)
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from flask_migrate import upgrade

    with Database(args.database_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})
        with app.app_context():
            upgrade()
            dialect = db.engine.dialect.name
        seconds = seed(app, args.technicians, args.work_orders)
        print(
            f"{dialect}: {args.technicians:,} technicians, {args.work_orders:,} work orders (seeded in {seconds:.0f} s)"
        )
        measure(app, args.runs)


if __name__ == "__main__":
    main()
