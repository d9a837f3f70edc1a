"""The customer's confirmation through a signed link: no login, the token is the only credential."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app

from ..domain import signoff as signoffs
from ..domain.charges import charges_for
from ..domain.follow_ups import policy_from_config
from ..extensions import db
from .common import answerer, now
from .schemas.charges import ConfirmPageOut
from .schemas.confirm import ConfirmIn, ConfirmResultOut
from .security import public

bp = APIBlueprint("confirm", __name__, url_prefix="/api/v1/confirm", tag="Customer confirmation")


# What the customer is shown of the technician's logs: the fixes and the parts. Notes are the
# technician's and the office's (findings, door codes, remarks about the customer), never the customer's.
CUSTOMER_LOG_KINDS = ("fix", "part")


def company() -> dict:
    """Who the customer deals with, and the number to call (None when COMPANY_PHONE is not set)."""
    return {"name": current_app.config["COMPANY_NAME"], "phone": current_app.config["COMPANY_PHONE"]}


def _serializer():
    return signoffs.link_serializer(current_app.config["SECRET_KEY"])


@bp.get("/<string:token>")
@public
@bp.output(ConfirmPageOut)
@bp.doc(responses={404: "The link is not valid (altered)", 410: "The link was used, has expired, or is moot"})
def show(token):
    """What was done, for the customer to confirm, with the charges they are asked to pay (none
    in warranty or under contract)."""
    link = signoffs.resolve_link(db.session, token, _serializer(), now())
    wo = link.work_order
    charges = charges_for(db.session, wo)
    logs = sorted(wo.logs, key=lambda log: (log.occurred_at, log.id))
    shown = [log for log in logs if log.kind in CUSTOMER_LOG_KINDS]
    technician = {"id": wo.technician.id, "name": wo.technician.user.name} if wo.technician else None
    return {
        "work_order": {
            "number": wo.number,
            "title": wo.title,
            "technician_name": technician["name"] if technician else None,
            "technician": technician,
            "customer_name": wo.customer.name,
            "address": wo.address,
            "arrived_at": wo.arrived_at,
            "completed_at": wo.completed_at,
            "resolution": wo.resolution,
            "logs": [
                {
                    "kind": log.kind,
                    "text": log.text,
                    "minutes": log.minutes,
                    "parts": [{"sku": p.sku, "name": p.name, "qty": p.qty} for p in log.parts],
                }
                for log in shown
            ],
            # All the time logged, notes' too: the customer sees how long, not what was noted.
            "minutes_logged": sum(log.minutes or 0 for log in logs),
        },
        "company": company(),
        "expires_at": link.expires_at,
        "charges": {"chargeable": True, "currency": charges.currency, "lines": charges.lines, "total": charges.total}
        if charges.chargeable
        else None,
    }


@bp.post("/<string:token>")
@public
@bp.input(ConfirmIn)
@bp.output(ConfirmResultOut)
@bp.doc(responses={404: "The link is not valid (altered)", 410: "The link was used, has expired, or is moot"})
def answer(token, json_data):
    """Confirm the work (the job closes) or dispute it (the job is reopened and counts as a repeat visit)."""
    signoff = signoffs.confirm_via_link(
        db.session,
        token,
        _serializer(),
        now(),
        json_data,
        current_app.config["SLA_POLICY"],
        answerer(),
        follow_up_policy=policy_from_config(current_app.config),
    )
    return {"status": signoff.work_order.status, "number": signoff.work_order.number}
