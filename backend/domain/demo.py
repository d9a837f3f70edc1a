"""A realistic synthetic city for demos and benchmarks: customers, technicians, work orders in
every status with timelines that obey the status machine. Deterministic for a given seed and `now`.

The city is seeded as a live moment at `now`: every open job is within the scheduler's rules (a
response deadline still ahead before the technician is on site, an assigned job still inside its
accept timeout), so the scheduler's first pass has nothing to move; the few escalated jobs already
carry their escalation and were then placed by a dispatcher. The demo technician's login gets a
day of their own near where they are (`DEMO_DAY`).

Rows go in with bulk inserts and ids assigned here, because 100,000 work orders with their events
through the ORM one by one would take minutes instead of seconds.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw
from psycopg.types.json import Json
from sqlalchemy import JSON, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from ..models import Customer, Event, Log, LogPart, Signoff, Technician, User, WorkOrder, format_number
from ..models.base import UTCDateTime
from .assets import DEFAULT_TIMEZONE
from .demo_equipment import seed_equipment_story
from .directory import phone_key
from .dispatch import DispatchSettings, holder_arrivals
from .signoff import record_hash
from .skills import ensure as ensure_skills
from .sla import BEFORE_SITE, RESPONSE_OVERDUE, due_times
from .workflow import HELD

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
    "pause": (5, 30),
    "cancel": (5, 120),
}
TERMINAL = ("completed", "closed", "cancelled")
# Minutes since an open job's last step (`new` and `assigned` depend on their deadlines instead).
SINCE_LAST_MINUTES = {"accepted": (5, 90), "en_route": (2, 25), "on_site": (5, 90), "on_hold": (10, 300)}
# How far ahead an open job's response deadline stays at least (a quarter of a shorter window).
DEADLINE_MARGIN = timedelta(minutes=20)
# Of the accepted and en-route jobs: escalated first (nobody qualified in time), then placed by hand.
ESCALATED_SHARE = 0.15
ESCALATION_WHY = "no on-shift technician with every required skill and room, who has not held it"
TARGET = {"assign": "assigned", "accept": "accepted", "depart": "en_route", "arrive": "on_site"}
TARGET.update(complete="completed", close="closed", pause="on_hold", cancel="cancelled")
STEP_COLUMNS = {  # the work order's column each step sets
    "assign": "assigned_at",
    "accept": "accepted_at",
    "depart": "departed_at",
    "arrive": "arrived_at",
    "complete": "completed_at",
    "close": "closed_at",
    "cancel": "cancelled_at",
    "escalated": "escalated_at",
}
DEMO_PASSWORD = "onsite-demo"
DEMO_LOGINS = (
    ("admin@onsite.demo", "Ada Admin", "admin"),
    ("dispatcher@onsite.demo", "Dana Dispatcher", "dispatcher"),
    ("tech@onsite.demo", "Tom Technician", "technician"),
)
# The demo technician's day, near their last position: (status, priority, skill). Their other jobs
# come from here only, so a newcomer logging in sees one job of each kind, none far away.
DEMO_SKILLS = ["electrical", "hvac", "plumbing", "refrigeration"]
DEMO_DAY = (
    ("on_site", "urgent", "electrical"),
    ("assigned", "high", "hvac"),
    ("accepted", "normal", "plumbing"),
    ("accepted", "low", "refrigeration"),
    ("on_hold", "normal", "hvac"),
    ("completed", "high", "plumbing"),
    ("closed", "urgent", "electrical"),
    ("closed", "high", "hvac"),
    ("closed", "normal", "refrigeration"),
    ("closed", "normal", "electrical"),
    ("closed", "low", "plumbing"),
)
DEMO_DAY_RADIUS_KM = 6
DEMO_SAME_CUSTOMER = {7: 1}  # DEMO_DAY index: the earlier index whose customer it is (a machine's earlier repair)
DEMO_COMPLETED_MINUTES_AGO = (20, 90)  # the job done today, waiting for the customer's signature


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
        if index == 0 and demo_login:
            _make_demo_technician(row, rng, now)
        row["id"] = batch.add(Technician, row)
        row["name"] = name
        technicians.append(row)
    return technicians


def _make_demo_technician(row: dict, rng: random.Random, now: datetime) -> None:
    """The demo login: several skills, on shift, a position pinged minutes ago, room for more jobs."""
    seen = now - timedelta(minutes=rng.randint(0, 5))
    row.update(skills=DEMO_SKILLS, on_shift=True, last_location_at=seen.replace(microsecond=0), max_open_jobs=8)


def _customer_rows(batch, rng, count, now) -> list[dict]:
    return [_customer_row(batch, rng, _scatter(rng), now) for _ in range(count)]


def _customer_row(batch, rng, location: tuple[float, float], now) -> dict:
    phone = f"+86 21 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
    row = {
        "name": f"{rng.choice(LAST)} {rng.choice(BUSINESSES)}",
        "phone": phone,
        "phone_key": phone_key(phone),  # bulk rows bypass create_customer, which sets it
        "email": None,
        "address": f"{rng.randint(1, 999)} {rng.choice(STREETS)}, Shanghai",
        "lat": location[0],
        "lon": location[1],
        "created_at": now - timedelta(days=90),
    }
    batch.add(Customer, row)
    return row


def _demo_contact(row: dict, index: int) -> None:
    """The demo day's customers hear from us: alternately in Chinese by SMS and in English by email."""
    if index % 2 == 0:
        row.update(language="zh-CN", preferred_channel="sms")
    else:
        row.update(language="en", preferred_channel="email", email=f"service{row['id']}@customer.demo")


