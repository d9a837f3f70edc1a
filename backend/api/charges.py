"""Charges: the price list (admins set it), a job's charges, and its payment."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app

from ..domain import charges as pricing
from ..domain.payments import record_payment
from ..extensions import db
from ..models import Payment, WorkOrder
from .common import actor, get_work_order, now
from .offline import offline_since
from .schemas.charges import ChargesOut, PaymentIn, PriceListIn, PriceListOut
from .security import ANY_ROLE, roles_required

bp = APIBlueprint("charges", __name__, url_prefix="/api/v1", tag="Charges")


def price_list_dict() -> dict:
    prices = pricing.price_list(db.session)
    parts = [{"sku": p.sku, "name": p.name, "unit_price": p.unit_price} for p in pricing.list_parts(db.session)]
    if prices is None:
        return {
            "configured": False,
            "currency": current_app.config["CURRENCY"],
            "callout_fee": 0,
            "labour_per_hour": 0,
            "labour_block_minutes": pricing.DEFAULT_BLOCK_MINUTES,
            "charge_without_warranty": True,
            "parts": parts,
            "updated_at": None,
        }
    return {
        "configured": True,
        "currency": prices.currency,
        "callout_fee": prices.callout_fee,
        "labour_per_hour": prices.labour_per_hour,
        "labour_block_minutes": prices.labour_block_minutes,
        "charge_without_warranty": prices.charge_without_warranty,
        "parts": parts,
        "updated_at": prices.updated_at,
    }


def payment_dict(payment: Payment | None) -> dict | None:
    if payment is None:
        return None
    return {
        "id": payment.id,
        "kind": payment.kind,
        "method": payment.method,
        "amount": payment.amount,
        "currency": payment.currency,
        "reference": payment.reference,
        "occurred_at": payment.occurred_at,
        "recorded_at": payment.recorded_at,
    }


def charges_dict(wo: WorkOrder) -> dict:
    charges = pricing.charges_for(db.session, wo)
    payment = pricing.payment_of(db.session, wo)
    paid = payment.amount if payment is not None and payment.kind == "paid_on_site" else 0
    return {
        "work_order_id": wo.id,
        "chargeable": charges.chargeable,
        "reason": charges.reason,
        "warranty": charges.warranty,
        "state": "final" if charges.frozen_at is not None else "estimate",
        "currency": charges.currency or current_app.config["CURRENCY"],
        "lines": charges.lines,
        "total": charges.total,
        "unpriced_skus": list(charges.unpriced),
        "frozen_at": charges.frozen_at,
        "payment": payment_dict(payment),
        "balance": max(charges.total - paid, 0) if payment is None or payment.kind == "paid_on_site" else 0,
    }


@bp.get("/price-list")
@roles_required(*ANY_ROLE)
@bp.output(PriceListOut)
def get_price_list():
    """The price list: call-out fee, labour per hour and its billing block, the parts' prices.
    Technicians read it to estimate charges offline."""
    return price_list_dict()


@bp.put("/price-list")
@roles_required("admin")
@bp.input(PriceListIn)
@bp.output(PriceListOut)
def put_price_list(json_data):
    """Set the price list (admins). Prices in minor units of CURRENCY; a negative one is 422. It
    prices what is completed from now on: charges already frozen at completion keep their prices."""
    pricing.update_price_list(db.session, json_data, actor().user_id, now(), current_app.config["CURRENCY"])
    return price_list_dict()


@bp.get("/work-orders/<int:work_order_id>/charges")
@roles_required(*ANY_ROLE)
@bp.output(ChargesOut)
def get_charges(work_order_id):
    """What the customer pays for this job: nothing in warranty or under contract; otherwise the
    call-out fee (when someone came), labour for the time logged (in started blocks) and the parts
    logged at their prices. An estimate while the job is open, final once completed (frozen then:
    the customer signs for these charges); with the payment, when recorded."""
    return charges_dict(get_work_order(work_order_id))


@bp.post("/work-orders/<int:work_order_id>/payment")
@roles_required(*ANY_ROLE)
@bp.input(PaymentIn)
@bp.output(ChargesOut, status_code=201)
@bp.doc(responses={409: "Not completed yet, not chargeable, or a payment is already recorded"})
def post_payment(work_order_id, json_data):
    """Record the payment of a completed chargeable job (its technician, a dispatcher or an admin):
    `paid_on_site` with `method` and `amount`, or `invoiced` (amount default the total, `reference`
    the invoice number). Once per job; the job's timeline gets a `payment_recorded` event."""
    wo = get_work_order(work_order_id, lock=True)
    occurred_at = json_data.pop("occurred_at", None)
    record_payment(db.session, wo, actor(), now(), json_data, occurred_at, offline_since())
    return charges_dict(wo)
