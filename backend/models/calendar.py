"""Company days: holidays and working days an admin adds to the public calendar (they override it)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

COMPANY_DAY_KINDS = ("holiday", "working_day")


class CompanyDay(db.Model):
    """One date the company treats differently from China's public calendar: a `holiday` (e.g. the
    company's anniversary) or a `working_day` (e.g. a make-up day the package does not know)."""

    __tablename__ = "company_days"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'working_day')", name="ck_company_days_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
