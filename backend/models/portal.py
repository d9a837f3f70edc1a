"""The customer portal: one-time sign-in codes and customer sessions, kept apart from staff sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime
from .customers import Customer


class PortalCode(db.Model):
    """A six-digit code sent to a phone or an email. Only an HMAC of the code is kept (a copy of the
    table tells nobody the code); it is dead once used, expired, superseded or tried five times."""

    __tablename__ = "portal_codes"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="ck_portal_codes_attempts"),
        Index("ix_portal_codes_contact", "contact", "created_at"),
        Index("ix_portal_codes_address", "address", "created_at"),
        Index("ix_portal_codes_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "phone:<phone_key>" or "email:<normalised address>": one contact however it was typed.
    contact: Mapped[str] = mapped_column(String(270))
    code_hash: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))  # the requesting client's address (rate limit)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerSession(db.Model):
    """A customer signed in on one device with a code. Like staff sessions the row is keyed by the
    SHA-256 of the cookie's token, but the cookie, the table and the CSRF token are its own: a
    customer session opens nothing of the staff API. `customer_id` is empty for a contact that is
    not a customer yet, until their first request creates one."""

    __tablename__ = "customer_sessions"
    __table_args__ = (Index("ix_customer_sessions_customer", "customer_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact: Mapped[str] = mapped_column(String(270))
    phone: Mapped[str | None] = mapped_column(String(40))  # as typed, for a new customer's record
    email: Mapped[str | None] = mapped_column(String(254))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str | None] = mapped_column(String(64))

    customer: Mapped[Customer | None] = relationship()
