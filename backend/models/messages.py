"""The outbox: messages to customers (and contacts without a customer record), written in the
same transaction as the change they announce and delivered after commit by the sender
(domain/messages.py). One row per message; its status says where delivery stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of

MESSAGE_CHANNELS = ("email", "sms", "log")
# queued: waiting for its (next) attempt; sending: claimed by a sender, in flight until `locked_until`;
# sent: the provider took it; failed: the sender gave up after its last attempt.
MESSAGE_STATUSES = ("queued", "sending", "sent", "failed")
LANGUAGES = ("zh-CN", "en")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(one_of("channel", MESSAGE_CHANNELS), name="ck_messages_channel"),
        CheckConstraint(one_of("status", MESSAGE_STATUSES), name="ck_messages_status"),
        CheckConstraint(one_of("language", LANGUAGES), name="ck_messages_language"),
        # The sender's claim reads due rows by status and time.
        Index("ix_messages_due", "status", "next_attempt_at"),
        Index("ix_messages_work_order", "work_order_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the message is about (optional: a portal code has no work order, perhaps no customer).
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    # Unique: the same change never queues the same message twice (a retried request, a replay).
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # While `sending`: the claim's lease. A sender that died mid-send leaves the row to be taken
    # again after this time (docs/RELIABILITY.md: what that guarantees).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
