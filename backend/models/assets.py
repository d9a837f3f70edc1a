"""Equipment: the customer's machines (assets) by model and serial, with their warranty dates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .customers import Customer


class Asset(db.Model):
    """One machine at a customer's. A serial is unique per model (the same serial may recur across
    makers' models, never within one). Dates are calendar days in the company's time zone."""

    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("model", "serial", name="uq_assets_model_serial"),
        CheckConstraint(
            "lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)", name="ck_assets_location"
        ),
        Index("ix_assets_customer", "customer_id"),
        Index("ix_assets_serial", "serial"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    model: Mapped[str] = mapped_column(String(100))
    serial: Mapped[str] = mapped_column(String(100))
    installed_at: Mapped[date | None] = mapped_column(Date)
    purchased_at: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)  # the maker's warranty (三包), last day included
    contract_until: Mapped[date | None] = mapped_column(Date)  # an extended-warranty contract (延保), last day included
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    place: Mapped[str | None] = mapped_column(String(200))  # where on the premises ("roof, unit 3")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
