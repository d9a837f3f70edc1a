"""Quality sampling (质检): a month's sample and its reviews' scores."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Dict, Nested
from apiflask.validators import Range, Regexp

from ...domain.quality import PERIOD
from ...models import QualityReview
from ...models.quality import QUALITY_ITEMS
from .common import Integer, String, Timestamp, text
from .lists import PageQuery, page_of
from .technicians import TechnicianBrief

PERIOD_FIELD = {"validate": Regexp(PERIOD, error="must be a month as YYYY-MM"), "metadata": {"example": "2026-11"}}


class SampleIn(Schema):
    period = String(required=True, **PERIOD_FIELD)
    per_technician = Integer(required=True, validate=Range(min=1, max=200))


class ReviewQuery(PageQuery):
    period = String(**PERIOD_FIELD)
    technician_id = Integer()


class ScoreIn(Schema):
    items = Dict(
        keys=String(),
        required=True,
        metadata={"description": "checklist item → true or false: " + ", ".join(QUALITY_ITEMS)},
    )
    notes = text(5000, allow_none=True)


class WorkOrderRef(Schema):
    id = Integer()
    number = String()
    title = String()


class ReviewOut(Schema):
    id = Integer()
    period = String()
    technician = Nested(TechnicianBrief)
    work_order = Nested(WorkOrderRef)
    items = Dict(metadata={"description": "item → true, false, or null (not answered yet)"})
    score = Integer(allow_none=True, metadata={"description": "0-100: percent of the items answered yes"})
    notes = String(allow_none=True)
    reviewed_at = Timestamp(allow_none=True)
    reviewed_by_id = Integer(allow_none=True)


ReviewList = page_of(ReviewOut, "ReviewList")


def review_dict(review: QualityReview) -> dict:
    wo = review.work_order
    return {
        "id": review.id,
        "period": review.period,
        "technician": {"id": review.technician_id, "name": review.technician.user.name},
        "work_order": {"id": wo.id, "number": wo.number, "title": wo.title},
        "items": {item: review.items.get(item) for item in QUALITY_ITEMS},
        "score": review.score,
        "notes": review.notes,
        "reviewed_at": review.reviewed_at,
        "reviewed_by_id": review.reviewed_by_id,
    }
