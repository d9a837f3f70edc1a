"""Flask commands: create-user, seed-demo, reassign-overdue, scheduler, purge-idempotency, simulate."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .domain.directory import create_technician, create_user
from .domain.dispatch import dispatch_settings
from .domain.errors import ValidationFailed
from .domain.skills import resolve as resolve_skills
from .extensions import db
from .models import ROLES, utcnow
from .simulation import POLICIES


def _lat_lon(value: str) -> dict:
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("expected LAT,LON, e.g. 31.23,121.47") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise click.BadParameter("latitude must be within ±90 and longitude within ±180")
    return {"lat": lat, "lon": lon}


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default=None, help="defaults to the part of the email before @")
@click.option("--skills", default="", help="technicians: comma-separated skills")
@click.option("--home", default=None, help="technicians: home position as LAT,LON")
@click.option("--phone", default=None)
def create_user_command(email, password, role, name, skills, home, phone):
    """Create a user; a technician also gets a technician profile."""
    name = name or email.split("@")[0]
    hash_method = current_app.config["PASSWORD_HASH_METHOD"]
    try:
        if role == "technician":
            if home is None:
                raise click.UsageError("a technician needs --home LAT,LON")
            data = {
                "email": email,
                "password": password,
                "name": name,
                "phone": phone,
                "skills": resolve_skills(
                    db.session, [s.strip() for s in skills.split(",") if s.strip()], None, utcnow(), "skills"
                ),
                "home": _lat_lon(home),
            }
            user = create_technician(db.session, data, hash_method).user
        else:
            user = create_user(
                db.session, email=email, password=password, role=role, name=name, hash_method=hash_method
            )
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException("; ".join(f"{k}: {', '.join(v)}" for k, v in error.fields.items())) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@click.command("seed-demo")
@with_appcontext
@click.option("--technicians", default=40, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--work-orders", default=400, show_default=True, type=click.IntRange(0, 10_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has work orders")
@click.option("--now", "as_of", help="the city as of this ISO 8601 instant (default: now)")
def seed_demo_command(technicians, work_orders, seed, if_empty, as_of):
    """Fill the database with a synthetic city (deterministic for a seed and --now) and print the demo logins.

    The city is a live moment: nothing in it is due for the scheduler yet. Demo logins that already
    exist are left as they are; everything else is added beside existing data.
    """
    from sqlalchemy import func, select
    from werkzeug.security import generate_password_hash

    from .models import WorkOrder
    from .seed import DEMO_PASSWORD, seed_city

    now = IsoInstant().convert(as_of, None, None) if as_of else current_app.config["CLOCK"]()
    if if_empty and db.session.scalar(select(func.count()).select_from(WorkOrder)):
        click.echo("seed-demo: the database already has work orders; nothing added")
        return
    started = time.perf_counter()
    summary = seed_city(
        db.session,
        technicians=technicians,
        work_orders=work_orders,
        seed=seed,
        now=now,
        sla_policy=current_app.config["SLA_POLICY"],
        accept_timeout=current_app.config["ACCEPT_TIMEOUT_MINUTES"],
        password_hash=generate_password_hash(DEMO_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"]),
        dispatch=dispatch_settings(current_app.config, db.session),
        timezone=current_app.config["TIMEZONE"],
        currency=current_app.config["CURRENCY"],
    )
    db.session.commit()
    seconds = time.perf_counter() - started
    click.echo(f"seeded {summary['technicians']} technicians and {work_orders} work orders in {seconds:.1f} s")
    click.echo("statuses: " + ", ".join(f"{k} {v}" for k, v in summary["statuses"].items()))
    click.echo(f"demo logins (password: {DEMO_PASSWORD}): admin@onsite.demo, dispatcher@onsite.demo, tech@onsite.demo")


@click.command("purge-idempotency")
@with_appcontext
def purge_idempotency_command():
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEEP_DAYS."""
    from .domain.idempotency import purge_idempotency_records

    removed = purge_idempotency_records(db.session, utcnow(), current_app.config["IDEMPOTENCY_KEEP_DAYS"])
    db.session.commit()
    click.echo(f"removed {removed} idempotency records")


