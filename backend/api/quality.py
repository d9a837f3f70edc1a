"""Quality sampling (质检): draw a month's sample, list it, score a review."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, List, Nested
from apiflask.validators import Range, Regexp
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain.quality import PERIOD, draw_sample, score_review
from ..extensions import db
from ..models import QualityReview, Technician
from ..models.quality import QUALITY_ITEMS
from .common import actor, now, paginate
from .schemas.common import Integer, String, Timestamp, text
from .schemas.lists import PageQuery
from .schemas.technicians import TechnicianBrief
from .security import STAFF, roles_required

bp = APIBlueprint("quality", __name__, url_prefix="/api/v1/quality-reviews", tag="Quality sampling")
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


class ReviewList(Schema):
    items = List(Nested(ReviewOut))
    page = Integer()
    per_page = Integer()
    total = Integer()


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


def _page_of_all(reviews) -> dict:
    items = [review_dict(r) for r in reviews]
    return {"items": items, "page": 1, "per_page": max(len(items), 1), "total": len(items)}


def _loaded():
    return (joinedload(QualityReview.technician).joinedload(Technician.user), joinedload(QualityReview.work_order))


@bp.post("/sample")
@roles_required(*STAFF)
@bp.input(SampleIn)
@bp.output(ReviewList, status_code=201)
@bp.doc(responses={409: "Another sample of the same period was being drawn at the same time"})
def sample(json_data):
    """Draw the month's sample: `per_technician` of each technician's jobs closed in `period` (in
    TIMEZONE), picked at random with a seed from the period, so the same month picks the same jobs.
    Returns the reviews created; jobs already sampled for the period are not added again."""
    period = json_data["period"]
    created = draw_sample(db.session, period, json_data["per_technician"], current_app.config["TIMEZONE"], now())
    return _page_of_all(created)


@bp.get("")
@roles_required(*STAFF)
@bp.input(ReviewQuery, location="query")
@bp.output(ReviewList)
def list_reviews(query_data):
    """The sampled jobs' reviews, by period and technician."""
    query = select(QualityReview).options(*_loaded()).order_by(QualityReview.period.desc(), QualityReview.id)
    if query_data.get("period"):
        query = query.where(QualityReview.period == query_data["period"])
    if query_data.get("technician_id") is not None:
        query = query.where(QualityReview.technician_id == query_data["technician_id"])
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [review_dict(r) for r in page["items"]]
    return page


@bp.post("/<int:review_id>")
@roles_required(*STAFF)
@bp.input(ScoreIn)
@bp.output(ReviewOut)
def score(review_id, json_data):
    """Score a review: true or false for the checklist's items (the prefilled ones may be corrected);
    once every item is answered, `score` is the percent answered yes (422 names the items still open)."""
    return review_dict(score_review(db.session, review_id, actor(), now(), json_data))