@functools.cache
def _signature_png() -> bytes:
    """A signed stroke, the same for every seeded sign-off on a device (a device sign-off needs one)."""
    image = Image.new("1", (200, 64), 1)  # black and white: a few hundred bytes
    stroke = [(10 + x, 32 + 18 * math.sin(x / 8) * math.cos(x / 31)) for x in range(0, 180, 3)]
    ImageDraw.Draw(image).line(stroke, fill=0, width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@functools.cache
def _signature() -> tuple[bytes, str]:
    png = _signature_png()
    return png, hashlib.sha256(png).hexdigest()


def _whole_seconds(delta: timedelta) -> timedelta:
    return timedelta(seconds=int(delta.total_seconds()))


def _within_deadline(status, steps, since_last, respond: timedelta):
    """`steps` and `since_last`, shrunk in proportion where needed so that the response clock (until
    now before the technician is on site, until the arrival after) stops short of the deadline by a
    margin: `respond` less DEADLINE_MARGIN, or a quarter of a short window."""
    budget = respond - min(DEADLINE_MARGIN, respond / 4)
    durations = [duration for _, duration in steps] + [since_last]
    clocked = len(durations) if status in BEFORE_SITE else REACHES["on_site"]
    spent = sum(durations[:clocked], timedelta())
    if spent > budget:
        durations[:clocked] = [duration * (budget / spent) for duration in durations[:clocked]]
    durations = [max(_whole_seconds(duration), timedelta(seconds=1)) for duration in durations]
    return [(action, duration) for (action, _), duration in zip(steps, durations, strict=False)], durations[-1]


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
    def __init__(self, session, rng, now, sla_policy, dispatcher_id, accept_timeout):
        self.session, self.rng, self.now, self.sla = session, rng, now, sla_policy
        self.accept_timeout = accept_timeout
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
        """One job of the city, its status drawn by STATUS_WEIGHTS."""
        rng = self.rng
        status = _pick(rng, STATUS_WEIGHTS)
        tech = self._choose_technician(technicians, status in HELD) if status != "new" and technicians else None
        if tech is None and status != "cancelled":
            status = "new"
        skill = rng.choice(tech["skills"]) if tech else rng.choice(SKILLS)
        escalated = tech is not None and status in ("accepted", "en_route") and rng.random() < ESCALATED_SHARE
        self.add_work_order(status, _pick(rng, PRIORITY_WEIGHTS), skill, rng.choice(customers), tech, escalated)

    def demo_day(self, tech, count: int) -> list[int]:
        """The first `count` jobs of `DEMO_DAY` for the demo technician, at customers around them
        (a job in `DEMO_SAME_CUSTOMER` is at an earlier job's customer); returns their ids."""
        rng, here = self.rng, (tech["last_lat"], tech["last_lon"])
        ids, customers = [], []
        for index, (status, priority, skill) in enumerate(DEMO_DAY[:count]):
            if index in DEMO_SAME_CUSTOMER:
                customer = customers[DEMO_SAME_CUSTOMER[index]]
            else:
                customer = _customer_row(self.batch, rng, _scatter(rng, here, DEMO_DAY_RADIUS_KM), self.now)
                _demo_contact(customer, len(customers))
            customers.append(customer)
            since = timedelta(minutes=rng.randint(*DEMO_COMPLETED_MINUTES_AGO)) if status == "completed" else None
            ids.append(self.batch.ids[WorkOrder])
            self.add_work_order(status, priority, skill, customer, tech, since=since, signed_on="device")
        return ids

    def add_work_order(self, status, priority, skill, customer, tech, escalated=False, since=None, signed_on=None):
        """A job in `status` with its whole history; `since`: time since its last step (else drawn),
        `signed_on`: how a closed job was signed (else drawn)."""
        rng, batch = self.rng, self.batch
        # A cancelled job stopped somewhere early, assigned or not.
        reach = REACHES.get(status, rng.randint(0, 2) if tech else 0)
        steps, since_last = self._timeline(status, priority, reach, escalated)
        created = self.now - sum((d for _, d in steps), timedelta()) - (since_last if since is None else since)
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
        for column in STEP_COLUMNS.values():
            wo[column] = None
        wo.update(resolution=None, first_time_fix=None)
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
            if action in STEP_COLUMNS:
                wo[STEP_COLUMNS[action]] = at
            actor, details = self._deed(wo_id, wo, action, tech, logs, signed_on)
            target = TARGET.get(action, current)  # an escalation leaves the status as it was
            _event(batch, wo_id, action, current, target, at, actor[0], actor[1], details)
            wo["version"] += 1
            current = target
        if tech is not None and status in HELD:
            self.load[tech["id"]] = self.load.get(tech["id"], 0) + 1
        self.counts[status] = self.counts.get(status, 0) + 1

    def _timeline(self, status, priority, reach, escalated):
        """The job's steps as (action, time since the previous one) and the time since its last step.

        An open job is left where the scheduler has no reason to move it (`sla.reassignment_reason`):
        until its technician is on site its response deadline is still ahead, and an assigned job is
        inside its accept timeout. An escalated one passed its deadline unplaced, was escalated a
        minute or two later and only then assigned by a dispatcher: held only after the deadline, it
        is not moved again."""
        rng = self.rng
        actions = [*PATH[:reach], *(["pause"] if status == "on_hold" else [])]
        actions += ["cancel"] if status == "cancelled" else []
        steps = [(action, timedelta(minutes=rng.randint(*STEP_MINUTES[action]))) for action in actions]
        respond = timedelta(minutes=self.sla[priority]["respond"])
        if status in TERMINAL:
            return steps, _whole_seconds(timedelta(minutes=5) + timedelta(days=29) * rng.random())
        if escalated:
            late = ("escalated", respond + timedelta(minutes=rng.randint(1, 2)))
            return [late, *steps], timedelta(minutes=rng.randint(*SINCE_LAST_MINUTES[status]))
        return _within_deadline(status, steps, self._since_last(status, priority, respond), respond)

    def _since_last(self, status, priority, respond: timedelta) -> timedelta:
        if status == "new":
            return respond * self.rng.random()
        if status == "assigned":
            return timedelta(minutes=self.accept_timeout[priority]) * self.rng.uniform(0.1, 0.6)
        return timedelta(minutes=self.rng.randint(*SINCE_LAST_MINUTES[status]))

    def _deed(self, wo_id, wo, action, tech, logs, signed_on) -> tuple[tuple, dict]:
        """Who did `action` and the details its event records, as the live app writes them."""
        if action == "assign":
            return ("user", self.dispatcher_id), {"technician_id": tech["id"], "from_technician_id": None}
        if action == "escalated":
            return ("scheduler", None), {"reason": RESPONSE_OVERDUE, "technician_id": None, "why": ESCALATION_WHY}
        if action == "cancel":
            return ("user", self.dispatcher_id), {"reason": "Customer withdrew the request"}
        if action == "pause":
            return ("user", tech["user_id"]), {"reason": "Waiting for parts"}
        if action == "complete":
            return ("user", tech["user_id"]), {"resolution": wo["resolution"], "first_time_fix": wo["first_time_fix"]}
        if action == "close":
            return self._signoff(wo_id, wo, tech, logs, signed_on)
        return ("user", tech["user_id"]), {}

    def _signoff(self, wo_id, wo, tech, logs, signed_on=None) -> tuple[tuple, dict]:
        """The customer's sign-off that closed the job; returns the close event's actor and details."""
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
        method = signed_on or self.rng.choice(("device", "device", "link"))
        signer = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
        png, sha256 = _signature() if method == "device" else (None, None)
        signoff_id = self.batch.add(
            Signoff,
            {
                "work_order_id": wo_id,
                "method": method,
                "accepted": True,
                "signer_name": signer,
                "signature_png": png,
                "signature_sha256": sha256,
                "rating": rating,
                "comment": None,
                "lat": None,
                "lon": None,
                "record_hash": record_hash(record),
                "signed_at": wo["closed_at"],
                "recorded_at": wo["closed_at"],
            },
        )
        # On a device the system closes the job on the technician's behalf; through a link, alone.
        actor = ("system", tech["user_id"] if method == "device" else None)
        return actor, {"via": method, "signoff_id": signoff_id, "signer_name": signer, "rating": rating}

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
    transaction: `COPY` on PostgreSQL, `executemany` on SQLite. A missing column gets the model's
    plain default (a new NOT NULL column with a default needs no change here), else NULL."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = [column.name for column in table.columns]
    defaults = {c.name: c.default.arg for c in table.columns if c.default is not None and c.default.is_scalar}
    if defaults:
        rows = [{**defaults, **row} for row in rows]
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


SETTLE_ROUNDS = 4  # a later due time can reorder a queue; a few rounds settle every technician's day


def _agree_reachable_times(session: Session, now: datetime, dispatch: DispatchSettings) -> None:
    """A held job whose technician, with the queue they hold, cannot reach it by its response due
    time would be moved by the scheduler's first pass (at risk). In the demo such a job was agreed
    with the customer for a time its technician can make: its response due time is set to the
    projected arrival plus the demo's margin, as at intake (the created event says so too)."""
    for _ in range(SETTLE_ROUNDS):
        late = holder_arrivals(session, now, dispatch, only_late=True)
        if not late:
            return
        due = {job_id: (arrival + DEADLINE_MARGIN).replace(second=0, microsecond=0) for job_id, arrival in late.items()}
        ids = sorted(due)
        for start in range(0, len(ids), 5000):
            _agree(session, {job_id: due[job_id] for job_id in ids[start : start + 5000]})


def _agree(session: Session, due: dict[int, datetime]) -> None:
    jobs = session.execute(select(WorkOrder.id, WorkOrder.resolve_due_at).where(WorkOrder.id.in_(due))).all()
    session.execute(
        update(WorkOrder.__table__).where(WorkOrder.__table__.c.id == bindparam("job_id")),
        [
            {"job_id": job.id, "response_due_at": due[job.id], "resolve_due_at": max(job.resolve_due_at, due[job.id])}
            for job in jobs
        ],
    )
    creations = select(Event.id, Event.work_order_id, Event.details).where(Event.action == "created")
    created = session.execute(creations.where(Event.work_order_id.in_(due))).all()
    session.execute(
        update(Event.__table__).where(Event.__table__.c.id == bindparam("event_id")),
        [{"event_id": e.id, "details": {**e.details, "response_due_at": _iso(due[e.work_order_id])}} for e in created],
    )


def seed_city(
    session: Session,
    *,
    technicians: int,
    work_orders: int,
    seed: int,
    now: datetime,
    sla_policy: dict,
    accept_timeout: dict,
    password_hash: str,
    dispatch: DispatchSettings | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    currency: str = "CNY",
) -> dict:
    """Insert a synthetic city as it is at `now`; returns counts per status and the demo logins created.

    When this run creates the demo technician's login, the first of the `work_orders` are their day
    (`DEMO_DAY`) and the city's jobs go to the other technicians."""
    rng = random.Random(seed)
    now = now.replace(microsecond=0)
    seeder = CitySeeder(session, rng, now, sla_policy, None, accept_timeout)
    ensure_skills(session, SKILLS, now)  # the vocabulary names the city's skills in English and Chinese
    seeder.dispatcher_id, logins, tech_login = _add_staff(session, seeder, password_hash, now)
    tech_rows = _technician_rows(seeder.batch, rng, max(technicians, 1), now, password_hash, tech_login)
    customers = _customer_rows(seeder.batch, rng, max(20, work_orders // 4), now)
    city_technicians = tech_rows
    if tech_login:
        story = min(work_orders, len(DEMO_DAY))
        story_ids = seeder.demo_day(tech_rows[0], story)
        work_orders, city_technicians = work_orders - story, tech_rows[1:]
    for _ in range(work_orders):
        seeder.work_order(city_technicians, customers)
    seeder.flush()
    if tech_login:
        # Small and fixed-size, through the features' own domain functions (demo_equipment.py).
        seed_equipment_story(
            session, now, tech_rows[0]["id"], story_ids, sla_policy=sla_policy, timezone=timezone, currency=currency
        )
    if dispatch is not None:
        _agree_reachable_times(session, now, dispatch)
    return {"statuses": dict(sorted(seeder.counts.items())), "logins": logins, "technicians": len(tech_rows)}
