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


def steps(session: Session, wo: WorkOrder) -> list[dict]:
    """The job's statuses as the timeline went through them, with when (repeats of one status in a
    row, a reassignment for instance, shown once)."""
    rows = session.execute(
        select(Event.to_status, Event.occurred_at)
        .where(Event.work_order_id == wo.id, Event.to_status.is_not(None))
        .order_by(Event.occurred_at, Event.id)
    ).all()
    shown: list[dict] = []
    for status, at in rows:
        if not shown or shown[-1]["status"] != status:
            shown.append({"status": status, "at": at})
    if not shown:
        shown.append({"status": "new", "at": wo.created_at})
    return shown


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


def open_confirmation_link(session: Session, wo: WorkOrder, now: datetime) -> ConfirmationLink | None:
    """The confirmation link waiting for the customer's answer on this completion, if any."""
    if wo.status != "completed":
        return None
    return session.scalar(
        select(ConfirmationLink)
        .where(
            ConfirmationLink.work_order_id == wo.id,
            ConfirmationLink.used_at.is_(None),
            ConfirmationLink.expires_at > now,
            ConfirmationLink.completed_at == wo.completed_at,
        )
        .order_by(ConfirmationLink.id.desc())
        .limit(1)
    )


def customer_view(session: Session, wo: WorkOrder, now: datetime, settings: DispatchSettings) -> dict:
    """The job as its customer may see it: status steps, the technician's first name, the ETA while
    on the way, the window asked for. Nothing else about the technician, nothing of other jobs.
    `confirmation_link` (a row, for the caller to turn into a URL) while one awaits an answer."""
    window = {"from": wo.window_from, "to": wo.window_to} if wo.window_from or wo.window_to else None
    technician = {"first_name": first_name(wo.technician.user.name)} if wo.technician is not None else None
    return {
        "id": wo.id,
        "number": wo.number,
        "type": wo.type,
        "status": wo.status,
        "title": wo.title,
        "created_at": wo.created_at,
        "technician": technician,
        "eta_minutes": eta_minutes(wo, now, settings),
        "window": window,
        "steps": steps(session, wo),
        "confirmation_link": open_confirmation_link(session, wo, now),
    }
