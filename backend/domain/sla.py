"""Service levels: due times from the priority's policy, and when a job counts as overdue."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_

from ..models import WorkOrder
from .assignment import AT_RISK, NOT_ACCEPTED, RESPONSE_OVERDUE  # noqa: F401 (the reasons, re-exported)
from .calendar import CompanyCalendar, add_business_minutes

# Statuses in which the technician is not yet on site: the response clock still runs.
BEFORE_SITE = ("new", "assigned", "accepted", "en_route")
# How long `depart` keeps a late job with the technician on the way: a drive across the city. Past
# it, an en_route job that is past its deadline moves like an accepted one (pressing depart right
# after accepting must not keep a job from the pass forever).
EN_ROUTE_SHIELD = timedelta(minutes=60)


def due_times(
    priority: str,
    created_at: datetime,
    policy: dict,
    calendar: CompanyCalendar | None = None,
    work_order_type: str = "repair",
) -> tuple[datetime, datetime]:
    """(response_due_at, resolve_due_at) for a job of `priority` and `work_order_type` created at `created_at`.

    A type with its own entry in `policy["types"]` (config SLA_<TYPE>; a complaint by default) follows
    it whatever its priority, on the 24x7 clock; every other type follows its priority.

    The priority's `clock` (config SLA_CLOCK_<PRIORITY>) is "24x7" (the default) or "business":
    then the minutes count only inside the entry's `business_hours` on working days, by `calendar`
    (pass `company_calendar(...)` so company days count) or else by China's public calendar in the
    entry's `timezone`."""
    minutes = (policy.get("types") or {}).get(work_order_type) or policy[priority]
    if minutes.get("clock", "24x7") != "business":
        return (
            created_at + timedelta(minutes=minutes["respond"]),
            created_at + timedelta(minutes=minutes["resolve"]),
        )
    cal = calendar or CompanyCalendar(tz=ZoneInfo(minutes.get("timezone", "Asia/Shanghai")))
    hours = minutes["business_hours"]
    return (
        add_business_minutes(created_at, minutes["respond"], cal, hours),
        add_business_minutes(created_at, minutes["resolve"], cal, hours),
    )


def accept_deadline(work_order: WorkOrder, accept_timeout: dict) -> datetime | None:
    """When an assigned, unaccepted job stops waiting for its technician."""
    if work_order.status != "assigned" or work_order.assigned_at is None:
        return None
    return work_order.assigned_at + timedelta(minutes=accept_timeout[work_order.priority])


def is_overdue(work_order: WorkOrder, now: datetime, accept_timeout: dict) -> bool:
    """Not on site by `response_due_at`, or assigned and not accepted within the accept timeout."""
    if work_order.status in BEFORE_SITE and now > work_order.response_due_at:
        return True
    deadline = accept_deadline(work_order, accept_timeout)
    return deadline is not None and now > deadline


def overdue_condition(now: datetime, accept_timeout: dict):
    """`is_overdue` as a SQL condition, for lists and the scheduler's search."""
    late_response = and_(WorkOrder.status.in_(BEFORE_SITE), WorkOrder.response_due_at < now)
    return or_(late_response, _late_acceptance(now, accept_timeout))


def _late_acceptance(now: datetime, accept_timeout: dict):
    """SQL: assigned and not accepted within the accept timeout of its priority."""
    return or_(
        *(
            and_(
                WorkOrder.status == "assigned",
                WorkOrder.priority == priority,
                WorkOrder.assigned_at < now - timedelta(minutes=minutes),
            )
            for priority, minutes in accept_timeout.items()
        )
    )


# Statuses in which a holder's projected arrival can put a job at risk (en_route jobs stay).
AT_RISK_STATUSES = ("assigned", "accepted")


def is_at_risk(work_order, projected_arrival: datetime | None) -> bool:
    """Its holder's projected arrival (dispatch.holder_arrivals) is later than its response due time:
    it will be late unless something changes."""
    return (
        work_order.status in AT_RISK_STATUSES
        and projected_arrival is not None
        and projected_arrival > work_order.response_due_at
    )


def reassignment_reason(work_order: WorkOrder, now: datetime, accept_timeout: dict) -> str | None:
    """Why the scheduler should move this job now, or None. It is overdue (`is_overdue`) and its
    holder has had their chance:

    - `new` past its response deadline;
    - `assigned` and not accepted within the accept timeout;
    - `assigned` or `accepted` past the response deadline by a technician who held it *before* that
      deadline (one assigned after it, by a dispatcher or an earlier pass, gets the accept timeout
      and then keeps the job: moving it every minute would only churn).

    - `en_route` past the response deadline by a technician who held it before that deadline and
      departed more than `EN_ROUTE_SHIELD` ago: they are not on the way any more, whatever they pressed.

    A recent departure stays with the technician on the way: no one else could be faster than
    someone already driving there."""
    deadline = accept_deadline(work_order, accept_timeout)
    if deadline is not None and now > deadline:
        return NOT_ACCEPTED
    if now <= work_order.response_due_at:
        return None
    if work_order.status == "new":
        return RESPONSE_OVERDUE
    held_before_deadline = work_order.assigned_at is not None and work_order.assigned_at <= work_order.response_due_at
    if work_order.status in ("assigned", "accepted") and held_before_deadline:
        return RESPONSE_OVERDUE
    departed_long_ago = work_order.departed_at is not None and work_order.departed_at < now - EN_ROUTE_SHIELD
    if work_order.status == "en_route" and held_before_deadline and departed_long_ago:
        return RESPONSE_OVERDUE
    return None


def reassignment_condition(now: datetime, accept_timeout: dict):
    """`reassignment_reason(...) is not None` as a SQL condition, for the scheduler's search."""
    late = WorkOrder.response_due_at < now
    return or_(
        and_(WorkOrder.status == "new", late),
        _late_acceptance(now, accept_timeout),
        and_(
            WorkOrder.status.in_(("assigned", "accepted")),
            late,
            WorkOrder.assigned_at <= WorkOrder.response_due_at,
        ),
        and_(
            WorkOrder.status == "en_route",
            late,
            WorkOrder.assigned_at <= WorkOrder.response_due_at,
            WorkOrder.departed_at < now - EN_ROUTE_SHIELD,
        ),
    )
