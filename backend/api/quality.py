"""Quality sampling (质检): draw a month's sample, list it, score a review."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain.quality import draw_sample, score_review
from ..extensions import db
from ..models import QualityReview, Technician
from .common import actor, now, paginate
from .schemas.lists import whole_list
from .schemas.quality import (
    ReviewList,
    ReviewOut,
    ReviewQuery,
    SampleIn,
    ScoreIn,
    review_dict,
)
from .security import STAFF, roles_required

bp = APIBlueprint("quality", __name__, url_prefix="/api/v1/quality-reviews", tag="Quality sampling")


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
    return whole_list([review_dict(r) for r in created])


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
