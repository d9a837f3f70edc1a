"""Payment of a job's charges: paid on site (method, amount) or invoiced later. No payment gateway:
OnSite records what happened. One payment record per job; an event on its timeline says so."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Payment, WorkOrder
from .actors import Actor
from .charges import charges_for, payment_of
from .errors import Conflict, ValidationFailed
from .timing import deed_time
from .workflow import check_activity, last_event_at, record_event


def record_payment(
    session: Session,
    wo: WorkOrder,
    actor: Actor,
    now: datetime,
    data: dict,
    occurred_at: datetime | None = None,
    offline_since: datetime | None = None,
) -> Payment:
    """Record how the customer pays the completed job's charges: `paid_on_site` needs `method` and
    `amount`; `invoiced` takes the amount invoiced (default: the charges' total) and a `reference`."""
    check_activity("pay", wo, actor)  # staff, or the job's technician, once the work is done
    charges = charges_for(session, wo)
    if not charges.chargeable:
        raise Conflict(f"This job is not chargeable ({charges.reason}): there is nothing to pay.")
    if payment_of(session, wo) is not None:
        raise Conflict("A payment is already recorded for this job.")
    kind = data["kind"]
    amount = data.get("amount")
    problems: dict[str, list[str]] = {}
    if kind == "paid_on_site":
        if not data.get("method"):
            problems["method"] = ["is required when paid on site"]
        if amount is None:
            problems["amount"] = ["is required when paid on site"]
    if amount is not None and amount < 0:
        problems["amount"] = ["must not be negative"]
    if problems:
        raise ValidationFailed(problems)
    at = deed_time(occurred_at, now, last_event_at(session, wo))
    payment = Payment(
        work_order_id=wo.id,
        kind=kind,
        method=data.get("method") if kind == "paid_on_site" else None,
        amount=charges.total if amount is None else amount,
        currency=charges.currency,
        reference=(data.get("reference") or "").strip() or None,
        recorded_by_id=actor.user_id,
        occurred_at=at,
        recorded_at=now,
    )
    session.add(payment)
    session.flush()
    details = {
        "payment_id": payment.id,
        "kind": payment.kind,
        "method": payment.method,
        "amount": payment.amount,
        "currency": payment.currency,
        "charges_total": charges.total,
    }
    if payment.reference:
        details["reference"] = payment.reference
    record_event(
        session,
        wo,
        "payment_recorded",
        actor,
        at=at,
        now=now,
        details=details,
        offline_since=offline_since,
    )
    return payment
