"""The customer's tracking link: a signed token per work order, not single-use, valid until 30 days
after the job ends. The token is derived from the work order's id and the secret alone, so every
message, page and API answer that mentions the link names the same one without storing it."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ConfirmationLink, Event, WorkOrder
from .arrival import project_arrival, queue_key
from .dispatch import DispatchSettings, technician_position
from .errors import Gone, NotFound

VALID_AFTER_END = timedelta(days=30)
SALT = "onsite.tracking-link"


def serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def token_for(work_order_id: int, secret_key: str) -> str:
    """The tracking token of a work order (the same every time it is asked for)."""
    return serializer(secret_key).dumps({"t": work_order_id})


def path_for(work_order_id: int, secret_key: str) -> str:
    """The tracking page's path, for links in messages and the staff view (`/t/<token>`)."""
    return f"/t/{token_for(work_order_id, secret_key)}"


def ended_at(wo: WorkOrder) -> datetime | None:
    """When the job ended for the customer (closed or cancelled), or None while it is still open."""
    return wo.closed_at or wo.cancelled_at if wo.status in ("closed", "cancelled") else None


def resolve(session: Session, token: str, secret_key: str, now: datetime) -> WorkOrder:
    """The work order a tracking token names: 404 when altered or unknown, 410 once expired."""
    try:
        work_order_id = int(serializer(secret_key).loads(token)["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("This tracking link is not valid.") from None
    wo = session.get(WorkOrder, work_order_id)
    if wo is None:
        raise NotFound("This tracking link is not valid.")
    end = ended_at(wo)
    if end is not None and now >= end + VALID_AFTER_END:
        raise Gone("This tracking link has expired.", "expired")
    return wo


# ---- what the customer sees -------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def first_name(full_name: str | None) -> str | None:
    """How the customer may call the technician, and nothing more: the first word of a Western name,
    the family name of a Chinese one (王伟 -> 王, as in 王师傅, the way a Chinese customer addresses
    a technician)."""
    name = (full_name or "").strip()
    if not name:
        return None
    if CJK.match(name) and " " not in name:
        return name[0]
    return name.split()[0]


def steps_of(session: Session, work_orders: list[WorkOrder]) -> dict[int, list[dict]]:
    """Each job's statuses as the timeline went through them, with when (repeats of one status in
    a row, a reassignment for instance, shown once); one query for all the jobs."""
    rows = session.execute(
        select(Event.work_order_id, Event.to_status, Event.occurred_at)
        .where(Event.work_order_id.in_([wo.id for wo in work_orders]), Event.to_status.is_not(None))
        .order_by(Event.work_order_id, Event.occurred_at, Event.id)
    ).all()
    found: dict[int, list[dict]] = {wo.id: [] for wo in work_orders}
    for work_order_id, status, at in rows:
        shown = found[work_order_id]
        if not shown or shown[-1]["status"] != status:
            shown.append({"status": status, "at": at})
    for wo in work_orders:
        found[wo.id] = found[wo.id] or [{"status": "new", "at": wo.created_at}]
    return found


def steps(session: Session, wo: WorkOrder) -> list[dict]:
    return steps_of(session, [wo])[wo.id]


def eta_minutes(wo: WorkOrder, now: datetime, settings: DispatchSettings) -> int | None:
    """Minutes until the technician is there, while they are on the way, from their last fresh
    position (the projected arrival's own travel measure); None otherwise, or without a fresh ping."""
    technician = wo.technician
    if wo.status != "en_route" or technician is None:
        return None
    position = technician_position(technician, now - timedelta(minutes=settings.fresh_minutes))
    if position.source != "last":
        return None
    key = queue_key(wo.priority, wo.response_due_at, wo.id, wo.status)
    projection = project_arrival(now, (position.lat, position.lon), (), (wo.lat, wo.lon), key, settings.travel)
    return max(1, math.ceil((projection.arrival_at - now).total_seconds() / 60))


def open_confirmation_links(
    session: Session, work_orders: list[WorkOrder], now: datetime
) -> dict[int, ConfirmationLink]:
    """The confirmation link waiting for the customer's answer on each completed job's completion
    (the newest, when several are open); one query for all the jobs."""
    completed = {wo.id: wo for wo in work_orders if wo.status == "completed"}
    if not completed:
        return {}
    links = session.scalars(
        select(ConfirmationLink)
        .where(
            ConfirmationLink.work_order_id.in_(completed),
            ConfirmationLink.used_at.is_(None),
            ConfirmationLink.expires_at > now,
        )
        .order_by(ConfirmationLink.id)
    )
    return {
        link.work_order_id: link for link in links if link.completed_at == completed[link.work_order_id].completed_at
    }


def open_confirmation_link(session: Session, wo: WorkOrder, now: datetime) -> ConfirmationLink | None:
    return open_confirmation_links(session, [wo], now).get(wo.id)


def customer_views(
    session: Session, work_orders: list[WorkOrder], now: datetime, settings: DispatchSettings
) -> list[dict]:
    """The jobs as their customer may see them: status steps, the technician's first name, the ETA
    while on the way, the window asked for. Nothing else about the technician, nothing of other
    jobs. `confirmation_link` (a row, for the caller to turn into a URL) while one awaits an answer.
    Two queries whatever the number of jobs (their technicians loaded by the caller)."""
    all_steps = steps_of(session, work_orders)
    links = open_confirmation_links(session, work_orders, now)
    views = []
    for wo in work_orders:
        window = {"from": wo.window_from, "to": wo.window_to} if wo.window_from or wo.window_to else None
        technician = {"first_name": first_name(wo.technician.user.name)} if wo.technician is not None else None
        views.append(
            {
                "id": wo.id,
                "number": wo.number,
                "type": wo.type,
                "status": wo.status,
                "title": wo.title,
                "created_at": wo.created_at,
                "technician": technician,
                "eta_minutes": eta_minutes(wo, now, settings),
                "window": window,
                "steps": all_steps[wo.id],
                "confirmation_link": links.get(wo.id),
            }
        )
    return views


def customer_view(session: Session, wo: WorkOrder, now: datetime, settings: DispatchSettings) -> dict:
    """One job as its customer may see it (`customer_views`)."""
    return customer_views(session, [wo], now, settings)[0]
