"""Day plans: propose routes for a day's work with the routing solver, look at them, apply them."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Date, Float, List, Nested
from apiflask.validators import Length, Range
from flask import current_app

from ..domain.errors import NotFound
from ..domain.planning import apply_plan, propose_plan
from ..extensions import db
from ..models import Plan
from .common import actor, now
from .schemas.common import Integer, Point, String, Timestamp
from .security import STAFF, roles_required

bp = APIBlueprint("plans", __name__, url_prefix="/api/v1/plans", tag="Day plans")
MAX_IDS = 2000
TIME = {"format": "date-time", "description": "UTC, ISO 8601 with a Z"}


class PlanIn(Schema):
    date = Date(required=True, metadata={"description": "the day to plan, in the company's time zone"})
    technician_ids = List(
        Integer(validate=Range(min=1)),
        validate=Length(min=1, max=MAX_IDS),
        metadata={"description": "default: every active technician working that day"},
    )
    work_order_ids = List(
        Integer(validate=Range(min=1)),
        validate=Length(min=1, max=MAX_IDS),
        metadata={"description": "default: every non-urgent job not yet started (new, or assigned/accepted)"},
    )


class StopOut(Schema):
    work_order_id = Integer()
    number = String()
    title = String()
    priority = String()
    location = Nested(Point)
    arrive_at = String(metadata=TIME)
    leave_at = String(metadata=TIME)
    due_at = String(allow_none=True, metadata={**TIME, "description": "the response deadline kept, if any"})


class RouteEnd(Point):
    at = String(metadata={**TIME, "description": "when the route may start"})
    by = String(metadata={**TIME, "description": "when the route must be back home (the hours' end)"})


class RouteOut(Schema):
    technician_id = Integer()
    name = String()
    start = Nested(RouteEnd)
    end = Nested(RouteEnd)
    stops = List(Nested(StopOut))
    km = Float()
    minutes = Integer(metadata={"description": "driving and on-site minutes"})


class LeftOut(Schema):
    work_order_id = Integer()
    reason = String()


class UnavailableOut(Schema):
    technician_id = Integer()
    reason = String()


class AppliedOut(Schema):
    assigned = List(Integer(), metadata={"description": "jobs assigned to their route's technician"})
    kept = List(Integer(), metadata={"description": "jobs their technician already held (now with a planned time)"})
    skipped = List(Nested(LeftOut), metadata={"description": "jobs changed since the plan: left as they are"})


class PlanOut(Schema):
    id = Integer()
    date = Date()
    created_at = Timestamp()
    applied_at = Timestamp(allow_none=True)
    routes = List(Nested(RouteOut))
    unplanned = List(Nested(LeftOut))
    unavailable = List(Nested(UnavailableOut), metadata={"description": "technicians not planned, and why"})
    km_total = Float()
    solve_ms = Integer()
    applied = Nested(AppliedOut, allow_none=True)


def plan_dict(plan: Plan) -> dict:
    body = plan.body
    return {
        "id": plan.id,
        "date": plan.date,
        "created_at": plan.created_at,
        "applied_at": plan.applied_at,
        **{key: body.get(key) for key in ("routes", "unplanned", "unavailable", "km_total", "solve_ms", "applied")},
    }


def _get_plan(plan_id: int, lock: bool = False) -> Plan:
    plan = db.session.get(Plan, plan_id, with_for_update=lock)
    if plan is None:
        raise NotFound(f"Plan {plan_id} not found.")
    return plan


@bp.post("")
@roles_required(*STAFF)
@bp.input(PlanIn)
@bp.output(PlanOut, status_code=201)
def propose(json_data):
    """Propose routes for a day: skills, working hours, customer windows, response deadlines and
    visit durations kept, as little driving as the solver finds. Nothing changes until it is applied."""
    plan = propose_plan(
        db.session,
        json_data["date"],
        json_data.get("technician_ids"),
        json_data.get("work_order_ids"),
        now(),
        current_app.config,
        created_by_id=actor().user_id,
    )
    return plan_dict(plan)


@bp.get("/<int:plan_id>")
@roles_required(*STAFF)
@bp.output(PlanOut)
def get(plan_id):
    """A proposal, and what applying it did."""
    return plan_dict(_get_plan(plan_id))


@bp.post("/<int:plan_id>/apply")
@roles_required(*STAFF)
@bp.output(PlanOut)
@bp.doc(responses={409: "The plan was applied already"})
def apply(plan_id):
    """Assign each job in its route's order as the dispatcher's assignment (events, notifications)
    and give it its planned order and arrival; a job changed since the plan is skipped and listed."""
    plan = _get_plan(plan_id, lock=True)
    apply_plan(db.session, plan, actor(), now())
    return plan_dict(plan)
