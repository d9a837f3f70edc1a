"""Quality sampling (质检): a monthly sample of each technician's closed jobs, reviewed on a checklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .technicians import Technician
from .work_orders import WorkOrder

# The checklist: items the data answers (filled in when sampled), then those the reviewer answers.
DATA_ITEMS = ("photo_attached", "parts_recorded", "signed_by_customer", "response_on_time", "resolved_on_time")
REVIEWER_ITEMS = ("explained_to_customer", "site_left_clean", "correct_diagnosis")
QUALITY_ITEMS = DATA_ITEMS + REVIEWER_ITEMS


class QualityReview(db.Model):
    """One sampled job of one period ("YYYY-MM"); `items` maps each checklist item to true, false or
    null (not answered yet); `score` (0-100) once the reviewer has answered every item."""

    __tablename__ = "quality_reviews"
    # One review of a job per period: a second sample of the period adds none, whatever the timing.
    __table_args__ = (
        UniqueConstraint("period", "work_order_id", name="uq_quality_reviews_period_work_order"),
        Index("ix_quality_reviews_period_technician", "period", "technician_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    items: Mapped[dict] = mapped_column(JSON)
    score: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    technician: Mapped[Technician] = relationship()
    work_order: Mapped[WorkOrder] = relationship()
