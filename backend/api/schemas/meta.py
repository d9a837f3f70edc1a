"""What clients need to know of the server's rules: the status machine as data, travel, SLA, the map."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Dict, Float, List, Nested

from .common import Integer, String


class WorkflowActionOut(Schema):
    name = String()
    roles = List(String(), metadata={"description": "'technician' means the technician assigned to the job"})
    from_statuses = List(String())
    to_status = String()
    required = List(String(), metadata={"description": "fields the action's body must carry"})


class WorkflowActivityOut(Schema):
    name = String(
        metadata={
            "description": "log, attach, customer_photo, signoff, confirmation_link, update, candidates, pay, "
            "draft_article, customer_report (the customer's service report through the tracking link)"
        }
    )
    roles = List(String())
    statuses = List(String())


class MetaOut(Schema):
    actions = List(Nested(WorkflowActionOut))
    activities = List(Nested(WorkflowActivityOut))
    average_speed_kmh = Float()
    accept_timeout_minutes = Dict(keys=String(), values=Integer())
    location_fresh_minutes = Integer(
        metadata={"description": "a position older than this counts as absent: the app pings well within it"}
    )
    sla_policy = Dict(metadata={"description": "priority -> {respond, resolve} in minutes"})
    sla_countdown = Dict(
        keys=String(),
        values=List(String()),
        metadata={"description": "respond / resolve -> the statuses in which that due time is the one counting down"},
    )
    map_tile_url = String(allow_none=True, metadata={"description": "XYZ tile URL template; null: no tiles"})
    map_attribution = String()
