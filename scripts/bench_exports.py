"""Benchmark the work-order CSV export over 40,000 work orders: streamed (now) beside the old way
(the whole file built in memory before the first byte leaves), in the same run, on one database.

A fresh database with the demo city (default 400 technicians, 40,000 work orders). Each way runs
in a process of its own (so that one's peak memory does not hide the other's), signed in as the
demo dispatcher, through the app's HTTP layer (the Flask test client): time to the first byte,
total time, bytes, the process's peak RSS and how much it grew during the export.

    .venv/bin/python scripts/bench_exports.py                                  # SQLite
    .venv/bin/python scripts/bench_exports.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)

from backend import create_app
from backend.extensions import db
from backend.seed import DEMO_PASSWORD

NEW = "/api/v1/work-orders/export.csv"
OLD = "/bench/export-in-memory.csv"
MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
WAYS = {"whole in memory (before)": OLD, "streamed (after)": NEW}


def add_old_export(app) -> None:
    """The export as it was before streaming: every row read, the whole CSV written to a string,
    then one response (kept here only to measure against)."""
    import csv

    from flask import Response

    from backend.api.common import actor
    from backend.api.csv import _cell
    from backend.api.security import STAFF, roles_required
    from backend.api.work_orders import EXPORT_COLUMNS, EXPORT_LIMIT, _export_row, _filtered

    @roles_required(*STAFF)
    def export_in_memory():
        who = actor()
        rows = (_export_row(wo, who) for wo in db.session.scalars(_filtered({}).limit(EXPORT_LIMIT)))
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(list(EXPORT_COLUMNS))
        for row in rows:
            writer.writerow([_cell(value) for value in row])
        return Response(buffer.getvalue(), mimetype="text/csv")

    app.add_url_rule(OLD, "bench_export_in_memory", export_in_memory)


class RssSampler:
    """The process's resident memory, sampled every 5 ms while an export runs: its peak. (The
    kernel's own peak, ru_maxrss, is already set by signing in: scrypt takes a burst of memory.)"""

    def __init__(self):
        self.peak = self.before = self._rss()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self._rss())
            time.sleep(0.005)

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as statm:  # Linux: pages; the second field is resident
            return int(statm.read().split()[1]) * PAGE

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def measure_one(url: str, path: str) -> dict:
    """In this process: sign in, warm up on an empty export, then time one whole export."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False, "EXPORTS_PER_USER": 1})
    add_old_export(app)
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": "dispatcher@onsite.demo", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.json
    warm = client.get(NEW + "?q=no-such-job-anywhere")
    assert warm.status_code == 200, warm.data[:300]
    warm.close()
    gc.collect()
    with RssSampler() as memory:
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, response.data[:300]
        chunks = iter(response.response)
        first = next(chunks)
        first_byte = time.perf_counter() - started
        size = len(first) + sum(len(chunk) for chunk in chunks)
        total = time.perf_counter() - started
        response.close()
    return {
        "first_byte_s": first_byte,
        "total_s": total,
        "bytes": size,
        "peak_rss_mb": memory.peak / MB,
        "rss_growth_mb": (memory.peak - memory.before) / MB,
    }


def seed(app, technicians: int, work_orders: int) -> float:
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--technicians", str(technicians), "--work-orders", str(work_orders), "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    return time.perf_counter() - started


def in_own_process(url: str, path: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", path, "--url", url], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a new database is made on it)")
    parser.add_argument("--technicians", type=int, default=400)
    parser.add_argument("--work-orders", type=int, default=40_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # a child process: one way, one database
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_one(args.url, args.measure)))
        return
    from flask_migrate import upgrade

    with Database(args.database_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})
        with app.app_context():
            upgrade()
            dialect = db.engine.dialect.name
        seconds = seed(app, args.technicians, args.work_orders)
        with app.app_context():
            db.engine.dispose()
        city = f"{args.work_orders:,} work orders, {args.technicians:,} technicians"
        print(f"{dialect}: {city} (seeded in {seconds:.0f} s)")
        print(f"  {'way':26} {'first byte':>11} {'total':>8} {'size':>9} {'peak RSS':>9} {'growth':>8}")
        for name, path in WAYS.items():
            figures = in_own_process(url, path)
            print(
                f"  {name:26} {figures['first_byte_s']:9.3f} s {figures['total_s']:6.2f} s "
                f"{figures['bytes'] / 1e6:6.1f} MB {figures['peak_rss_mb']:6.0f} MB {figures['rss_growth_mb']:5.0f} MB"
            )


if __name__ == "__main__":
    main()
