"""A realistic synthetic city for demos and benchmarks: customers, technicians, work orders in
every status with timelines that obey the status machine. Deterministic for a given seed and `now`.

The city is seeded as a live moment at `now`: every open job is within the scheduler's rules (a
response deadline still ahead before the technician is on site, an assigned job still inside its
accept timeout), so the scheduler's first pass has nothing to move; the few escalated jobs already
carry their escalation and were then placed by a dispatcher. The demo technician's login gets a
day of their own near where they are (story.py) and the equipment, plans and stock around it
(equipment.py).

- city.py: places, people and the demo logins;
- timelines.py: the jobs and their histories, walked through `workflow.ACTIONS`;
- story.py, equipment.py: the demo technician's day and what surrounds it.

The city's rows go in with bulk inserts and ids assigned here (`database.bulk_insert`), because 100,000
work orders with their events through the ORM one by one would take minutes instead of seconds; the
story's few rows go through the features' own domain functions.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..domain.assets import DEFAULT_TIMEZONE
from ..domain.dispatch import DispatchSettings, holder_arrivals
from ..domain.skills import ensure as ensure_skills
from ..models import Event, WorkOrder
from .city import DEMO_PASSWORD, SKILLS, Batch, add_staff, customer_rows, technician_rows
from .equipment import seed_equipment_story
from .story import DEMO_DAY, demo_day
from .timelines import DEADLINE_MARGIN, TABLES, Timelines, iso_utc

__all__ = ["DEMO_PASSWORD", "seed_city"]

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
        [
            {"event_id": e.id, "details": {**e.details, "response_due_at": iso_utc(due[e.work_order_id])}}
            for e in created
        ],
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
    batch = Batch.after(session, TABLES)
    ensure_skills(session, SKILLS, now)  # the vocabulary names the city's skills in English and Chinese
    dispatcher_id, logins, tech_login = add_staff(session, batch, password_hash, now)
    jobs = Timelines(session, batch, rng, now, sla_policy, dispatcher_id, accept_timeout)
    tech_rows = technician_rows(batch, rng, max(technicians, 1), now, password_hash, tech_login)
    customers = customer_rows(batch, rng, max(20, work_orders // 4), now)
    city_technicians = tech_rows
    if tech_login:
        story = min(work_orders, len(DEMO_DAY))
        story_ids = demo_day(jobs, tech_rows[0], story)
        work_orders, city_technicians = work_orders - story, tech_rows[1:]
    for _ in range(work_orders):
        jobs.work_order(city_technicians, customers)
    jobs.flush()
    if tech_login:
        # Small and fixed-size, through the features' own domain functions (equipment.py).
        seed_equipment_story(
            session, now, tech_rows[0]["id"], story_ids, sla_policy=sla_policy, timezone=timezone, currency=currency
        )
    if dispatch is not None:
        _agree_reachable_times(session, now, dispatch)
    return {"statuses": dict(sorted(jobs.counts.items())), "logins": logins, "technicians": len(tech_rows)}
