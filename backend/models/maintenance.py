"""Preventive maintenance (保养): plans with a recurrence rule, and the occurrences made into jobs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .assets import Asset
from .base import UTCDateTime
from .work_orders import WorkOrder


class MaintenancePlan(db.Model):
    """An RFC 5545 rule (`rrule`, from `starts_on`) for one asset. `next_occurs_on` is the first
    occurrence not made into a job yet (null: none left); the scheduler reads only plans whose
    next occurrence is within `lead_days`, by the index on (active, next_create_on)."""

    __tablename__ = "maintenance_plans"
    __table_args__ = (
        CheckConstraint("lead_days BETWEEN 0 AND 365", name="ck_maintenance_plans_lead_days"),
        Index("ix_maintenance_plans_due", "active", "next_create_on"),
        Index("ix_maintenance_plans_asset", "asset_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    rrule: Mapped[str] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(Date)
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    lead_days: Mapped[int] = mapped_column(default=7)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    next_occurs_on: Mapped[date | None] = mapped_column(Date)
    next_create_on: Mapped[date | None] = mapped_column(Date)  # next_occurs_on - lead_days
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    asset: Mapped[Asset] = relationship()
    occurrences: Mapped[list[MaintenanceOccurrence]] = relationship(
        back_populates="plan", order_by="MaintenanceOccurrence.occurs_on"
    )


class MaintenanceOccurrence(db.Model):
    """One occurrence made into a work order. UNIQUE (plan_id, occurs_on): however many schedulers
    run, the second insert of an occurrence fails in the database, so it gets one job."""

    __tablename__ = "maintenance_occurrences"
    __table_args__ = (UniqueConstraint("plan_id", "occurs_on", name="uq_maintenance_occurrences_plan_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maintenance_plans.id", ondelete="CASCADE"))
    occurs_on: Mapped[date] = mapped_column(Date)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    plan: Mapped[MaintenancePlan] = relationship(back_populates="occurrences")
    work_order: Mapped[WorkOrder | None] = relationship()
