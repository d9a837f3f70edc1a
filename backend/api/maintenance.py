"""Preventive maintenance (保养): plans, and the occurrences the scheduler made into work orders."""

from __future__ import annotations

from datetime import timedelta

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..domain.errors import NotFound
from ..domain.maintenance import create_plan, occurrence_on_or_after, parse_rule, update_plan
from ..extensions import db
from ..models import Asset, MaintenanceOccurrence, MaintenancePlan, Technician, WorkOrder
from .common import actor, now, paginate
from .schemas.maintenance import (
    MaintenancePlanDetail,
    MaintenancePlanIn,
    MaintenancePlanOut,
    MaintenancePlanPage,
    MaintenancePlanPatch,
    MaintenancePlanQuery,
    plan_dict,
)
from .schemas.work_orders import work_order_dict
from .security import STAFF, roles_required
from .skills import resolve_skills

bp = APIBlueprint("maintenance", __name__, url_prefix="/api/v1/maintenance-plans", tag="Preventive maintenance")
UPCOMING = 5
OCCURRENCES_SHOWN = 200


def _timezone() -> str:
    return current_app.config["TIMEZONE"]


def _upcoming(plan: MaintenancePlan) -> list:
    if not plan.active or plan.next_occurs_on is None:
        return []
    rule, days, day = parse_rule(plan.rrule, plan.starts_on), [], plan.next_occurs_on
    while day is not None and len(days) < UPCOMING:
        days.append(day)
        day = occurrence_on_or_after(rule, day + timedelta(days=1))
    return days


def plan_detail(plan: MaintenancePlan) -> dict:
    occurrences = db.session.scalars(
        select(MaintenanceOccurrence)
        .where(MaintenanceOccurrence.plan_id == plan.id)
        .options(
            selectinload(MaintenanceOccurrence.work_order).options(
                joinedload(WorkOrder.customer), joinedload(WorkOrder.technician).joinedload(Technician.user)
            )
        )
        .order_by(MaintenanceOccurrence.occurs_on.desc())
        .limit(OCCURRENCES_SHOWN)
    ).all()
    who = actor()
    return plan_dict(plan) | {
        "occurrences": [
            {
                "occurs_on": o.occurs_on,
                "created_at": o.created_at,
                "work_order": work_order_dict(o.work_order, who) if o.work_order else None,
            }
            for o in occurrences
        ],
        "upcoming": _upcoming(plan),
    }


def _loaded():
    return joinedload(MaintenancePlan.asset).joinedload(Asset.customer)


def _plan(plan_id: int, lock: bool = False) -> MaintenancePlan:
    query = select(MaintenancePlan).where(MaintenancePlan.id == plan_id).options(_loaded())
    plan = db.session.scalar(query.with_for_update(of=MaintenancePlan) if lock else query)
    if plan is None:
        raise NotFound(f"Maintenance plan {plan_id} not found.")
    return plan


@bp.post("")
@roles_required(*STAFF)
@bp.input(MaintenancePlanIn)
@bp.output(MaintenancePlanOut, status_code=201)
def create(json_data):
    """A maintenance plan for an asset. The scheduler makes a `maintenance` work order `lead_days`
    before each occurrence of `rrule` (from `starts_on`; occurrences before today are skipped), exactly
    once per occurrence however many schedulers run; `flask --app wsgi create-maintenance` runs one pass."""
    resolve_skills(json_data, "required_skills")
    plan = create_plan(db.session, actor(), now(), json_data, _timezone())
    return plan_dict(_plan(plan.id))


@bp.get("")
@roles_required(*STAFF)
@bp.input(MaintenancePlanQuery, location="query")
@bp.output(MaintenancePlanPage)
def list_plans(query_data):
    """Maintenance plans, the next due first; `asset_id` and `active` filter."""
    query = select(MaintenancePlan).options(_loaded())
    if query_data.get("asset_id") is not None:
        query = query.where(MaintenancePlan.asset_id == query_data["asset_id"])
    if query_data.get("active") is not None:
        query = query.where(MaintenancePlan.active.is_(query_data["active"]))
    query = query.order_by(MaintenancePlan.next_occurs_on.is_(None), MaintenancePlan.next_occurs_on, MaintenancePlan.id)
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [plan_dict(p) for p in page["items"]]
    return page


@bp.get("/<int:plan_id>")
@roles_required(*STAFF)
@bp.output(MaintenancePlanDetail)
def get(plan_id):
    """A plan with its occurrences made into work orders (latest first, each with its work order)
    and the next ones to come."""
    return plan_detail(_plan(plan_id))


@bp.patch("/<int:plan_id>")
@roles_required(*STAFF)
@bp.input(MaintenancePlanPatch)
@bp.output(MaintenancePlanOut)
def update(plan_id, json_data):
    """Change a plan. `active: false` pauses it (future occurrences only: the work orders made stay);
    `active: true` resumes it from today's next occurrence."""
    resolve_skills(json_data, "required_skills")
    plan = update_plan(db.session, _plan(plan_id, lock=True), json_data, now(), _timezone())
    return plan_dict(plan)
