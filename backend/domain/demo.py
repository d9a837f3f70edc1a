"""A realistic synthetic city for demos and benchmarks: customers, technicians, work orders in
every status with timelines that obey the status machine. Deterministic for a given seed.

Rows go in with bulk inserts and ids assigned here, because 100,000 work orders with their events
through the ORM one by one would take minutes instead of seconds.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from psycopg.types.json import Json
from sqlalchemy import JSON, func, select, text
from sqlalchemy.orm import Session

from ..models import Customer, Event, Log, LogPart, Signoff, Technician, User, WorkOrder, format_number
from ..models.base import UTCDateTime
from .signoff import record_hash
from .sla import due_times

CENTRE = (31.2304, 121.4737)  # Shanghai, People's Square
RADIUS_KM = 25
SKILLS = ("hvac", "electrical", "plumbing", "refrigeration", "elevators", "boilers", "fire_safety", "it_network")
FIRST = ("Wei", "Li", "Jun", "Mei", "Hao", "Lan", "Tao", "Yan", "Bo", "Xin", "Anna", "Marco", "Sara", "Omar", "Ivan")
LAST = ("Zhang", "Wang", "Chen", "Liu", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "Lin")
BUSINESSES = ("Bakery", "Hotel", "Clinic", "Office Tower", "Supermarket", "School", "Restaurant", "Gym", "Data Centre")
STREETS = ("Nanjing Rd", "Huaihai Rd", "Yan'an Rd", "Century Ave", "Zhongshan Rd", "Xizang Rd", "Changshou Rd")
PROBLEMS = {
    "hvac": ("Air conditioner blows warm air", "Ventilation fan noisy", "Thermostat unresponsive"),
    "electrical": ("Breaker trips repeatedly", "Lights flicker in hall", "Socket sparks"),
    "plumbing": ("Water leak under sink", "Blocked drain", "Low water pressure"),
    "refrigeration": ("Cold room above 8 °C", "Freezer icing up", "Display fridge not cooling"),
    "elevators": ("Lift stops between floors", "Lift door will not close", "Lift alarm faulty"),
    "boilers": ("No hot water", "Boiler pressure low", "Boiler lockout code E1"),
    "fire_safety": ("Fire alarm panel fault", "Sprinkler inspection due", "Smoke detector chirping"),
    "it_network": ("Network switch down", "Wi-Fi drops on 3rd floor", "Card reader offline"),
}
PRIORITY_WEIGHTS = {"urgent": 8, "high": 22, "normal": 55, "low": 15}
CHANNEL_WEIGHTS = {"phone": 40, "web": 20, "app": 15, "email": 12, "wechat": 8, "walk_in": 2, "portal": 3}
STATUS_WEIGHTS = {
    "new": 6,
    "assigned": 6,
    "accepted": 4,
    "en_route": 3,
    "on_site": 4,
    "on_hold": 2,
    "completed": 8,
    "closed": 62,
    "cancelled": 5,
}
PATH = ("assign", "accept", "depart", "arrive", "complete", "close")
REACHES = {  # how far along PATH a work order in each status has come
    "new": 0,
    "assigned": 1,
    "accepted": 2,
    "en_route": 3,
    "on_site": 4,
    "on_hold": 4,
    "completed": 5,
    "closed": 6,
}
STEP_MINUTES = {
    "assign": (2, 45),
    "accept": (1, 20),
    "depart": (3, 40),
    "arrive": (10, 70),
    "complete": (20, 180),
    "close": (1, 30),
}
TARGET = {"assign": "assigned", "accept": "accepted", "depart": "en_route", "arrive": "on_site"}
TARGET.update(complete="completed", close="closed")
DEMO_PASSWORD = "onsite-demo"
DEMO_LOGINS = (
    ("admin@onsite.demo", "Ada Admin", "admin"),
    ("dispatcher@onsite.demo", "Dana Dispatcher", "dispatcher"),
    ("tech@onsite.demo", "Tom Technician", "technician"),
)


def _scatter(rng: random.Random, centre=CENTRE, radius_km=RADIUS_KM) -> tuple[float, float]:
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    lat = centre[0] + distance * math.cos(bearing) / 111.2
    lon = centre[1] + distance * math.sin(bearing) / (111.2 * math.cos(math.radians(centre[0])))
    return round(lat, 6), round(lon, 6)


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _next_id(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass
class Batch:
    """Rows waiting for their bulk insert, with the next free id of each table."""

    ids: dict
    rows: dict = field(default_factory=lambda: {m: [] for m in (User, Technician, Customer, WorkOrder, Event, Log)})

    def add(self, model, row: dict) -> int:
        row["id"] = self.ids[model]
        self.ids[model] += 1
        self.rows.setdefault(model, []).append(row)
        return row["id"]


def _technician_rows(batch, rng, count, now, password_hash, demo_login) -> list[dict]:
    technicians = []
    for index in range(count):
        if index == 0 and demo_login:
            email, name = demo_login
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            email = f"tech{batch.ids[User]}@onsite.demo"
        user_id = batch.add(
            User,
            {
                "email": email,
                "name": name,
                "role": "technician",
                "password_hash": password_hash,
                "active": True,
                "created_at": now - timedelta(days=60),
            },
        )
        home = _scatter(rng)
        on_shift = index == 0 or rng.random() < 0.7
        fresh = on_shift and rng.random() < 0.8
        seen = now - timedelta(minutes=rng.randint(0, 25) if fresh else rng.randint(60, 60 * 48))
        last = _scatter(rng, home, 8)
        row = {
            "user_id": user_id,
            "phone": f"+86 139 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            "skills": sorted(rng.sample(SKILLS, rng.randint(1, 3))),
            "home_lat": home[0],
            "home_lon": home[1],
            "last_lat": last[0],
            "last_lon": last[1],
            "last_accuracy_m": float(rng.randint(5, 60)),
            "last_location_at": seen.replace(microsecond=0),
            "on_shift": on_shift,
            "max_open_jobs": rng.randint(4, 8),
            "created_at": now - timedelta(days=60),
        }
        row["id"] = batch.add(Technician, row)
        row["name"] = name
        technicians.append(row)
    return technicians


def _customer_rows(batch, rng, count, now) -> list[dict]:
    customers = []
    for _ in range(count):
        location = _scatter(rng)
        row = {
            "name": f"{rng.choice(LAST)} {rng.choice(BUSINESSES)}",
            "phone": f"+86 21 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            "email": None,
            "address": f"{rng.randint(1, 999)} {rng.choice(STREETS)}, Shanghai",
            "lat": location[0],
            "lon": location[1],
            "created_at": now - timedelta(days=90),
        }
        batch.add(Customer, row)
        customers.append(row)
    return customers


def _event(batch, wo_id, action, frm, to, at, actor_kind="user", actor_user_id=None, details=None):
    batch.add(
        Event,
        {
            "work_order_id": wo_id,
            "action": action,
            "from_status": frm,
            "to_status": to,
            "actor_kind": actor_kind,
            "actor_user_id": actor_user_id,
            "details": details or {},
            "occurred_at": at,
            "recorded_at": at,
        },
    )


class CitySeeder:
    def __init__(self, session, rng, now, sla_policy, dispatcher_id):
        self.session, self.rng, self.now, self.sla = session, rng, now, sla_policy
        self.dispatcher_id = dispatcher_id
        self.batch = Batch(
            {m: _next_id(session, m) for m in (User, Technician, Customer, WorkOrder, Event, Log, LogPart, Signoff)}
        )
        self.load: dict[int, int] = {}
        self.counts: dict[str, int] = {}

    def _choose_technician(self, technicians, held: bool):
        for _ in range(6):
            tech = self.rng.choice(technicians)
            if not held or self.load.get(tech["id"], 0) < tech["max_open_jobs"]:
                return tech
        return None

    def _logs(self, wo_id, tech, start, end, problem):
        """A note and maybe parts, between arrival and `end`; returns the completion-record view."""
        rng, batch, logs = self.rng, self.batch, []
        span = max(int((end - start).total_seconds()), 2)
        note_at = start + timedelta(seconds=rng.randint(1, span - 1))
        entries = [("note", f"Checked: {problem.lower()}. Cause found.", rng.randint(10, 60), note_at, [])]
        if rng.random() < 0.5:
            part = (f"SKU-{rng.randint(100, 999)}", rng.choice(("Relay", "Valve", "Fuse", "Sensor", "Gasket")), 1.0)
            entries.append(("part", None, None, note_at, [part]))
        for kind, body, minutes, at, parts in entries:
            log_id = batch.add(
                Log,
                {
                    "work_order_id": wo_id,
                    "author_id": tech["user_id"],
                    "kind": kind,
                    "text": body,
                    "minutes": minutes,
                    "occurred_at": at,
                    "recorded_at": at,
                },
            )
            for sku, name, qty in parts:
                batch.add(LogPart, {"log_id": log_id, "sku": sku, "name": name, "qty": qty})
            _event(
                batch,
                wo_id,
                "log_added",
                None,
                None,
                at,
                actor_user_id=tech["user_id"],
                details={"log_id": log_id, "kind": kind, "minutes": minutes, "parts": len(parts)},
            )
            logs.append(
                {
                    "kind": kind,
                    "text": body,
                    "minutes": minutes,
                    "occurred_at": _iso(at),
                    "parts": [{"sku": s, "name": n, "qty": float(q)} for s, n, q in parts],
                }
            )
        return logs

    def work_order(self, technicians, customers):
        rng, batch, now = self.rng, self.batch, self.now
        status = _pick(rng, STATUS_WEIGHTS)
        held = status in ("assigned", "accepted", "en_route", "on_site", "on_hold")
        tech = self._choose_technician(technicians, held) if status != "new" else None
        if tech is None and status != "cancelled":
            status = "new"
        # A cancelled job stopped somewhere early, assigned or not.
        reach = REACHES.get(status, rng.randint(0, 2) if tech else 0)
        steps = [(a, timedelta(minutes=rng.randint(*STEP_MINUTES[a]))) for a in PATH[:reach]]
        elapsed = sum((d for _, d in steps), timedelta())
        terminal = status in ("completed", "closed", "cancelled")
        slack = timedelta(days=29) if terminal else timedelta(hours=6)
        created = (now - elapsed - timedelta(minutes=5) - slack * rng.random()).replace(microsecond=0)
        skill = rng.choice(tech["skills"]) if tech else rng.choice(SKILLS)
        priority = _pick(rng, PRIORITY_WEIGHTS)
        customer = rng.choice(customers)
        response_due, resolve_due = due_times(priority, created, self.sla)
        problem = rng.choice(PROBLEMS[skill])
        wo = {
            "customer_id": customer["id"],
            "title": problem,
            "description": f"Reported by {customer['name']}.",
            "priority": priority,
            "channel": _pick(rng, CHANNEL_WEIGHTS),
            "status": status,
            "required_skills": [skill],
            "lat": customer["lat"],
            "lon": customer["lon"],
            "address": customer["address"],
            "technician_id": tech["id"] if tech and reach > 0 else None,
            "created_by_id": self.dispatcher_id,
            "created_at": created,
            "response_due_at": response_due,
            "resolve_due_at": resolve_due,
            "reopen_count": 0,
            "version": 1,
        }
        for column in ("assigned_at", "accepted_at", "departed_at", "arrived_at", "completed_at", "closed_at"):
            wo[column] = None
        wo.update(cancelled_at=None, resolution=None, first_time_fix=None)
        wo_id = batch.add(WorkOrder, wo)
        _event(
            batch,
            wo_id,
            "created",
            None,
            "new",
            created,
            actor_user_id=self.dispatcher_id,
            details={"channel": wo["channel"], "priority": priority, "response_due_at": _iso(response_due)},
        )
        at, current, logs = created, "new", []
        for action, duration in steps:
            at = at + duration
            if action == "complete":
                logs = self._logs(wo_id, tech, wo["arrived_at"], at, problem)
                wo["version"] += len(logs)
                wo.update(resolution=f"Fixed: {problem.lower()}.", first_time_fix=rng.random() < 0.85)
            actor = ("user", self.dispatcher_id) if action == "assign" else ("user", tech["user_id"])
            if action == "close":
                actor = ("system", tech["user_id"])
            details = {"technician_id": tech["id"], "from_technician_id": None} if action == "assign" else {}
            if action == "complete":
                details = {"resolution": wo["resolution"], "first_time_fix": wo["first_time_fix"]}
            target = TARGET[action]
            _event(batch, wo_id, action, current, target, at, actor[0], actor[1], details)
            column = {
                "assign": "assigned_at",
                "accept": "accepted_at",
                "depart": "departed_at",
                "arrive": "arrived_at",
                "complete": "completed_at",
                "close": "closed_at",
            }[action]
            wo[column] = at
            wo["version"] += 1
            current = target
        if status == "on_hold":
            at = at + timedelta(minutes=rng.randint(5, 30))
            _event(
                batch,
                wo_id,
                "pause",
                "on_site",
                "on_hold",
                at,
                "user",
                tech["user_id"],
                {"reason": "Waiting for parts"},
            )
            wo["version"] += 1
        if status == "cancelled":
            at = at + timedelta(minutes=rng.randint(5, 120))
            _event(
                batch,
                wo_id,
                "cancel",
                current,
                "cancelled",
                at,
                "user",
                self.dispatcher_id,
                {"reason": "Customer withdrew the request"},
            )
            wo.update(cancelled_at=at, version=wo["version"] + 1)
        if status == "closed":
            self._signoff(wo_id, wo, tech, logs)
        if tech is not None and status in ("assigned", "accepted", "en_route", "on_site", "on_hold"):
            self.load[tech["id"]] = self.load.get(tech["id"], 0) + 1
        self.counts[status] = self.counts.get(status, 0) + 1

    def _signoff(self, wo_id, wo, tech, logs):
        record = {
            "number": format_number(wo_id),
            "title": wo["title"],
            "customer_id": wo["customer_id"],
            "technician_id": tech["id"],
            "arrived_at": _iso(wo["arrived_at"]),
            "completed_at": _iso(wo["completed_at"]),
            "resolution": wo["resolution"],
            "first_time_fix": wo["first_time_fix"],
            "logs": logs,
            "attachments": [],
        }
        rating = self.rng.choices((5, 4, 3, 2, 1), weights=(50, 30, 12, 5, 3))[0]
        self.batch.add(
            Signoff,
            {
                "work_order_id": wo_id,
                "method": self.rng.choice(("device", "device", "link")),
                "accepted": True,
                "signer_name": f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}",
                "signature_png": None,
                "signature_sha256": None,
                "rating": rating,
                "comment": None,
                "lat": None,
                "lon": None,
                "record_hash": record_hash(record),
                "signed_at": wo["closed_at"],
                "recorded_at": wo["closed_at"],
            },
        )

    def flush(self) -> None:
        for model in (User, Technician, Customer, WorkOrder, Event, Log, LogPart, Signoff):
            bulk_insert(self.session, model.__table__, self.batch.rows.get(model, []))
            self.batch.rows[model] = []
        if self.session.get_bind().dialect.name == "postgresql":
            # Ids were given explicitly: move each table's sequence past them for later inserts.
            for model in (User, Technician, Customer, WorkOrder, Event, Log, LogPart, Signoff):
                table = model.__table__.name
                self.session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
                )


def _value_converters(table, dialect_name: str) -> list:
    """Per column, how a Python value becomes what the driver stores, done once per value here
    instead of through SQLAlchemy's per-value type processing (the bulk of the time otherwise)."""
    converters = []
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            if dialect_name == "sqlite":  # SQLAlchemy's SQLite DATETIME text form, UTC
                converters.append(lambda v: v.astimezone(UTC).isoformat(" ", "microseconds")[:26] if v else None)
            else:
                converters.append(lambda v: v.astimezone(UTC) if v else None)
        elif isinstance(column.type, JSON):
            converters.append(json.dumps if dialect_name == "sqlite" else Json)
        else:
            converters.append(None)
    return converters


