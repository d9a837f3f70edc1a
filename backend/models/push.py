"""Technicians' Web Push subscriptions: where a phone's browser asked to be woken for a new job or a
job taken away (domain/push.py). The in-app notifications stay the source of truth: many phones
cannot reach their browser's push service, and a push may be lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class PushSubscription(db.Model):
    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The push service's URL for this browser (unique: a browser re-subscribing replaces its row).
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))  # the browser's public key (base64url)
    auth: Mapped[str] = mapped_column(String(100))  # the shared authentication secret (base64url)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
