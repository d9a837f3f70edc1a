"""Benchmark the stock views over a large ledger: balances from the cached table beside the same
sums computed from the ledger alone (the baseline the cache replaces).

A fresh, migrated database (a temporary SQLite file, or a new database on the given PostgreSQL
server) gets P parts (default 2,000), 5 warehouses, V technicians with a van each (default 100) and
M ledger rows (default 500,000) spread over them, written through `record_movement` in batches so
that the cached balances are what the domain keeps. Then the median time of each request, through
the app as served (HTTP handler, role check, query, JSON), and of the ledger's sums.

    .venv/bin/python scripts/bench_stock.py                                        # SQLite
    .venv/bin/python scripts/bench_stock.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)
from sqlalchemy import insert, text

from backend import create_app
from backend.domain.directory import create_technician, create_user
from backend.domain.parts import cached_balances, ledger_sums
from backend.extensions import db
from backend.models import Part, StockBalance, StockLocation, StockMovement

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HASH = "pbkdf2:sha256:1000"
PASSWORD = "benchmark-only"
DISPATCHER = "d@bench.test"
HOME = {"lat": 31.23, "lon": 121.47}
WAREHOUSES = 5


def seed(parts: int, vans: int, movements: int, rng: random.Random) -> tuple[int, list[int]]:
    """Parts, locations, and `movements` ledger rows with the balances they sum to (bulk inserts:
    the same rows `record_movement` writes, without a statement per row)."""
    session = db.session
    session.execute(
        insert(Part),
        [
            {
                "sku": f"P-{n:05d}",
                "name": f"Part {n}",
                "unit": "pcs",
                "price": 100 + n,
                "currency": "CNY",
                "min_stock_milli": 5000,
                "active": True,
                "unlisted": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for n in range(parts)
        ],
    )
    user = create_user(session, email=DISPATCHER, password=PASSWORD, role="dispatcher", name="D", hash_method=HASH)
    for n in range(WAREHOUSES):
        session.add(StockLocation(kind="warehouse", name=f"Warehouse {n}", created_at=NOW))
    for n in range(vans):
        data = {"email": f"t{n}@bench.test", "password": PASSWORD, "name": f"T{n}", "skills": [], "home": HOME}
        technician = create_technician(session, data, HASH)
        session.add(StockLocation(kind="van", name=f"Van {n}", technician_id=technician.id, created_at=NOW))
    session.flush()
    part_ids = [row[0] for row in session.execute(text("SELECT id FROM parts ORDER BY id"))]
    location_ids = [row[0] for row in session.execute(text("SELECT id FROM stock_locations ORDER BY id"))]
    balances: dict[tuple[int, int], int] = {}
    batch = []
    for _ in range(movements):
        key = (rng.choice(part_ids), rng.choice(location_ids))
        qty = rng.choice((1000, 2000, 5000, -1000, -2000))
        balances[key] = balances.get(key, 0) + qty
        batch.append(
            {
                "part_id": key[0],
                "location_id": key[1],
                "qty_milli": qty,
                "faulty": False,
                "kind": "receipt" if qty > 0 else "consumption",
                "actor_user_id": user.id,
                "occurred_at": NOW,
                "recorded_at": NOW,
                "balance_after_milli": balances[key],
                "flags": [],
            }
        )
        if len(batch) == 20_000:
            session.execute(insert(StockMovement), batch)
            batch = []
    if batch:
        session.execute(insert(StockMovement), batch)
    session.execute(
        insert(StockBalance),
        [{"part_id": p, "location_id": loc, "qty_milli": q, "faulty_milli": 0} for (p, loc), q in balances.items()],
    )
    session.commit()
    return location_ids[0], location_ids


def timed(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(server_url: str | None, parts: int, vans: int, movements: int, runs: int) -> dict:
    from flask_migrate import upgrade

    with Database(server_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": lambda: NOW, "RATELIMIT_STORAGE_URI": "memory://"})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            warehouse, locations = seed(parts, vans, movements, random.Random(1))
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            load_s = time.perf_counter() - started
            dialect = db.engine.dialect.name
            assert ledger_sums(db.session) == cached_balances(db.session)  # the cache is the ledger's sums
            db.session.remove()
        client = app.test_client()
        assert client.post("/api/v1/auth/login", json={"email": DISPATCHER, "password": PASSWORD}).status_code == 200

        def get(path):
            def call():
                response = client.get(path)
                assert response.status_code == 200, response.json

            return call

        results = {
            f"one warehouse, first page of 200 ({parts} parts)": timed(
                get(f"/api/v1/stock?location_id={warehouse}&per_page=200"), runs
            ),
            "low and negative, everywhere, first page of 200": timed(get("/api/v1/stock?low=true&per_page=200"), runs),
            "one van": timed(get(f"/api/v1/stock?location_id={locations[-1]}&per_page=200"), runs),
            "one part's movements, newest 50": timed(get("/api/v1/stock/movements?part_id=1&per_page=50"), runs),
        }
        with app.app_context():
            results["every balance from the cache (baseline below)"] = timed(lambda: cached_balances(db.session), runs)
            results["every balance summed from the ledger"] = timed(lambda: ledger_sums(db.session), runs)
            db.session.remove()
            db.engine.dispose()
    return {"dialect": dialect, "load_s": load_s, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (a database is created and dropped)")
    parser.add_argument("--parts", type=int, default=2_000)
    parser.add_argument("--vans", type=int, default=100)
    parser.add_argument("--movements", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    figures = run(args.database_url, args.parts, args.vans, args.movements, args.runs)
    print(
        f"{figures['dialect']}: {args.parts} parts, {WAREHOUSES} warehouses, {args.vans} vans, "
        f"{args.movements} ledger rows, loaded in {figures['load_s']:.1f} s; median of {args.runs}"
    )
    print("| request | time |")
    print("|---|---|")
    for label, ms in figures["results"].items():
        print(f"| {label} | {ms:.1f} ms |")


if __name__ == "__main__":
    main()
