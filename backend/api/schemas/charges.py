"""Schemas of charges: the price list, a job's charges, and its payment. Money: integer minor units."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Float, List, Nested
from apiflask.validators import Length, Range

from ...models import PAYMENT_KINDS, PAYMENT_METHODS
from .common import Integer, String, Timestamp, name_text, one_of, text
from .confirm import ConfirmOut

MONEY = {"description": "integer minor units of the currency (fen for CNY): 12345 is 123.45"}


def money(**kwargs) -> Integer:
    """An amount of money, never negative (a negative price or amount is 422)."""
    metadata = {**MONEY, **kwargs.pop("metadata", {})}
    return Integer(strict=True, validate=Range(min=0, error="must not be negative"), metadata=metadata, **kwargs)


class PriceListPartIn(Schema):
    sku = text(64, required=True)
    name = name_text(200, required=True)
    unit_price = money(required=True)


class PriceListIn(Schema):
    callout_fee = money(required=True, metadata={"description": "per visit on site"})
    labour_per_hour = money(required=True)
    labour_block_minutes = Integer(
        load_default=15,
        validate=Range(1, 60),
        metadata={"description": "labour is billed in started blocks of this many minutes (1-60, default 15)"},
    )
    charge_without_warranty = Boolean(
        load_default=True,
        metadata={
            "description": "charge jobs that recorded no warranty decision (out_of_warranty and unknown always are)"
        },
    )
    parts = List(
        Nested(PriceListPartIn),
        validate=Length(max=5000),
        metadata={"description": "the parts' prices by SKU; replaces the list (omit to keep it)"},
    )


class PriceListPartOut(Schema):
    sku = String()
    name = String()
    unit_price = Integer(metadata=MONEY)


class PriceListOut(Schema):
    configured = Boolean(metadata={"description": "false until an admin sets prices: nothing is charged before"})
    currency = String(metadata={"description": "ISO 4217 (CURRENCY)"})
    callout_fee = Integer(metadata=MONEY)
    labour_per_hour = Integer(metadata=MONEY)
    labour_block_minutes = Integer()
    charge_without_warranty = Boolean()
    parts = List(Nested(PriceListPartOut))
    updated_at = Timestamp(allow_none=True)


class ChargeLineOut(Schema):
    kind = String(metadata={"description": "callout, labour or part"})
    sku = String(allow_none=True)
    description = String()
    quantity = Float(metadata={"description": "visits, minutes (labour, billed) or parts"})
    unit = String(metadata={"description": "visit, minute or each"})
    unit_price = Integer(metadata={"description": "per visit, per hour (labour) or per part; minor units"})
    amount = Integer(metadata=MONEY)


class PaymentOut(Schema):
    id = Integer()
    kind = String(metadata={"description": "paid_on_site or invoiced"})
    method = String(allow_none=True)
    amount = Integer(metadata=MONEY)
    currency = String()
    reference = String(allow_none=True)
    occurred_at = Timestamp()
    recorded_at = Timestamp()


class ChargesOut(Schema):
    work_order_id = Integer()
    chargeable = Boolean()
    reason = String(
        metadata={
            "description": "why chargeable or not: out_of_warranty, unknown, no_warranty (the price list's "
            "choice), in_warranty, under_contract, no_price_list"
        }
    )
    warranty = String(allow_none=True)
    state = String(metadata={"description": "estimate (from the logs as they are) or final (frozen at completion)"})
    currency = String()
    lines = List(Nested(ChargeLineOut))
    total = Integer(metadata=MONEY)
    unpriced_skus = List(String(), metadata={"description": "parts logged without a price (charged 0)"})
    frozen_at = Timestamp(allow_none=True)
    payment = Nested(PaymentOut, allow_none=True)
    balance = Integer(metadata={"description": "total minus the amount paid on site (0 once paid in full)"})


class PaymentIn(Schema):
    kind = String(required=True, validate=one_of(PAYMENT_KINDS))
    method = String(
        allow_none=True, validate=one_of(PAYMENT_METHODS), metadata={"description": "required when paid_on_site"}
    )
    amount = money(allow_none=True, metadata={"description": "required when paid_on_site; invoiced: default the total"})
    reference = text(100, allow_none=True, metadata={"description": "the invoice or transaction number"})
    occurred_at = Timestamp(allow_none=True)


class CustomerChargesOut(Schema):
    """What the customer sees of the charges on the confirmation page."""

    chargeable = Boolean()
    currency = String()
    lines = List(Nested(ChargeLineOut))
    total = Integer(metadata=MONEY)


class ConfirmPageOut(ConfirmOut):
    charges = Nested(CustomerChargesOut, allow_none=True, metadata={"description": "null when nothing is charged"})
