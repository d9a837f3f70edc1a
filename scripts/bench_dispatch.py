"""Benchmark dispatch policies with the simulator, all policies in one run, against issue 14's targets.

The 15-technician city: five districts, requests peaking mid-morning, about half urgent, technicians
with one or two skills on shift 07:00-23:00, three days. The scale case: 500 technicians and 10,000
requests a day, replayed for an hour of its mid-morning peak only (a whole day takes too long here:
every request, ping and minute's pass is a real transaction).

    .venv/bin/python scripts/bench_dispatch.py                       # both cases, every policy
    .venv/bin/python scripts/bench_dispatch.py --per-day 70 --days 3 --scale-hours 0
    .venv/bin/python scripts/bench_dispatch.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres

With a PostgreSQL URL each policy runs in a new database created (and dropped) on that server.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import psycopg
from sqlalchemy.engine import make_url

from backend import create_app
from backend.simulation import POLICIES
from backend.simulation.policies import policy_unavailable
from backend.simulation.report import markdown_table, table
from backend.simulation.requests import PEAK_HOUR, synthetic_scenario
from backend.simulation.runner import run_policy, simulate

URGENT_TARGET_PCT = 95.0
KM_TARGET_SHARE = 0.85
LOAD_TARGET_FACTOR = 2.0


def targets(results) -> list[str]:
    """Issue 14's targets for each policy against the baseline of the same run."""
    by_name = {r.policy: r for r in results}
    baseline = by_name.get("baseline")
    lines = []
    for result in results:
        if result.policy == "baseline" or baseline is None:
            continue
        urgent, urgent_baseline = result.urgent_sla_pct or 0.0, baseline.urgent_sla_pct or 0.0
        _, most, mean = result.jobs_per_technician
        checks = [
            (f"urgent within SLA {urgent:.1f} % >= {URGENT_TARGET_PCT:.0f} %", urgent >= URGENT_TARGET_PCT),
            (f"not below the baseline's {urgent_baseline:.1f} %", urgent >= urgent_baseline),
            (
                f"km {result.road_km:,.0f} <= {KM_TARGET_SHARE} x {baseline.road_km:,.0f} "
                f"({result.road_km / baseline.road_km:.2f} x)",
                result.road_km <= KM_TARGET_SHARE * baseline.road_km,
            ),
            (f"most jobs {most} <= 2 x mean {mean:.1f}", most <= LOAD_TARGET_FACTOR * mean),
        ]
        lines += [f"{result.policy}: {'met ' if ok else 'MISSED'} {text}" for text, ok in checks]
    return lines


def postgres_runner(server_url: str, config: dict):
    """Run each policy in a new database on the server, dropped afterwards."""
    admin = make_url(server_url)
    libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    def run(scenario, policy):
        name = f"onsite_sim_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            return run_policy(config, admin.set(database=name).render_as_string(hide_password=False), scenario, policy)
        finally:
            with psycopg.connect(libpq, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return run


def run_case(label: str, scenario, policies: list[str], run) -> list:
    print(f"\n## {label}: {len(scenario.requests)} requests, {len(scenario.crew)} technicians", flush=True)
    results = run(scenario, policies)
    print(table(results))
    print()
    print(markdown_table(results))
    for line in targets(results):
        print(line)
    return results


def scale_scenario(seed: int, hours: float, tz: ZoneInfo):
    """A day of 10,000 requests for 500 technicians, cut to `hours` of its mid-morning peak (from
    PEAK_HOUR less half of `hours`), with two hours to finish the work."""
    day = synthetic_scenario(seed, 10_000, 1, 500, tz)
    first = day.start + timedelta(hours=PEAK_HOUR - hours / 2)
    last = first + timedelta(hours=hours)
    requests = [r for r in day.requests if first <= r.created_at < last]
    return replace(day, requests=requests, end=last, drain=timedelta(hours=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-day", type=int, default=70, help="requests a day in the 15-technician city")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--crew", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale-hours", type=float, default=1.0, help="hours of the scale case (0: skip it)")
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (default: SQLite files)")
    args = parser.parse_args()

    config = dict(create_app().config)
    tz = ZoneInfo(config["TIMEZONE"])
    policies = [p for p in POLICIES if policy_unavailable(p) is None]
    skipped = [f"{p} ({policy_unavailable(p)})" for p in POLICIES if p not in policies]
    if args.database_url:
        one = postgres_runner(args.database_url, config)

        def run(scenario, names):
            return [one(scenario, name) for name in names]
    else:

        def run(scenario, names):
            return simulate(config, scenario, names)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}, AUTO_ASSIGN={config['AUTO_ASSIGN']}, seed {args.seed}; skipped: {skipped or 'none'}")
    city = synthetic_scenario(args.seed, args.per_day, args.days, args.crew, tz)
    run_case(f"{args.crew} technicians, {args.days} days", city, policies, run)
    if args.scale_hours > 0:
        label = f"scale: 500 technicians, 10,000 requests a day, {args.scale_hours:g} h of the mid-morning peak"
        run_case(label, scale_scenario(args.seed, args.scale_hours, tz), policies, run)


if __name__ == "__main__":
    main()
