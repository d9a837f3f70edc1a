"""Benchmark the customer's side beside the staff requests it resembles, through the app as served
(HTTP handler, checks, queries, JSON), on a fresh database with a day's city around it.

A fresh, migrated database (a temporary SQLite file, or a new database on the given PostgreSQL
server) gets JOBS work orders of one customer, each assigned, accepted and on the way with a dozen
events, and one dispatcher. Then the median and 95th percentile of:
  - GET /api/v1/track/{token} (what a customer's phone polls every 30 s), beside the dispatcher's
    GET /api/v1/work-orders/{id} of the same job (the baseline: the staff detail of one job);
  - POST /api/v1/portal/codes (a code queued to the outbox) and POST /api/v1/portal/session (a try
    spent in its own transaction, the HMAC compared, a session opened), beside POST /api/v1/auth/login
    (the baseline sign-in; a fast test hash, as the suite uses);
  - GET /api/v1/portal/requests (the customer's list of JOBS requests, first page of 50).

    .venv/bin/python scripts/bench_portal.py                      # SQLite
    .venv/bin/python scripts/bench_portal.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
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

from backend import create_app
from backend.domain import portal as portal_rules
from backend.domain.actors import Actor
from backend.domain.directory import create_customer, create_technician, create_user, record_location
from backend.domain.tracking import token_for
from backend.domain.work_orders import create_work_order
from backend.domain.workflow import apply
from backend.extensions import db

HASH = "pbkdf2:sha256:1000"
PASSWORD = "benchmark-only"
PHONE = "+86 139 1234 5678"
CODE = "482913"


class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


def seed(app, jobs: int) -> list[int]:
    """JOBS jobs of one customer, each on the way; the technician's fresh position. Their ids."""
    clock = app.config["CLOCK"]
    with app.app_context():
        dispatcher = create_user(
            db.session, email="d@bench.test", password=PASSWORD, role="dispatcher", name="D", hash_method=HASH
        )
        technician = create_technician(
            db.session,
            {"email": "t@bench.test", "password": PASSWORD, "name": "Tom Tech", "skills": ["hvac"],
             "home": {"lat": 31.2, "lon": 121.4}, "on_shift": True, "max_open_jobs": jobs + 1},
            HASH,
        )  # fmt: skip
        customer = create_customer(
            db.session, {"name": "李女士", "phone": PHONE, "location": {"lat": 31.23, "lon": 121.47}}
        )
        ids = []
        for i in range(jobs):
            body = {"customer_id": customer.id, "title": f"洗衣机不排水 {i}", "priority": "normal", "channel": "portal",
                    "location": {"lat": 31.23 + i * 1e-4, "lon": 121.47}, "address": "南京东路 1 号"}  # fmt: skip
            wo = create_work_order(db.session, Actor.of(dispatcher), clock.now, body, app.config["SLA_POLICY"])
            apply(db.session, wo, "assign", Actor.of(dispatcher), clock.now, technician_id=technician.id)
            apply(db.session, wo, "accept", Actor.of(technician.user), clock.now)
            apply(db.session, wo, "depart", Actor.of(technician.user), clock.now)
            ids.append(wo.id)
        record_location(technician, clock.now, 31.3, 121.5)
        db.session.commit()
    return ids


def timed(call, rounds: int) -> dict:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code < 300, (response.status_code, response.get_json())
    times.sort()
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}


def run(server_url: str | None, jobs: int, rounds: int) -> dict:
    from flask_migrate import upgrade

    portal_rules.new_code = lambda: CODE  # the code the benchmark types (delivery is the outbox's)
    with Database(server_url) as url:
        clock = Clock()
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "CLOCK": clock, "PASSWORD_HASH_METHOD": HASH, "AUTO_ASSIGN": "off",
             "PORTAL_CODE_LIMIT_PER_CONTACT": "1000000 per hour", "PORTAL_CODE_LIMIT_PER_ADDRESS": "1000000 per hour",
             "LOGIN_LIMIT_PER_ACCOUNT": "1000000 per minute", "LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute"}
        )  # fmt: skip
        with app.app_context():
            upgrade()
        ids = seed(app, jobs)
        token = token_for(ids[0], app.config["SECRET_KEY"])
        staff = app.test_client()
        assert staff.post("/api/v1/auth/login", json={"email": "d@bench.test", "password": PASSWORD}).status_code == 200
        anyone = app.test_client()
        customer = app.test_client()
        customer.post("/api/v1/portal/codes", json={"phone": PHONE})
        customer.post("/api/v1/portal/session", json={"phone": PHONE, "code": CODE})

        def sign_in():
            anyone.post("/api/v1/portal/codes", json={"phone": PHONE})
            return anyone.post("/api/v1/portal/session", json={"phone": PHONE, "code": CODE})

        figures = {
            "track": timed(lambda: anyone.get(f"/api/v1/track/{token}"), rounds),
            "baseline_staff_detail": timed(lambda: staff.get(f"/api/v1/work-orders/{ids[0]}"), rounds),
            "portal_code": timed(lambda: anyone.post("/api/v1/portal/codes", json={"phone": PHONE}), rounds),
            "portal_code_and_session": timed(sign_in, rounds),
            "baseline_login": timed(
                lambda: anyone.post("/api/v1/auth/login", json={"email": "d@bench.test", "password": PASSWORD}), rounds
            ),
            "portal_requests_page": timed(lambda: customer.get("/api/v1/portal/requests"), rounds),
        }
        with app.app_context():
            db.engine.dispose()
    return {"database": "postgresql" if server_url else "sqlite", "jobs": jobs, "rounds": rounds, **figures}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server (a database is created and dropped)")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(run(args.database_url, args.jobs, args.rounds), indent=2))