class IsoInstant(click.ParamType):
    name = "ISO8601"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time, e.g. 2026-11-23T09:30:00Z", param, ctx)
        if instant.tzinfo is None:
            self.fail("give the time with its offset (Z or +08:00)", param, ctx)
        return instant.astimezone(UTC)


@click.command("reassign-overdue")
@with_appcontext
@click.option("--now", "as_of", type=IsoInstant(), help="evaluate as of this instant (default: now)")
def reassign_overdue_command(as_of):
    """Run one scheduler pass and print its JSON summary: checked, reassigned, escalated."""
    from .scheduler import run_pass

    summary = run_pass(current_app._get_current_object(), as_of)
    click.echo(json.dumps(summary.as_dict()))


@click.command("create-maintenance")
@with_appcontext
@click.option("--now", "as_of", type=IsoInstant(), help="as of this instant (default: now)")
def create_maintenance_command(as_of):
    """Make the work orders of maintenance-plan occurrences due by today (lead_days ahead), once per
    occurrence however often it runs, and print a JSON summary: checked, created, failed, ms."""
    from .scheduler import run_maintenance

    summary = run_maintenance(current_app._get_current_object(), as_of)
    for error in summary.errors:
        click.echo(error, err=True)
    click.echo(json.dumps(summary.as_dict()))


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler in the foreground: a pass every SCHEDULER_INTERVAL_SECONDS (default 60),
    by whichever scheduler process holds the leader lock."""
    from .scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per tick; ours says more
    run_scheduler(current_app._get_current_object())


def register(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(purge_idempotency_command)
    app.cli.add_command(reassign_overdue_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(create_maintenance_command)
    app.cli.add_command(simulate_command)


@click.command("simulate")
@with_appcontext
@click.option("--requests", "requests_file", type=click.Path(exists=True, dir_okay=False), help="CSV of requests")
@click.option("--synthetic", type=click.IntRange(1, 1_000_000), help="a synthetic city with this many requests a day")
@click.option("--crew", default=15, show_default=True, type=click.IntRange(1, 100_000), help="technicians")
@click.option("--days", default=3, show_default=True, type=click.IntRange(1, 366), help="days of requests")
@click.option("--policy", "policies", multiple=True, default=POLICIES[:2], type=click.Choice(POLICIES))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--out", type=click.Path(file_okay=False), help="folder for one CSV per policy, a row per job")
@click.option("--database-url", help="an empty database to simulate in (default: a temporary SQLite file per policy)")
def simulate_command(requests_file, synthetic, crew, days, policies, seed, out, database_url):
    """Replay requests through OnSite's own dispatch on a simulated clock, each policy in a fresh
    database, and print their figures side by side. Never touches the database OnSite serves from.

    CSV columns: created_at, lat, lon, priority, type, skills (and optionally duration_minutes).
    """
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from .simulation.report import table, write_csv
    from .simulation.requests import RequestsError, replay_scenario, synthetic_scenario
    from .simulation.runner import SimulationError, simulate

    if (requests_file is None) == (synthetic is None):
        raise click.UsageError("give either --requests FILE.csv or --synthetic N")
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    try:
        if requests_file:
            scenario = replay_scenario(Path(requests_file), days, crew, seed, tz)
        else:
            scenario = synthetic_scenario(seed, synthetic, days, crew, tz)
        results = simulate(current_app.config, scenario, list(dict.fromkeys(policies)), database_url)
    except (RequestsError, SimulationError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{len(scenario.requests)} requests over {days} day(s), {len(scenario.crew)} technicians, seed {seed}")
    click.echo(table(results))
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        for result in results:
            write_csv(result, Path(out) / f"jobs-{result.policy}.csv")
        click.echo(f"one row per job: {', '.join(f'jobs-{r.policy}.csv' for r in results)} in {out}")
