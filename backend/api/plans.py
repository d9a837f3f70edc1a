"""Day plans: propose routes for a day's work with the routing solver, look at them, apply them."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app

from ..domain.errors import NotFound
from ..domain.planning import apply_plan, propose_plan
from ..extensions import db
from ..models import Plan
from .common import actor, now
from .schemas.plans import (
    PlanIn,
    PlanOut,
    plan_dict,
)
from .security import STAFF, roles_required

bp = APIBlueprint("plans", __name__, url_prefix="/api/v1/plans", tag="Day plans")


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
