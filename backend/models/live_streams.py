"""Live-update streams open now, one row each: a user's streams counted in the database, so that
the cap per user holds across gunicorn workers and app hosts (a process-local count would not)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class LiveStream(db.Model):
    """An open `GET /api/v1/events/stream`. Opening one beyond the user's cap deletes their oldest
    rows; a stream whose row is gone tells its browser so and ends. `expires_at` lets a stream
    whose worker died without removing its row stop counting."""

    __tablename__ = "live_streams"
    __table_args__ = (Index("ix_live_streams_user_id", "user_id"), Index("ix_live_streams_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
