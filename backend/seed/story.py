"""The demo technician's day: one job of each kind near where they are, at customers who hear from
us in Chinese by SMS or in English by email (the machines, plans and stock around it: equipment.py)."""

from __future__ import annotations

from datetime import timedelta

from ..models import WorkOrder
from .city import customer_row, scatter
from .timelines import Timelines

# The demo technician's day, near their last position: (status, priority, skill). Their other jobs
# come from here only, so a newcomer logging in sees one job of each kind, none far away.
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


def _demo_contact(row: dict, index: int) -> None:
    """The demo day's customers hear from us: alternately in Chinese by SMS and in English by email."""
    if index % 2 == 0:
        row.update(language="zh-CN", preferred_channel="sms")
    else:
        row.update(language="en", preferred_channel="email", email=f"service{row['id']}@customer.demo")


def demo_day(timelines: Timelines, tech, count: int) -> list[int]:
    """The first `count` jobs of `DEMO_DAY` for the demo technician, at customers around them
    (a job in `DEMO_SAME_CUSTOMER` is at an earlier job's customer); returns their ids."""
    rng, batch, here = timelines.rng, timelines.batch, (tech["last_lat"], tech["last_lon"])
    ids, customers = [], []
    for index, (status, priority, skill) in enumerate(DEMO_DAY[:count]):
        if index in DEMO_SAME_CUSTOMER:
            customer = customers[DEMO_SAME_CUSTOMER[index]]
        else:
            customer = customer_row(batch, rng, scatter(rng, here, DEMO_DAY_RADIUS_KM), timelines.now)
            _demo_contact(customer, len(customers))
        customers.append(customer)
        since = timedelta(minutes=rng.randint(*DEMO_COMPLETED_MINUTES_AGO)) if status == "completed" else None
        ids.append(batch.ids[WorkOrder])
        timelines.add_work_order(status, priority, skill, customer, tech, since=since, signed_on="device")
    return ids
