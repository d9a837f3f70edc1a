"""The demo story's equipment, maintenance, prices and spare parts, around the demo technician's day.

Small and fixed-size (a few rows whatever the city's size), so it goes through the features' own
domain functions rather than bulk loading: the rows are the ones the app itself would write.

- three machines at the day's customers: one in the maker's warranty (its earlier repair is one of
  the day's closed jobs, so today's job on it carries the 三包 repeat flag), one under an
  extended contract, one out of warranty (its job is chargeable and shows charges);
- a quarterly service plan for the chiller whose first visit, five days ahead, is within its lead
  time: its maintenance job is made at seeding by the maintenance pass's own step (`advance`), so the
  plan lists it and the scheduler's first pass has nothing more to make; and a yearly inspection
  first due weeks ahead;
- a price list (call-out fee, labour per hour) and a parts catalogue with prices and minimums;
- a warehouse with opening stock and the demo technician's van, issued from it, one part low.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.actors import Actor
from ..domain.assets import create_asset, equipment_at_intake, local_day
from ..domain.charges import price_list, update_price_list
from ..domain.maintenance import advance, create_plan
from ..domain.parts import create_part, create_request, create_warehouse, decide, part_by_sku, receive
from ..models import Asset, Customer, Event, Technician, User, WorkOrder
from .city import ADMIN_EMAIL, DISPATCHER_EMAIL

# Money in the currency's minor unit (fen): 150.00 call-out, 120.00 an hour in 15-minute blocks.
PRICES = {"callout_fee": 15000, "labour_per_hour": 12000, "labour_block_minutes": 15, "parts": []}
# sku, name, unit, price, minimum stock (per location), warehouse stock, van stock
PARTS = (
    ("FLT-AC-450", "Air filter 450 mm", "pcs", 4500, 2, 40, 4),
    ("CAP-35UF", "Run capacitor 35 µF", "pcs", 3850, 2, 25, 1),  # the van's low part
    ("RLY-24V", "Relay 24 V", "pcs", 2600, 1, 30, 3),
    ("GSK-DN50", "Gasket DN50", "pcs", 800, 4, 100, 10),
    ("R410A", "Refrigerant R410A", "kg", 9000, 0, 60, 5),
)
WAREHOUSE = "Central warehouse (Putuo)"
# DEMO_DAY index -> the machine its job is on (the index of the customer that owns it in brackets).
# Index 7 (a closed hvac job) is at index 1's customer (story.DEMO_SAME_CUSTOMER): the earlier repair.
MACHINES = {
    "in_warranty": {
        "model": "Daikin FXMQ125",
        "serial": "DK-2026-0418",
        "place": "Roof, unit 2",
        "purchased": -200,
        "warranty": 165,
        "contract": None,
    },
    "under_contract": {
        "model": "Carrier 30XA chiller",
        "serial": "CR-30XA-77120",
        "place": "Basement plant room",
        "purchased": -3 * 365,
        "warranty": -2 * 365,
        "contract": 365,
    },
    "out_of_warranty": {
        "model": "Schneider Prisma distribution board",
        "serial": "SE-PRS-55031",
        "place": "Ground floor, electrical room",
        "purchased": -6 * 365,
        "warranty": -4 * 365,
        "contract": None,
    },
}
JOB_MACHINES = {0: "out_of_warranty", 1: "in_warranty", 7: "in_warranty", 3: "under_contract"}
PLANS = (
    ("under_contract", "Quarterly chiller service", "FREQ=MONTHLY;INTERVAL=3", 5, ["refrigeration"]),
    ("out_of_warranty", "Annual electrical safety inspection", "FREQ=YEARLY", 45, ["electrical"]),
)


def seed_equipment_story(
    session: Session,
    now: datetime,
    technician_id: int,
    story_ids: list[int],
    *,
    sla_policy: dict,
    timezone: str,
    currency: str,
) -> dict:
    """Add the story's machines, plans, prices and stock; `story_ids` are the demo day's jobs in
    DEMO_DAY order. Returns what was made, by name."""
    admin = Actor.of(session.scalar(select(User).where(User.email == ADMIN_EMAIL)))
    dispatcher = Actor.of(session.scalar(select(User).where(User.email == DISPATCHER_EMAIL)))
    today = local_day(now, timezone)
    jobs = {index: session.get(WorkOrder, job_id) for index, job_id in enumerate(story_ids)}
    assets = {}
    for kind, machine in MACHINES.items():
        owner = next((jobs[i] for i, k in sorted(JOB_MACHINES.items()) if k == kind and i in jobs), None)
        if owner is None:
            continue
        data = {
            "model": machine["model"],
            "serial": machine["serial"],
            "place": machine["place"],
            "purchased_at": today + timedelta(days=machine["purchased"]),
            "installed_at": today + timedelta(days=machine["purchased"]),
            "warranty_until": today + timedelta(days=machine["warranty"]),
        }
        if machine["contract"] is not None:
            data["contract_until"] = today + timedelta(days=machine["contract"])
        if _registered(session, machine["model"], machine["serial"]):
            continue  # seeded beside existing data that has this machine: the story goes without it
        customer = session.get(Customer, owner.customer_id)
        assets[kind] = create_asset(session, customer, data, now - timedelta(days=90))
    _name_machines(session, jobs, assets, timezone)
    for kind, title, rule, days_ahead, skills in PLANS:
        if kind in assets:
            data = {"asset_id": assets[kind].id, "title": title, "rrule": rule, "required_skills": skills}
            plan = create_plan(session, admin, now, data | {"starts_on": today + timedelta(days=days_ahead)}, timezone)
            advance(session, plan, today, now, sla_policy, timezone)  # what the pass would make now
            session.flush()
    if price_list(session) is None:  # an existing price list is left as it is
        update_price_list(session, PRICES, admin.user_id, now, currency)
    _stock(session, now, technician_id, admin, dispatcher, currency)
    return {"assets": len(assets), "plans": sum(1 for p in PLANS if p[0] in assets), "parts": len(PARTS)}


def _registered(session: Session, model: str, serial: str) -> bool:
    query = select(Asset.id).where(func.lower(Asset.model) == model.lower(), func.lower(Asset.serial) == serial.lower())
    return session.scalar(query) is not None


def _name_machines(session: Session, jobs: dict, assets: dict, timezone: str) -> None:
    """The jobs on a machine record who pays and the 三包 flag as they stood at intake, in the
    order they were taken in (an earlier repair counts for a later one), as intake writes them:
    on the job and in its created event."""
    named = [(jobs[i], assets[k]) for i, k in JOB_MACHINES.items() if i in jobs and k in assets]
    for wo, asset in sorted(named, key=lambda pair: pair[0].created_at):
        customer = session.get(Customer, wo.customer_id)
        equipment = equipment_at_intake(session, customer, asset.id, wo.type, wo.created_at, timezone)
        for name, value in equipment.items():
            setattr(wo, name, value)
        created = session.scalar(select(Event).where(Event.work_order_id == wo.id, Event.action == "created"))
        created.details = {**created.details, **equipment}
        session.flush()


def _stock(session: Session, now: datetime, technician_id: int, admin: Actor, dispatcher: Actor, currency) -> None:
    """The catalogue, the warehouse's opening stock two days ago, and the van's requisition issued
    yesterday."""
    for sku, name, unit, price, minimum, _, _ in PARTS:
        if part_by_sku(session, sku) is not None:
            continue  # already in the catalogue: its price and minimum are left as they are
        data = {"sku": sku, "name": name, "unit": unit, "price": price, "currency": currency, "min_stock": minimum}
        create_part(session, data, now - timedelta(days=3), admin)
    store = create_warehouse(session, {"name": WAREHOUSE}, now - timedelta(days=3))
    opening = [{"sku": sku, "qty": stock} for sku, *_, stock, _ in PARTS]
    receive(session, store, opening, "Opening stock", dispatcher, now - timedelta(days=2), None)
    technician = session.get(Technician, technician_id)
    yesterday = now - timedelta(days=1)
    lines = [{"sku": sku, "qty": van} for sku, *_, van in PARTS]
    request = create_request(
        session,
        "requisition",
        technician,
        {"warehouse_id": store.id, "lines": lines, "note": "Van stock"},
        Actor.of(technician.user),
        yesterday,
    )
    decide(session, request, "issue", dispatcher, yesterday)
    session.flush()
