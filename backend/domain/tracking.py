"""The customer's tracking link: a signed token per work order, not single-use, valid until 30 days
after the job ends. The token is derived from the work order's id and the secret alone, so every
message, page and API answer that mentions the link names the same one without storing it."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from ..models import WorkOrder
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
