"""Customers: who the work is for and where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class Customer(db.Model):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(
            "lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)", name="ck_customers_location"
        ),
        CheckConstraint(
            "preferred_channel IS NULL OR preferred_channel IN ('sms', 'email')", name="ck_customers_preferred_channel"
        ),
        CheckConstraint("language IN ('zh-CN', 'en')", name="ck_customers_language"),
        Index("ix_customers_name", "name"),
        Index("ix_customers_phone", "phone"),
        Index("ix_customers_phone_key", "phone_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    # The number's digits (domain/directory.py: phone_key), how a caller is matched at intake.
    phone_key: Mapped[str | None] = mapped_column(String(15))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(500))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How they hear from us (domain/messages.py): `sms` or `email` (None while they have neither
    # contact), whether at all, and in which language.
    preferred_channel: Mapped[str | None] = mapped_column(String(5))
    notify: Mapped[bool] = mapped_column(default=True, server_default=true())
    language: Mapped[str] = mapped_column(String(5), default="zh-CN", server_default="zh-CN")
