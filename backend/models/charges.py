"""Charges: the price list, what a chargeable job costs (frozen at completion), and its payment.

Money is in integer minor units (fen for CNY) beside a currency code, never a float.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .work_orders import WorkOrder

PAYMENT_KINDS = ("paid_on_site", "invoiced")
PAYMENT_METHODS = ("cash", "wechat_pay", "alipay", "card", "bank_transfer", "other")
# The one price list's row id: the company has one price list (a single-row table).
PRICE_LIST_ID = 1


class PriceList(db.Model):
    """The company's prices: a call-out fee per visit, labour per hour (billed in started blocks of
    `labour_block_minutes`), and whether jobs without a warranty decision are charged."""

    __tablename__ = "price_list"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_price_list_single"),
        CheckConstraint("callout_fee >= 0 AND labour_per_hour >= 0", name="ck_price_list_amounts"),
        CheckConstraint("labour_block_minutes BETWEEN 1 AND 60", name="ck_price_list_block"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3))
    callout_fee: Mapped[int]
    labour_per_hour: Mapped[int]
    labour_block_minutes: Mapped[int]
    charge_without_warranty: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PriceListPart(db.Model):
    """A part's price by SKU, used until (and where) the parts catalogue has no price for it."""

    __tablename__ = "price_list_parts"
    __table_args__ = (CheckConstraint("unit_price >= 0", name="ck_price_list_parts_price"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[int]


class ChargeSheet(db.Model):
    """A chargeable job's charges as they stood at its completion (the customer signs for these):
    `lines` [{kind, sku, description, quantity, unit, unit_price, amount}], their `total`."""

    __tablename__ = "charge_sheets"
    __table_args__ = (CheckConstraint("total >= 0", name="ck_charge_sheets_total"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), unique=True)
    warranty: Mapped[str | None] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list] = mapped_column(JSON)
    total: Mapped[int]
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    work_order: Mapped[WorkOrder] = relationship()


class Payment(db.Model):
    """How the customer paid a job's charges: on site (method, amount) or invoiced later. One per job."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("kind IN ('paid_on_site', 'invoiced')", name="ck_payments_kind"),
        CheckConstraint(
            "method IS NULL OR method IN ('cash', 'wechat_pay', 'alipay', 'card', 'bank_transfer', 'other')",
            name="ck_payments_method",
        ),
        CheckConstraint("amount >= 0", name="ck_payments_amount"),
        Index("ix_payments_recorded_at", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    method: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    work_order: Mapped[WorkOrder] = relationship()
