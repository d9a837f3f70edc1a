"""Follow-up calls (回访): a call back to the customer after a job closes (or is disputed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .work_orders import WorkOrder

FOLLOW_UP_REASONS = ("complaint", "low_rating", "dispute", "sample")


class FollowUp(db.Model):
    """One call per job: `outcome` (reached, satisfaction 1-5, comment, reopened) once it is done."""

    __tablename__ = "follow_ups"
    # The queue reads open calls by due time, and done calls by when they were done.
    __table_args__ = (
        Index("ix_follow_ups_done_due", "done_at", "due_at"),
        Index("ix_follow_ups_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[dict | None] = mapped_column(JSON)

    work_order: Mapped[WorkOrder] = relationship()
