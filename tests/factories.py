"""Test data, made by the tests through the domain functions (the same ones the API calls)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain.directory import create_customer, create_technician, create_user
from backend.extensions import db

PASSWORD = "password123"
HASH = "pbkdf2:sha256:1000"

# Central Shanghai and points at known distances from it.
SITE = {"lat": 31.2304, "lon": 121.4737}


def add_user(role: str, email: str, name: str | None = None):
    user = create_user(db.session, email=email, password=PASSWORD, role=role, name=name or email, hash_method=HASH)
    db.session.commit()
    return user


def add_technician(email: str, *, skills=(), home=SITE, on_shift=True, max_open_jobs=6, name=None):
    data = {
        "email": email,
        "password": PASSWORD,
        "name": name or email.split("@")[0].title(),
        "skills": list(skills),
        "home": home,
        "on_shift": on_shift,
        "max_open_jobs": max_open_jobs,
    }
    technician = create_technician(db.session, data, HASH)
    db.session.commit()
    return technician


def add_customer(name: str = "Acme Bakery", location=SITE):
    customer = create_customer(
        db.session, {"name": name, "phone": "+86 21 5555 0101", "address": "1 Nanjing Rd", "location": location}
    )
    db.session.commit()
    return customer


@dataclass
class World:
    admin_email: str = "admin@example.com"
    dispatcher_email: str = "dispatcher@example.com"
    tech_email: str = "tech@example.com"
    other_tech_email: str = "other@example.com"
    technician_id: int = 0
    other_technician_id: int = 0
    customer_id: int = 0


def make_world(app) -> World:
    """An admin, a dispatcher, two on-shift technicians (hvac; electrical) and a customer."""
    world = World()
    with app.app_context():
        add_user("admin", world.admin_email, "Ada Admin")
        add_user("dispatcher", world.dispatcher_email, "Dana Dispatcher")
        world.technician_id = add_technician(world.tech_email, skills=["hvac", "electrical"], name="Tom Tech").id
        world.other_technician_id = add_technician(world.other_tech_email, skills=["plumbing"], name="Olga Other").id
        world.customer_id = add_customer().id
    return world


def new_jobs_in_bulk(
    app, customer_id: int, count: int, *, skill: str, title: str, first_id: int, created_at
) -> list[int]:
    """`count` new high-priority jobs needing `skill`, on a grid around SITE, created at
    `created_at` (due to be reached 4 h later), written in one bulk insert; their ids."""
    from datetime import timedelta

    from backend.database import bulk_insert
    from backend.models import WorkOrder

    rows = [
        {
            "id": first_id + i,
            "customer_id": customer_id,
            "title": f"{title} {i}",
            "priority": "high",
            "channel": "phone",
            "status": "new",
            "required_skills": [skill],
            "lat": SITE["lat"] + (i % 20) * 0.01,
            "lon": SITE["lon"] + (i // 20) * 0.01,
            "created_at": created_at,
            "response_due_at": created_at + timedelta(hours=4),
            "resolve_due_at": created_at + timedelta(hours=24),
            "reopen_count": 0,
            "version": 1,
        }
        for i in range(count)
    ]
    with app.app_context():
        bulk_insert(db.session, WorkOrder.__table__, rows)
        db.session.commit()
    return [row["id"] for row in rows]
