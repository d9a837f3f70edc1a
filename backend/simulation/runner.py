"""A run: a fresh database for one policy, the crew and requests put in it, and the loop that takes
the agenda's happenings in time order, each as one transaction (as a request or a pass would be).

The run's app is made from the caller's configuration (SLA policy, speeds, AUTO_ASSIGN ...) with
the simulation's own database: the simulator never touches the database OnSite serves from.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from ..domain.actors import Actor
from ..domain.arrival import Travel
from ..domain.directory import create_customer, create_technician, create_user
from ..domain.work_orders import create_work_order
from ..extensions import db
from ..models import Event, User
from .clock import Agenda, Happening, local_instant, next_minute
from .crew import Crew, JobRecord, SimTechnician, heartbeat_interval
from .policies import make_policy, policy_unavailable
from .report import PolicyResult
from .requests import Scenario

# Working hours are kept per weekday (technicians.hours); simulated technicians work every day.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Simulated accounts are never logged in to: the cheapest hash will do.
ACCOUNT_HASH = "pbkdf2:sha256:1000"
# The run's app keeps the caller's settings but never these: its database is its own.
NOT_COPIED = ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "CLOCK", "SQLALCHEMY_BINDS")


class SimulationError(RuntimeError):
    """The simulation cannot run as asked (a database that is not empty, a policy not in this build)."""


def run_config(config: dict) -> dict:
    return {key: value for key, value in config.items() if key not in NOT_COPIED}


def run_policy(config: dict, database_url: str, scenario: Scenario, policy: str) -> PolicyResult:
    """Simulate `policy` in the (empty) database at `database_url`; its data stays there afterwards."""
    from .. import create_app

    app = create_app({**run_config(config), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        try:
            _migrate_empty_database()
            return Simulation(app, scenario, policy).run()
        finally:
            db.session.remove()
            db.engine.dispose()


def _migrate_quietly() -> None:
    """Alembic's per-migration log lines are noise in a simulation's output."""
    from flask_migrate import upgrade

    logging.disable(logging.INFO)
    try:
        upgrade()
    finally:
        logging.disable(logging.NOTSET)


def _migrate_empty_database() -> None:
    _migrate_quietly()
    if db.session.scalar(select(func.count()).select_from(User)):
        raise SimulationError("a simulation needs an empty database (this one has users)")


def empty_database(database_url: str, config: dict) -> None:
    """Delete every row a simulation wrote (the schema and its migration stay)."""
    from .. import create_app

    app = create_app({**run_config(config), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        with db.engine.begin() as connection:
            tables = [table.name for table in db.metadata.sorted_tables]
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    connection.execute(text(f'DELETE FROM "{table}"'))
                if connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                    connection.execute(text("DELETE FROM sqlite_sequence"))
        db.engine.dispose()  # the app's engine: outside its context there is none to dispose of


@contextmanager
def fresh_sqlite_databases(config: dict) -> Iterator:
    """`fresh()` gives the URL of a new, migrated SQLite file in a temporary folder (migrated once,
    copied for each policy); the folder goes when the block ends."""
    from .. import create_app

    with tempfile.TemporaryDirectory(prefix="onsite-simulation-") as folder:
        template = Path(folder) / "template.sqlite"
        app = create_app({**run_config(config), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"})
        with app.app_context():
            _migrate_quietly()
            db.engine.dispose()
        made = []

        def fresh() -> str:
            path = Path(folder) / f"run-{len(made) + 1}.sqlite"
            shutil.copy(template, path)
            made.append(path)
            return f"sqlite:///{path}"

        yield fresh


class Simulation:
    """One policy's run, inside the run app's context."""

    def __init__(self, app, scenario: Scenario, policy: str):
        self.app, self.scenario = app, scenario
        self.engine, self.session = db.engine, db.session
        config = app.config
        self.tz = ZoneInfo(config["TIMEZONE"])
        self.travel = Travel(config["AVERAGE_SPEED_KMH"], config["DETOUR_FACTOR"])
        self.visit_minutes = config["VISIT_MINUTES"]
        self.agenda = Agenda(scenario.start)
        self.stop_by = scenario.end + scenario.drain
        self.records: dict[int, JobRecord] = {}
        heartbeat = heartbeat_interval(config["LOCATION_FRESH_MINUTES"])
        self.crew = Crew(self.session, self.agenda, self.travel, self.visit_minutes, self.records, heartbeat)
        self.dispatcher = self._seed()
        self.policy = make_policy(policy, self)
        self.created = self.completed = 0

    def _seed(self) -> Actor:
        """The dispatcher, one customer for every request, and the crew (off shift, at home)."""
        dispatcher = create_user(
            self.session,
            email="dispatcher@simulation.invalid",
            password="simulation-only",
            role="dispatcher",
            name="Simulated dispatcher",
            hash_method=ACCOUNT_HASH,
        )
        self.customer = create_customer(self.session, {"name": "Simulated customers"})
        for i, member in enumerate(self.scenario.crew, start=1):
            profile = create_technician(
                self.session,
                {
                    "email": f"technician{i:04d}@simulation.invalid",
                    "password": "simulation-only",
                    "name": member.name,
                    "skills": list(member.skills),
                    "home": {"lat": member.home[0], "lon": member.home[1]},
                },
                ACCOUNT_HASH,
            )
            profile.hours = {day: list(member.shift) for day in WEEKDAYS}
            self.crew.add(SimTechnician(member, profile.id, profile.user_id, member.home))
        self.session.commit()
        return Actor.of(dispatcher)

    def _schedule(self) -> None:
        for i, request in enumerate(self.scenario.requests):
            self.agenda.add(request.created_at, "request", i)
        first = self.scenario.start.astimezone(self.tz).date() - timedelta(days=1)
        days = (self.stop_by.astimezone(self.tz).date() - first).days + 1
        for day in (first + timedelta(days=n) for n in range(days)):
            rosters = set()
            for tech in self.crew.members.values():
                starts = local_instant(day, tech.member.shift[0], self.tz)
                ends = local_instant(day, tech.member.shift[1], self.tz)
                ends += timedelta(days=1) if ends <= starts else timedelta()
                if ends <= self.scenario.start or starts >= self.stop_by:
                    continue
                starts = max(starts, self.scenario.start)
                self.agenda.add(starts, "shift_start", tech.technician_id, ends)
                self.agenda.add(ends, "shift_end", tech.technician_id)
                rosters.add(starts)
            for at in sorted(rosters):
                self.agenda.add(at, "roster")
        if self.policy.runs_pass:
            self.agenda.add(next_minute(self.scenario.start), "tick")

    def run(self) -> PolicyResult:
        started = time.perf_counter()
        self._schedule()
        while self.agenda and not self._finished():
            happening = self.agenda.take()
            if happening.at > self.stop_by:
                self.agenda.now = self.stop_by
                break
            getattr(self, f"_{happening.kind}")(happening)
            self.session.commit()
        self._read_timeline()
        return PolicyResult(
            policy=self.policy.name,
            records=sorted(self.records.values(), key=lambda r: r.index),
            visits={t.member.name: t.visits for t in self.crew.members.values()},
            road_km=sum(t.road_km for t in self.crew.members.values()),
            started_at=self.scenario.start,
            ended_at=self.agenda.now,
            wall_seconds=time.perf_counter() - started,
        )

    def _finished(self) -> bool:
        return self.created == len(self.scenario.requests) and self.completed == self.created

    def _request(self, happening: Happening) -> None:
        index = happening.data[0]
        request, now = self.scenario.requests[index], happening.at
        data = {
            "customer_id": self.customer.id,
            "title": request.type,
            "priority": request.priority,
            "channel": "phone",
            "required_skills": list(request.skills),
            "location": {"lat": request.lat, "lon": request.lon},
        }
        wo = create_work_order(self.session, self.dispatcher, now, data, self.app.config["SLA_POLICY"])
        if request.duration_minutes:
            wo.duration_minutes = request.duration_minutes  # part of the intake, as the desk would type it
        self.created += 1
        self.records[wo.id] = JobRecord(
            index + 1,
            wo.id,
            now,
            request.priority,
            request.type,
            request.skills,
            request.lat,
            request.lon,
            wo.response_due_at,
        )
        self.policy.on_new(wo, now)
        self.crew.react(now)

    def _shift_start(self, happening: Happening) -> None:
        technician_id, ends_at = happening.data
        self.crew.start_shift(self.crew.members[technician_id], happening.at, ends_at)

    def _shift_end(self, happening: Happening) -> None:
        self.crew.end_shift(self.crew.members[happening.data[0]], happening.at)

    def _roster(self, happening: Happening) -> None:
        self.policy.on_roster(happening.at)
        self.crew.react(happening.at)

    def _ping(self, happening: Happening) -> None:
        self.crew.ping(*happening.data, happening.at)

    def _heartbeat(self, happening: Happening) -> None:
        self.crew.heartbeat(*happening.data, happening.at)

    def _arrive(self, happening: Happening) -> None:
        self.crew.arrive(*happening.data, happening.at)

    def _done(self, happening: Happening) -> None:
        self.crew.done(*happening.data, happening.at)
        self.completed += 1
        self.crew.react(happening.at)

    def _tick(self, happening: Happening) -> None:
        if self.created > self.completed:  # with no open job a pass has nothing to look at
            self.policy.on_tick(happening.at)
            self.crew.react(happening.at)
        self.agenda.add(next_minute(happening.at), "tick")

    def _read_timeline(self) -> None:
        """From the events: when each job was first assigned, how often it moved between
        technicians (an assignment that took it from someone), and whether it was escalated."""
        rows = self.session.execute(
            select(Event.work_order_id, Event.action, Event.details, Event.occurred_at)
            .where((Event.to_status == "assigned") | (Event.action == "escalated"))
            .order_by(Event.occurred_at, Event.id)
        )
        for job_id, action, details, at in rows:
            record = self.records.get(job_id)
            if record is None:
                continue
            if action == "escalated":
                record.escalated = True
                continue
            if record.first_assigned_at is None:
                record.first_assigned_at = at
            if (details or {}).get("from_technician_id") is not None:
                record.moves += 1


def simulate(config: dict, scenario: Scenario, policies: list[str], database_url: str | None = None) -> list:
    """Each policy in a fresh database of its own: a new SQLite file in a temporary folder, or, with
    `database_url` (an empty database), that database, emptied between policies and left holding
    the last policy's run."""
    for policy in policies:
        why = policy_unavailable(policy)
        if why:
            raise SimulationError(f"{policy}: {why}")
    if database_url:
        results = []
        for i, policy in enumerate(policies):
            if i:
                empty_database(database_url, config)
            results.append(run_policy(config, database_url, scenario, policy))
        return results
    with fresh_sqlite_databases(config) as fresh:
        return [run_policy(config, fresh(), scenario, policy) for policy in policies]
