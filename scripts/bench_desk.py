"""Benchmark the intake desk's requests in a city of 100,000 work orders.

A fresh, migrated database (a temporary SQLite file, or a new database on the given PostgreSQL
server) gets the demo city (`seed_city`: 1,000 technicians, N work orders, default 100,000), one
in twenty of them made complaints. Then the median time of each request, through the app as served
(test client, a logged-in dispatcher): the board's counts, intake with three skills given as codes
and as names (resolved to codes), intake without skills beside it, the roster filtered by a skill's
Chinese name, and address suggestions from a Nominatim stand-in on loopback, asked (a miss) and
then answered from the shared cache (a hit).

    .venv/bin/python scripts/bench_desk.py                                  # SQLite
    .venv/bin/python scripts/bench_desk.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)
from sqlalchemy import text

from backend import create_app
from backend.domain.directory import create_user
from backend.domain.dispatch import dispatch_settings
from backend.extensions import db
from backend.seed import seed_city

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HASH = "pbkdf2:sha256:1000"
RUNS = 9


class Nominatim(BaseHTTPRequestHandler):
    """Nominatim's /search as a stand-in: one place for any query."""

    def do_GET(self):
        body = json.dumps([{"display_name": "1, 南京东路, 黄浦区, 上海市, 中国", "lat": "31.2400", "lon": "121.4868"}])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def median_ms(call, runs: int = RUNS) -> float:
    call(0)  # warm-up
    times = []
    for i in range(1, runs + 1):
        started = time.perf_counter()
        response = call(i)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code < 300, response.get_json()
    return statistics.median(times)


def run(server_url: str | None, work_orders: int) -> dict:
    from flask_migrate import upgrade

    geocoder = ThreadingHTTPServer(("127.0.0.1", 0), Nominatim)
    threading.Thread(target=geocoder.serve_forever, daemon=True).start()
    with Database(server_url) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "CLOCK": lambda: NOW,
                "PASSWORD_HASH_METHOD": HASH,
                "AUTO_ASSIGN": "off",
                "GEOCODER": "nominatim",
                "GEOCODER_URL": f"http://127.0.0.1:{geocoder.server_address[1]}",
            }
        )
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            seed_city(
                db.session,
                technicians=1000,
                work_orders=work_orders,
                seed=1,
                now=NOW,
                sla_policy=app.config["SLA_POLICY"],
                accept_timeout=app.config["ACCEPT_TIMEOUT_MINUTES"],
                password_hash=HASH,
                dispatch=dispatch_settings(app.config, db.session),
            )
            db.session.execute(text("UPDATE work_orders SET type = 'complaint' WHERE id % 20 = 0"))
            create_user(
                db.session, email="bench@x.io", password="password123", role="dispatcher", name="B", hash_method=HASH
            )
            db.session.commit()
            seeded = time.perf_counter() - started
            customer_id = db.session.scalar(text("SELECT min(id) FROM customers"))
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"email": "bench@x.io", "password": "password123"})
        headers = {"X-CSRF-Token": login.get_json()["csrf_token"]}
        client.post(
            "/api/v1/skills",
            json={"code": "washer", "name_en": "Washing machines", "name_zh": "洗衣机维修"},
            headers=headers,
        )
        job = {
            "customer_id": customer_id,
            "title": "Washer leaks",
            "priority": "normal",
            "channel": "phone",
            "location": {"lat": 31.23, "lon": 121.47},
        }

        def intake(skills):
            return lambda i: client.post(
                "/api/v1/work-orders", json={**job, "required_skills": skills}, headers=headers
            )

        figures = {
            "seconds to seed": round(seeded, 1),
            "board's counts": median_ms(lambda i: client.get("/api/v1/board/counts")),
            "intake, no skills": median_ms(intake([])),
            "intake, 3 codes": median_ms(intake(["hvac", "electrical", "plumbing"])),
            "intake, 3 names (en, zh, any case)": median_ms(intake(["洗衣机维修", "HVAC", "Electrical"])),
            "roster by a skill's Chinese name": median_ms(lambda i: client.get("/api/v1/technicians?skill=洗衣机维修")),
            "geocode, miss (stand-in on loopback)": median_ms(lambda i: client.get(f"/api/v1/geocode?q=nanjing {i}")),
            "geocode, hit (shared cache)": median_ms(lambda i: client.get(f"/api/v1/geocode?q=nanjing {i}")),
        }
        with app.app_context():
            figures["complaints open"] = client.get("/api/v1/board/counts").get_json()["complaints_open"]
            db.engine.dispose()
    geocoder.shutdown()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: a temporary SQLite file)")
    parser.add_argument("--work-orders", type=int, default=100_000)
    args = parser.parse_args()
    for name, value in run(args.database_url, args.work_orders).items():
        unit = "" if isinstance(value, int) or name.startswith("seconds") else " ms"
        print(f"{name}: {value}{unit}" if isinstance(value, int) else f"{name}: {value:.1f}{unit}")


if __name__ == "__main__":
    main()
