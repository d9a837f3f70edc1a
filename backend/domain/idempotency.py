"""How long the answers remembered per Idempotency-Key are kept (the API layer replays them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import IdempotencyRecord


def purge_idempotency_records(session: Session, at: datetime, keep_days: int) -> int:
    """Forget keys older than `keep_days` (the contract keeps them at least 7 days)."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < at - timedelta(days=keep_days))
    )
    return result.rowcount
