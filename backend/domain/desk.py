"""What the dispatcher's board counts beside its columns: complaints still open, and follow-up calls
waiting (due, overdue), so that neither waits unseen behind the day's repairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import WorkOrder
from .follow_ups import queue_query

# A complaint is open until it is completed (its root cause, corrective action and the customer's
# contact are recorded then) or cancelled.
COMPLAINT_OPEN = ("new", "assigned", "accepted", "en_route", "on_site", "on_hold")


def _count(session: Session, query) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def board_counts(session: Session, now: datetime) -> dict[str, int]:
    """`complaints_open`, `complaints_late` (open past their resolve-by time: the 48 h loop missed),
    `follow_ups_due` and `follow_ups_overdue` (the follow-up queue's own statuses)."""
    late = func.coalesce(func.sum(case((WorkOrder.resolve_due_at < now, 1), else_=0)), 0)
    complaints_open, complaints_late = session.execute(
        select(func.count(), late).where(WorkOrder.type == "complaint", WorkOrder.status.in_(COMPLAINT_OPEN))
    ).one()
    return {
        "complaints_open": complaints_open,
        "complaints_late": complaints_late,
        "follow_ups_due": _count(session, queue_query("due", now, None, None)),
        "follow_ups_overdue": _count(session, queue_query("overdue", now, None, None)),
    }
