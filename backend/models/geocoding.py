"""Geocoder answers kept for a while, shared by every app server (a table, not process memory)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class GeocodeCacheEntry(db.Model):
    """The suggestions one geocoder gave for one query. `key` is a digest of the geocoder's name,
    its URL and the normalised query, so a change of geocoder never serves another's answers."""

    __tablename__ = "geocode_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    query: Mapped[str] = mapped_column(String(300))
    results: Mapped[list] = mapped_column(JSON, default=list)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
