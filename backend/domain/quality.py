"""Quality sampling (质检): each month a repeatable random sample of every technician's closed jobs,
reviewed on a checklist. What the data answers is filled in when the job is sampled; the reviewer
answers the rest, and the score is the share of the checklist answered yes."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Attachment, Log, LogPart, QualityReview, Signoff, WorkOrder
from ..models.quality import QUALITY_ITEMS
from .actors import Actor
from .errors import Conflict, NotFound, ValidationFailed

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR, LAST_YEAR = 1970, 9998


def month_bounds(period: str, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of the month "YYYY-MM" in the company's time zone."""
    match = PERIOD.match(period or "")
    if match is None:
        raise ValidationFailed({"period": ["must be a month as YYYY-MM"]})
    year, month = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:  # "0000-01" or "9999-12" would leave the calendar
        raise ValidationFailed({"period": [f"must be a month between {FIRST_YEAR} and {LAST_YEAR}"]})
    zone = ZoneInfo(timezone)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, end


def closed_jobs_by_technician(session: Session, start: datetime, end: datetime) -> dict[int, list[int]]:
    """Technician id → ids of their jobs closed in [start, end), in id order."""
    rows = session.execute(
        select(WorkOrder.technician_id, WorkOrder.id)
        .where(
            WorkOrder.status == "closed",
            WorkOrder.closed_at >= start,
            WorkOrder.closed_at < end,
            WorkOrder.technician_id.is_not(None),
        )
        .order_by(WorkOrder.id)
    )
    jobs = defaultdict(list)
    for technician_id, work_order_id in rows:
        jobs[technician_id].append(work_order_id)
    return jobs


def pick(period: str, technician_id: int, job_ids: list[int], per_technician: int) -> list[int]:
    """A random sample seeded from the period and technician: the same month picks the same jobs."""
    chooser = random.Random(f"quality:{period}:{technician_id}")
    return sorted(chooser.sample(job_ids, min(per_technician, len(job_ids))))


def data_answers(session: Session, wo: WorkOrder) -> dict[str, bool]:
    """The checklist items the job's record answers."""
    response_due = wo.first_response_due_at or wo.response_due_at
    resolve_due = wo.first_resolve_due_at or wo.resolve_due_at
    # The technician's photo: the customer's own (sent with a portal request) documents no work.
    technicians_photo = (Attachment.work_order_id == wo.id) & Attachment.uploaded_by_customer_id.is_(None)
    has_photo = session.scalar(select(exists().where(technicians_photo)))
    has_parts = session.scalar(select(exists().where(LogPart.log_id == Log.id, Log.work_order_id == wo.id)))
    # Signed by the customer: an accepted answer not flagged as given by staff (signoff.py's flags).
    signoffs = session.scalars(select(Signoff).where(Signoff.work_order_id == wo.id, Signoff.accepted.is_(True)))
    return {
        "photo_attached": bool(has_photo),
        "parts_recorded": bool(has_parts),
        "signed_by_customer": any(not s.flags for s in signoffs),
        "response_on_time": wo.arrived_at is not None and wo.arrived_at <= response_due,
        "resolved_on_time": wo.completed_at is not None and wo.completed_at <= resolve_due,
    }


def new_items(session: Session, wo: WorkOrder) -> dict[str, bool | None]:
    answered = data_answers(session, wo)
    return {item: answered.get(item) for item in QUALITY_ITEMS}


def draw_sample(
    session: Session, period: str, per_technician: int, timezone: str, now: datetime
) -> list[QualityReview]:
    """Sample `per_technician` of each technician's jobs closed in `period`; returns the reviews
    created. Jobs already reviewed in the period are not added again (the unique key holds even
    when two samples run at once: the later one is refused with 409)."""
    start, end = month_bounds(period, timezone)
    reviewed = set(session.scalars(select(QualityReview.work_order_id).where(QualityReview.period == period)))
    created = []
    for technician_id, job_ids in sorted(closed_jobs_by_technician(session, start, end).items()):
        for work_order_id in pick(period, technician_id, job_ids, per_technician):
            if work_order_id in reviewed:
                continue
            wo = session.get(WorkOrder, work_order_id)
            review = QualityReview(
                period=period,
                technician_id=technician_id,
                work_order_id=work_order_id,
                items=new_items(session, wo),
                created_at=now,
            )
            session.add(review)
            created.append(review)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"The sample of {period} was being drawn at the same time; reload it.") from None
    return created


def score_of(items: dict) -> int:
    """Percent of the checklist answered yes."""
    return round(100 * sum(1 for item in QUALITY_ITEMS if items.get(item) is True) / len(QUALITY_ITEMS))


def _checked_items(answers: dict) -> dict:
    unknown = sorted(set(answers) - set(QUALITY_ITEMS))
    if unknown:
        raise ValidationFailed({"items": [f"unknown item: {name}" for name in unknown]})
    wrong = sorted(name for name, value in answers.items() if not isinstance(value, bool))
    if wrong:
        raise ValidationFailed({"items": [f"{name}: must be true or false" for name in wrong]})
    return answers


def score_review(session: Session, review_id: int, actor: Actor, now: datetime, data: dict) -> QualityReview:
    """The reviewer's answers (any item, the prefilled ones too) and notes; once every item is
    answered the review gets its score (422 naming the items still open)."""
    review = session.get(QualityReview, review_id)
    if review is None:
        raise NotFound(f"Quality review {review_id} not found.")
    items = {**review.items, **_checked_items(data["items"])}
    still_open = [item for item in QUALITY_ITEMS if items.get(item) is None]
    if still_open:
        raise ValidationFailed({"items": [f"{name}: not answered" for name in still_open]})
    review.items = items
    if "notes" in data:
        review.notes = (data.get("notes") or "").strip() or None
    review.score = score_of(items)
    review.reviewed_by_id = actor.user_id
    review.reviewed_at = now
    return review
