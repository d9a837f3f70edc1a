"""Day plans: the routes proposed for a day's work, and what applying one did."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, Float, List, Nested
from apiflask.validators import Length, Range

from ...models import Plan
from .common import Integer, Point, String, Timestamp

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
