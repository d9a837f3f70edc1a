"""Technician profiles: skills, where they live, where they were last seen, their load limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .users import User


class Technician(db.Model):
    __tablename__ = "technicians"
    __table_args__ = (
        CheckConstraint("home_lat BETWEEN -90 AND 90 AND home_lon BETWEEN -180 AND 180", name="ck_technicians_home"),
        CheckConstraint(
            "last_lat IS NULL OR (last_lat BETWEEN -90 AND 90 AND last_lon BETWEEN -180 AND 180)",
            name="ck_technicians_last_location",
        ),
        CheckConstraint("max_open_jobs > 0", name="ck_technicians_max_open_jobs"),
        Index("ix_technicians_home", "home_lat", "home_lon"),
        Index("ix_technicians_last", "last_lat", "last_lon"),
        Index("ix_technicians_on_shift", "on_shift"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    home_lat: Mapped[float]
    home_lon: Mapped[float]
    last_lat: Mapped[float | None]
    last_lon: Mapped[float | None]
    last_accuracy_m: Mapped[float | None]
    last_location_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_shift: Mapped[bool] = mapped_column(default=False)
    max_open_jobs: Mapped[int] = mapped_column(default=6)
    # Working hours per weekday in the company's time zone: {"mon": ["08:00", "17:00"], ...}; a day
    # left out is a day off. None: no hours set, available whenever on shift (domain/calendar.py).
    hours: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="technician", lazy="joined")

    @property
    def name(self) -> str:
        return self.user.name
