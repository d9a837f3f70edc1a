"""Spare parts: the catalogue, where stock is kept (warehouses, technicians' vans), the append-only
ledger of every movement, its cached balances, and requests to move stock (requisitions, returns).

Quantities are stored in thousandths of the part's unit (`*_milli`, integers): a log may use 0.5 m
of pipe, and integer sums are exact on both databases, where floats would drift."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, one_of

LOCATION_KINDS = ("warehouse", "van")
# receipt: into a warehouse from a supplier. requisition_out/_in: warehouse → van (领料).
# return_out/_in: van → warehouse (退料). old_part_return: a faulty part taken out of a customer's
# machine, handed in at a warehouse (旧件返还), kept apart from sellable stock (`faulty`).
# consumption: used on a job (a part log). adjustment: a correction after a count (signed).
MOVEMENT_KINDS = (
    "receipt",
    "requisition_out",
    "requisition_in",
    "return_out",
    "return_in",
    "old_part_return",
    "consumption",
    "adjustment",
)
MOVEMENT_FLAGS = ("negative", "unlisted_part")
REQUEST_KINDS = ("requisition", "return")
REQUEST_STATUSES = ("requested", "approved", "issued", "received", "rejected", "cancelled")


class Part(db.Model):
    """A catalogue entry. `price` in minor units (fen, cents) of `currency`. A part logged on a job
    under a sku nobody listed is added `unlisted` and inactive, so its consumption is still counted."""

    __tablename__ = "parts"
    __table_args__ = (
        CheckConstraint("price >= 0", name="ck_parts_price"),
        CheckConstraint("min_stock_milli >= 0", name="ck_parts_min_stock"),
        CheckConstraint("length(currency) = 3", name="ck_parts_currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    price: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    min_stock_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    unlisted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PartChange(db.Model):
    """The catalogue's trail: who created or changed a part, and each field's old and new value
    (a price the charges read, above all). Rows are only ever added."""

    __tablename__ = "part_changes"
    __table_args__ = (
        CheckConstraint("action IN ('created', 'updated')", name="ck_part_changes_action"),
        Index("ix_part_changes_part", "part_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(10))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # field: [old, new]


class StockLocation(db.Model):
    """A warehouse, or one technician's van (exactly one per technician)."""

    __tablename__ = "stock_locations"
    __table_args__ = (
        CheckConstraint(one_of("kind", LOCATION_KINDS), name="ck_stock_locations_kind"),
        CheckConstraint(
            "(kind = 'van' AND technician_id IS NOT NULL) OR (kind = 'warehouse' AND technician_id IS NULL)",
            name="ck_stock_locations_van_technician",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id", ondelete="RESTRICT"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StockMovement(db.Model):
    """One row of the ledger. Rows are only ever inserted: no endpoint updates or deletes them, and a
    correction is a new movement (`adjustment`). Balances are the sums of these rows."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(one_of("kind", MOVEMENT_KINDS), name="ck_stock_movements_kind"),
        CheckConstraint("qty_milli <> 0", name="ck_stock_movements_qty"),
        Index("ix_stock_movements_part_location", "part_id", "location_id", "id"),
        Index("ix_stock_movements_location", "location_id", "id"),
        Index("ix_stock_movements_work_order", "work_order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="RESTRICT"))
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id", ondelete="RESTRICT"))
    qty_milli: Mapped[int] = mapped_column(BigInteger)  # signed: + into the location, - out of it
    faulty: Mapped[bool] = mapped_column(default=False)  # old parts, not sellable stock
    kind: Mapped[str] = mapped_column(String(20))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="RESTRICT"))
    log_id: Mapped[int | None] = mapped_column(ForeignKey("logs.id", ondelete="RESTRICT"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("stock_requests.id", ondelete="RESTRICT"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the time of the deed
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    balance_after_milli: Mapped[int] = mapped_column(BigInteger)  # of the location's same stock, after this row
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)

    part: Mapped[Part] = relationship(lazy="joined")
    location: Mapped[StockLocation] = relationship(lazy="joined")


class StockBalance(db.Model):
    """The ledger's sum per part and location, updated in the movement's transaction: a cache for
    reading (the ledger stays the truth; `domain.parts.ledger_sums` recomputes it)."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        UniqueConstraint("part_id", "location_id", name="uq_stock_balances_part_location"),
        Index("ix_stock_balances_location", "location_id", "part_id"),  # one location's stock
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="RESTRICT"))
    location_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id", ondelete="RESTRICT"))
    qty_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    faulty_milli: Mapped[int] = mapped_column(BigInteger, default=0)

    part: Mapped[Part] = relationship(lazy="joined")
    location: Mapped[StockLocation] = relationship(lazy="joined")


class StockRequest(db.Model):
    """A technician's requisition (warehouse → van: requested, approved, issued) or return (van →
    warehouse: requested, received); rejected or cancelled before stock moves. Stock moves once,
    when it is issued or received."""

    __tablename__ = "stock_requests"
    __table_args__ = (
        CheckConstraint(one_of("kind", REQUEST_KINDS), name="ck_stock_requests_kind"),
        CheckConstraint(one_of("status", REQUEST_STATUSES), name="ck_stock_requests_status"),
        Index("ix_stock_requests_status", "status", "id"),
        Index("ix_stock_requests_van", "van_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    van_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id", ondelete="RESTRICT"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("stock_locations.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    van: Mapped[StockLocation] = relationship(foreign_keys=[van_id], lazy="joined")
    warehouse: Mapped[StockLocation] = relationship(foreign_keys=[warehouse_id], lazy="joined")
    lines: Mapped[list[StockRequestLine]] = relationship(
        back_populates="request", order_by="StockRequestLine.id", cascade="all, delete-orphan", lazy="selectin"
    )


class StockRequestLine(db.Model):
    __tablename__ = "stock_request_lines"
    __table_args__ = (
        CheckConstraint("qty_milli > 0", name="ck_stock_request_lines_qty"),
        Index("ix_stock_request_lines_request", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("stock_requests.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id", ondelete="RESTRICT"))
    qty_milli: Mapped[int] = mapped_column(BigInteger)
    faulty: Mapped[bool] = mapped_column(default=False)  # a return of old parts (旧件返还)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="RESTRICT"))

    request: Mapped[StockRequest] = relationship(back_populates="lines")
    part: Mapped[Part] = relationship(lazy="joined")
