"""The account audit: who changed whose login (a password set for someone else, an email, a role,
an account disabled). Rows are only ever added; the admin's user screen reads them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of

AUDIT_ACTIONS = ("password_reset", "password_changed", "email_changed", "role_changed", "deactivated", "reactivated")


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        CheckConstraint(one_of("action", AUDIT_ACTIONS), name="ck_audit_entries_action"),
        Index("ix_audit_entries_target", "target_user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
