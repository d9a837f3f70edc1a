"""Preventive maintenance (保养): plans with an RFC 5545 rule and their occurrences."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, List, Nested
from apiflask.validators import Length, Range

from ...models import PRIORITIES, MaintenancePlan
from .assets import Day
from .common import Integer, String, Timestamp, name_text, one_of, skills_field, text
from .lists import PageQuery, page_of
from .work_orders import WorkOrderOut

RRULE_DESCRIPTION = (
    "an RFC 5545 recurrence rule (python-dateutil), e.g. FREQ=MONTHLY;INTERVAL=3 or FREQ=WEEKLY;BYDAY=MO; "
    "from starts_on; at most once a day (HOURLY and finer, or two occurrences on one day: 422), and it must "
    "occur within five years (422 otherwise)"
)


class MaintenancePlanIn(Schema):
    asset_id = Integer(required=True, metadata={"description": "the machine to maintain"})
    title = name_text(200, required=True)
    description = text(10_000, allow_none=True)
    rrule = String(required=True, validate=Length(min=1, max=500), metadata={"description": RRULE_DESCRIPTION})
    starts_on = Day(required=True, metadata={"description": "the rule's first day (company time zone)"})
    required_skills = skills_field(load_default=list)
    priority = String(load_default="normal", validate=one_of(PRIORITIES))
    lead_days = Integer(
        load_default=7,
        validate=Range(min=0, max=365),
        metadata={"description": "days before each occurrence its work order is made (default 7)"},
    )
    active = Boolean(load_default=True)


class MaintenancePlanPatch(Schema):
    title = name_text(200)
    description = text(10_000, allow_none=True)
    rrule = String(validate=Length(min=1, max=500), metadata={"description": RRULE_DESCRIPTION})
    starts_on = Day()
    required_skills = skills_field()
    priority = String(validate=one_of(PRIORITIES))
    lead_days = Integer(validate=Range(min=0, max=365))
    active = Boolean(
        metadata={
            "description": "false pauses the plan: no work order for occurrences from now on (those made stay); "
            "true resumes it from today's next occurrence"
        }
    )


class MaintenancePlanQuery(PageQuery):
    asset_id = Integer()
    active = Boolean()


class AssetBrief(Schema):
    id = Integer()
    model = String()
    serial = String()
    customer_id = Integer()
    customer_name = String()


class MaintenancePlanOut(Schema):
    id = Integer()
    asset = Nested(AssetBrief)
    title = String()
    description = String(allow_none=True)
    rrule = String()
    starts_on = Day()
    required_skills = List(String())
    priority = String()
    lead_days = Integer()
    active = Boolean()
    next_occurs_on = Day(allow_none=True, metadata={"description": "the next occurrence without a work order yet"})
    next_create_on = Day(allow_none=True, metadata={"description": "when the scheduler makes its work order"})
    created_at = Timestamp()
    updated_at = Timestamp()


class OccurrenceOut(Schema):
    occurs_on = Day()
    created_at = Timestamp(metadata={"description": "when its work order was made"})
    work_order = Nested(WorkOrderOut, allow_none=True, metadata={"description": "null if it was deleted"})


class MaintenancePlanDetail(MaintenancePlanOut):
    occurrences = List(Nested(OccurrenceOut), metadata={"description": "those made into work orders, latest first"})
    upcoming = List(Day(), metadata={"description": "the next occurrences (up to 5) while the plan is active"})


MaintenancePlanPage = page_of(MaintenancePlanOut, "MaintenancePlanPage")


def plan_dict(plan: MaintenancePlan) -> dict:
    asset = plan.asset
    return {
        "id": plan.id,
        "asset": {
            "id": asset.id,
            "model": asset.model,
            "serial": asset.serial,
            "customer_id": asset.customer_id,
            "customer_name": asset.customer.name,
        },
        "title": plan.title,
        "description": plan.description,
        "rrule": plan.rrule,
        "starts_on": plan.starts_on,
        "required_skills": plan.required_skills or [],
        "priority": plan.priority,
        "lead_days": plan.lead_days,
        "active": plan.active,
        "next_occurs_on": plan.next_occurs_on,
        "next_create_on": plan.next_create_on,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }
