"""The city's places and people: where things are, who works there, the demo logins, and the rows
waiting for their bulk insert (`Batch`). No jobs here (timelines.py) and no story (story.py)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.directory import phone_key
from ..models import Customer, Event, Log, Technician, User, WorkOrder

CENTRE = (31.2304, 121.4737)  # Shanghai, People's Square
RADIUS_KM = 25
SKILLS = ("hvac", "electrical", "plumbing", "refrigeration", "elevators", "boilers", "fire_safety", "it_network")
FIRST = ("Wei", "Li", "Jun", "Mei", "Hao", "Lan", "Tao", "Yan", "Bo", "Xin", "Anna", "Marco", "Sara", "Omar", "Ivan")
LAST = ("Zhang", "Wang", "Chen", "Liu", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "Lin")
BUSINESSES = ("Bakery", "Hotel", "Clinic", "Office Tower", "Supermarket", "School", "Restaurant", "Gym", "Data Centre")
STREETS = ("Nanjing Rd", "Huaihai Rd", "Yan'an Rd", "Century Ave", "Zhongshan Rd", "Xizang Rd", "Changshou Rd")
DEMO_PASSWORD = "onsite-demo"
ADMIN_EMAIL, DISPATCHER_EMAIL = "admin@onsite.demo", "dispatcher@onsite.demo"
DEMO_LOGINS = (
    (ADMIN_EMAIL, "Ada Admin", "admin"),
    (DISPATCHER_EMAIL, "Dana Dispatcher", "dispatcher"),
    ("tech@onsite.demo", "Tom Technician", "technician"),
)
# The demo technician covers the skills of their day (story.DEMO_DAY).
DEMO_SKILLS = ["electrical", "hvac", "plumbing", "refrigeration"]


class Row(dict):
    """A row waiting for its bulk insert, also read and written as attributes, so that the domain's
    own functions can fill it as they fill a model (a workflow effect sets `wo.accepted_at`, the
    completion record reads `log.parts`). A column not yet set reads None, as on a new model."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    __setattr__ = dict.__setitem__


def scatter(rng: random.Random, centre=CENTRE, radius_km=RADIUS_KM) -> tuple[float, float]:
    """A point drawn evenly over the disc of `radius_km` around `centre`."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    lat = centre[0] + distance * math.cos(bearing) / 111.2
    lon = centre[1] + distance * math.sin(bearing) / (111.2 * math.cos(math.radians(centre[0])))
    return round(lat, 6), round(lon, 6)


def pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _next_id(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


@dataclass
class Batch:
    """Rows waiting for their bulk insert, with the next free id of each table."""

    ids: dict
    rows: dict = field(default_factory=lambda: {m: [] for m in (User, Technician, Customer, WorkOrder, Event, Log)})

    @classmethod
    def after(cls, session: Session, models) -> Batch:
        """A batch whose ids follow those already in the database."""
        return cls({model: _next_id(session, model) for model in models})

    def add(self, model, row: dict) -> int:
        row["id"] = self.ids[model]
        self.ids[model] += 1
        self.rows.setdefault(model, []).append(row)
        return row["id"]


def _user_row(name: str, email: str, role: str, password_hash: str, now: datetime) -> dict:
    return {
        "email": email,
        "name": name,
        "role": role,
        "password_hash": password_hash,
        "active": True,
        "created_at": now - timedelta(days=60),
    }


def technician_rows(batch, rng, count, now, password_hash, demo_login) -> list[dict]:
    """`count` technicians around the city, the first the demo login's (`demo_login`: its email and
    name) when this run creates it."""
    technicians = []
    for index in range(count):
        if index == 0 and demo_login:
            email, name = demo_login
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            email = f"tech{batch.ids[User]}@onsite.demo"
        user_id = batch.add(User, _user_row(name, email, "technician", password_hash, now))
        home = scatter(rng)
        on_shift = index == 0 or rng.random() < 0.7
        fresh = on_shift and rng.random() < 0.8
        seen = now - timedelta(minutes=rng.randint(0, 25) if fresh else rng.randint(60, 60 * 48))
        last = scatter(rng, home, 8)
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


def customer_rows(batch, rng, count, now) -> list[dict]:
    return [customer_row(batch, rng, scatter(rng), now) for _ in range(count)]


def customer_row(batch, rng, location: tuple[float, float], now) -> dict:
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


def add_staff(session, batch, password_hash, now) -> tuple[int, list[str], tuple | None]:
    """The demo admin and dispatcher (and the demo technician's login), unless already there.
    Returns the dispatcher's user id, the logins created, and the demo technician's (email, name)
    when it is to be created."""
    existing = set(session.scalars(select(User.email).where(User.email.in_([e for e, _, _ in DEMO_LOGINS]))))
    dispatcher_id, created, tech_login = None, [], None
    for email, name, role in DEMO_LOGINS:
        if email in existing:
            continue
        created.append(email)
        if role == "technician":
            tech_login = (email, name)
            continue
        user_id = batch.add(User, _user_row(name, email, role, password_hash, now))
        if role == "dispatcher":
            dispatcher_id = user_id
    if dispatcher_id is None:
        dispatcher_id = session.scalar(select(User.id).where(User.role == "dispatcher").order_by(User.id))
    return dispatcher_id, created, tech_login
