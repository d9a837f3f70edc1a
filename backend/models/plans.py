"""Day plans: a solver's proposal of routes for one day, kept until a dispatcher applies it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class Plan(db.Model):
    """One proposal. `body` holds the routes, the unplanned jobs and, per planned job, the version
    it had when planned (apply skips a job whose version moved since). `applied_at` is set once:
    a plan is applied at most once; what apply did (assigned, skipped) is added to `body`."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_date", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[dict] = mapped_column(JSON)
