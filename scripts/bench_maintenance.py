"""Benchmark preventive maintenance: the scheduler's pass over 10,000 plans, beside a naive pass.

A fresh, migrated database (a temporary SQLite file, or a new database on the given PostgreSQL
server) gets N plans (default 10,000), one per asset, 200 customers: weekly rules on one weekday
each, started over the past two years, lead 6 days, so that each plan has exactly one occurrence
due: the pass makes N work orders, through intake's own path (events, warranty, SLA).

- `pass`: `scheduler.run_maintenance`, as the scheduler and `flask create-maintenance` run it: the
  due plans read by the index on (active, next_create_on), BATCH plans per transaction, a savepoint
  per plan, the occurrence claimed by its UNIQUE key.
- `naive`: what a first cron job would do, on a second database seeded alike: every plan read,
  its rule expanded over [today, today + lead], each occurrence looked up with a SELECT and made
  (the same `make_occurrence`, so the same work order) in one transaction per plan.

Each is then run a second time the same day (nothing left to make): the steady state of a
scheduler that runs every few minutes.

    .venv/bin/python scripts/bench_maintenance.py                      # SQLite, 10,000 plans
    .venv/bin/python scripts/bench_maintenance.py --plans 2000 --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)
from sqlalchemy import func, select

from backend import create_app
from backend.database import bulk_insert
from backend.domain.assets import local_day
from backend.domain.maintenance import make_occurrence, occurrence_on_or_after, parse_rule
from backend.extensions import db
from backend.models import Asset, Customer, MaintenanceOccurrence, MaintenancePlan, WorkOrder
from backend.scheduler import run_maintenance

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TIMEZONE = "Asia/Shanghai"
CUSTOMERS = 200
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LEAD_DAYS = 6


def seed(app, plans: int, seed_value: int) -> None:
    rng = random.Random(seed_value)
    today = local_day(NOW, TIMEZONE)
    with app.app_context():
        customers = [
            {
                "id": i,
                "name": f"Customer {i}",
                "phone": f"+86 138 0000 {i:04d}",
                "lat": 31.1 + rng.random() * 0.3,
                "lon": 121.3 + rng.random() * 0.4,
                "created_at": NOW,
            }
            for i in range(1, CUSTOMERS + 1)
        ]
        bulk_insert(db.session, Customer.__table__, customers)
        assets, rows = [], []
        rules = {}
        for i in range(1, plans + 1):
            customer = customers[i % CUSTOMERS]
            assets.append(
                {
                    "id": i,
                    "customer_id": customer["id"],
                    "model": "Chiller C-1",
                    "serial": f"C-{i:06d}",
                    "warranty_until": today + timedelta(days=rng.randrange(-365, 365)),
                    "lat": customer["lat"],
                    "lon": customer["lon"],
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            starts_on = today - timedelta(days=rng.randrange(1, 730))
            rrule = f"FREQ=WEEKLY;BYDAY={WEEKDAYS[i % 7]}"
            key = (rrule, starts_on)
            if key not in rules:
                rules[key] = occurrence_on_or_after(parse_rule(rrule, starts_on), today)
            next_day = rules[key]
            rows.append(
                {
                    "id": i,
                    "asset_id": i,
                    "title": f"Weekly check {i}",
                    "rrule": rrule,
                    "starts_on": starts_on,
                    "required_skills": ["hvac"],
                    "priority": "normal",
                    "lead_days": LEAD_DAYS,
                    "active": True,
                    "next_occurs_on": next_day,
                    "next_create_on": next_day - timedelta(days=LEAD_DAYS),
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        bulk_insert(db.session, Asset.__table__, assets)
        bulk_insert(db.session, MaintenancePlan.__table__, rows)
        db.session.commit()


def naive_pass(app, now: datetime) -> int:
    """Every plan, its rule expanded over [today, today + lead], each occurrence looked up and made."""
    made = 0
    today = local_day(now, TIMEZONE)
    with app.app_context():
        policy = app.config["SLA_POLICY"]
        for plan_id in db.session.scalars(select(MaintenancePlan.id).order_by(MaintenancePlan.id)).all():
            plan = db.session.get(MaintenancePlan, plan_id)
            rule = parse_rule(plan.rrule, plan.starts_on)
            horizon = today + timedelta(days=plan.lead_days)
            day = occurrence_on_or_after(rule, today)
            while plan.active and day is not None and day <= horizon:
                exists = db.session.scalar(
                    select(MaintenanceOccurrence.id).where(
                        MaintenanceOccurrence.plan_id == plan.id, MaintenanceOccurrence.occurs_on == day
                    )
                )
                if exists is None and make_occurrence(db.session, plan, day, now, policy, TIMEZONE):
                    made += 1
                day = occurrence_on_or_after(rule, day + timedelta(days=1))
            db.session.commit()
    return made


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def run_case(server_url: str | None, plans: int, seed_value: int) -> dict:
    from flask_migrate import upgrade

    figures = {"plans": plans, "backend": "postgresql" if server_url else "sqlite"}
    for name in ("pass", "naive"):
        with Database(server_url) as url:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": lambda: NOW})
            with app.app_context():
                upgrade()
            seed(app, plans, seed_value)
            for round_ in ("first", "again"):
                started, cpu = time.perf_counter(), time.process_time()
                made = run_maintenance(app, NOW).created if name == "pass" else naive_pass(app, NOW)
                figures[f"{name}_{round_}_s"] = round(time.perf_counter() - started, 2)
                figures[f"{name}_{round_}_cpu_s"] = round(time.process_time() - cpu, 2)
                figures[f"{name}_{round_}_made"] = made
            figures[f"{name}_work_orders"] = _count(app, WorkOrder)
            with app.app_context():
                db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL server to create the databases on (default: SQLite)")
    args = parser.parse_args()
    figures = run_case(args.database_url, args.plans, args.seed)
    per = 1000 / args.plans
    load = os.getloadavg()[0]
    print(f"{figures['backend']}, {args.plans:,} plans, one occurrence due each (as of {NOW:%Y-%m-%d %H:%M} UTC)")
    print(f"  load average at the end: {load:.1f} on {os.cpu_count()} cores (wall times stretch with it)")
    for name in ("pass", "naive"):
        print(
            f"  {name:5}: made {figures[f'{name}_first_made']:,} work orders in {figures[f'{name}_first_s']} s "
            f"({figures[f'{name}_first_s'] * per:.2f} ms a plan; CPU {figures[f'{name}_first_cpu_s']} s); "
            f"again the same day: {figures[f'{name}_again_made']} made in {figures[f'{name}_again_s']} s "
            f"(CPU {figures[f'{name}_again_cpu_s']} s)"
        )
    assert figures["pass_work_orders"] == figures["naive_work_orders"] == args.plans, figures


if __name__ == "__main__":
    main()
