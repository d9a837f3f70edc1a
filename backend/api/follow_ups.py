"""Follow-up calls (回访): the queue of calls to make, and what each call found."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain.errors import NotFound
from ..domain.follow_ups import queue_query, record_outcome
from ..extensions import db
from ..models import FollowUp, Technician, WorkOrder
from .common import actor, now, paginate
from .schemas.follow_ups import (
    FollowUpOut,
    FollowUpPage,
    FollowUpQuery,
    OutcomeIn,
    follow_up_dict,
)
from .security import STAFF, roles_required

bp = APIBlueprint("follow_ups", __name__, url_prefix="/api/v1/follow-ups", tag="Follow-up calls")


def _loaded():
    """The follow-up with its job, the job's customer and technician, in the same query."""
    job = joinedload(FollowUp.work_order)
    return (
        job.joinedload(WorkOrder.customer),
        job.joinedload(WorkOrder.technician).joinedload(Technician.user),
    )


@bp.get("")
@roles_required(*STAFF)
@bp.input(FollowUpQuery, location="query")
@bp.output(FollowUpPage)
def list_follow_ups(query_data):
    """The follow-up queue: open calls by due time (`due`, `overdue`), or recorded ones (`done`, latest
    first), each with its job and the customer's phone."""
    query = queue_query(query_data.get("status"), now(), query_data.get("from"), query_data.get("to"))
    query = query.options(*_loaded())
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [follow_up_dict(f) for f in page["items"]]
    return page


@bp.get("/<int:follow_up_id>")
@roles_required(*STAFF)
@bp.output(FollowUpOut)
def get(follow_up_id):
    """One follow-up call."""
    return follow_up_dict(_follow_up(follow_up_id))


def _follow_up(follow_up_id: int, lock: bool = False) -> FollowUp:
    query = select(FollowUp).where(FollowUp.id == follow_up_id)
    follow_up = db.session.scalar(query.with_for_update() if lock else query)
    if follow_up is None:
        raise NotFound(f"Follow-up {follow_up_id} not found.")
    return follow_up


@bp.post("/<int:follow_up_id>/outcome")
@roles_required(*STAFF)
@bp.input(OutcomeIn)
@bp.output(FollowUpOut)
@bp.doc(responses={409: "Already recorded, or (reopen) the job is not completed or closed"})
def outcome(follow_up_id, json_data):
    """Record what the call found, once (twice: 409). `reopen: true` reopens the job as a repeat
    visit (a new SLA round, as a dispatcher's reopen); an event on the job records the outcome."""
    follow_up = _follow_up(follow_up_id, lock=True)
    record_outcome(db.session, follow_up, actor(), now(), json_data, current_app.config["SLA_POLICY"])
    return follow_up_dict(follow_up)
