"""Exports running now, one row per slot taken: a user's concurrent exports counted in the database,
so that the limit holds across gunicorn workers and app hosts (a process-local counter would not)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class ExportSlot(db.Model):
    """Slot `slot` (0 .. EXPORTS_PER_USER - 1) of a user, held while one of their exports streams.

    The primary key makes taking a slot race-free: two workers inserting the same slot at once,
    one fails. `expires_at` frees the slot of an export whose worker died before releasing it."""

    __tablename__ = "export_slots"
    __table_args__ = (
        CheckConstraint("slot >= 0", name="ck_export_slots_slot"),
        Index("ix_export_slots_expires_at", "expires_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