def bulk_insert(session: Session, table, rows: list[dict], chunk: int = 20_000) -> None:
    """Insert `rows` (dicts keyed by column name) through the driver, inside the session's
    transaction: `COPY` on PostgreSQL, `executemany` on SQLite. Missing columns are written as NULL."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = [column.name for column in table.columns]
    converters = list(zip(names, _value_converters(table, dialect.name), strict=True))
    columns = f"{table.name} ({', '.join(names)})"
    cursor = connection.connection.driver_connection.cursor()
    try:
        for start in range(0, len(rows), chunk):
            values = [
                tuple(convert(row.get(name)) if convert else row.get(name) for name, convert in converters)
                for row in rows[start : start + chunk]
            ]
            if dialect.name == "postgresql":  # COPY is several times faster than executemany there
                with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                cursor.executemany(f"INSERT INTO {columns} VALUES ({', '.join('?' * len(names))})", values)
    finally:
        cursor.close()


def _add_staff(session, seeder, password_hash, now) -> tuple[int, list[str], tuple | None]:
    """The demo admin and dispatcher (and the demo technician's login), unless already there."""
    existing = set(session.scalars(select(User.email).where(User.email.in_([e for e, _, _ in DEMO_LOGINS]))))
    dispatcher_id, created, tech_login = None, [], None
    for email, name, role in DEMO_LOGINS:
        if email in existing:
            continue
        created.append(email)
        if role == "technician":
            tech_login = (email, name)
            continue
        user_id = seeder.batch.add(
            User,
            {
                "email": email,
                "name": name,
                "role": role,
                "password_hash": password_hash,
                "active": True,
                "created_at": now - timedelta(days=60),
            },
        )
        if role == "dispatcher":
            dispatcher_id = user_id
    if dispatcher_id is None:
        dispatcher_id = session.scalar(select(User.id).where(User.role == "dispatcher").order_by(User.id))
    return dispatcher_id, created, tech_login


def seed_city(
    session: Session,
    *,
    technicians: int,
    work_orders: int,
    seed: int,
    now: datetime,
    sla_policy: dict,
    password_hash: str,
) -> dict:
    """Insert a synthetic city; returns counts per status and the demo logins created."""
    rng = random.Random(seed)
    now = now.replace(microsecond=0)
    seeder = CitySeeder(session, rng, now, sla_policy, None)
    seeder.dispatcher_id, logins, tech_login = _add_staff(session, seeder, password_hash, now)
    tech_rows = _technician_rows(seeder.batch, rng, max(technicians, 1), now, password_hash, tech_login)
    customers = _customer_rows(seeder.batch, rng, max(20, work_orders // 4), now)
    for _ in range(work_orders):
        seeder.work_order(tech_rows, customers)
    seeder.flush()
    return {"statuses": dict(sorted(seeder.counts.items())), "logins": logins, "technicians": len(tech_rows)}
