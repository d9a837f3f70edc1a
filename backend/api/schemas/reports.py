"""Service KPIs: the period asked for and the figures, whole or broken down."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Float, List, Nested
from apiflask.validators import OneOf

from ...domain.kpis import GROUPS
from .common import Integer, String, Timestamp
from .lists import period_from


class KpiQuery(Schema):
    from_ = period_from(metadata={"description": "start (inclusive); default 30 days ago"})
    to = Timestamp(metadata={"description": "end (exclusive); default now"})
    clock = String(
        load_default="deed",
        validate=OneOf(["deed", "received"]),
        metadata={"description": "deed: each deed at the time the device gave it (default); received: as received"},
    )


class KpiBreakdownQuery(KpiQuery):
    by = String(
        load_default="technician",
        validate=OneOf(GROUPS),
        metadata={"description": "technician, priority or day"},
    )


class KpiFigures(Schema):
    """The twelve figures (see the endpoint's description for their definitions)."""

    created = Integer()
    completed = Integer()
    closed = Integer()
    avg_response_minutes = Float(allow_none=True)
    avg_resolution_minutes = Float(allow_none=True)
    response_sla_met_pct = Float(allow_none=True)
    resolution_sla_met_pct = Float(allow_none=True)
    first_time_fix_rate = Float(allow_none=True)
    repeat_visit_rate = Float(allow_none=True)
    csat_avg = Float(allow_none=True)
    complaint_rate = Float(allow_none=True)
    reassigned = Integer()
    late_deeds = Integer()
    flagged_deeds = Integer()
    mean_gap_minutes = Float(allow_none=True)
    flagged_answers = Integer()
    remote_resolution_rate = Float(allow_none=True)
    complaints = Integer()
    complaints_closed_in_time_pct = Float(allow_none=True)
    repeat_repairs = Integer()
    follow_ups_done_pct = Float(allow_none=True)
    follow_up_satisfaction_avg = Float(allow_none=True)
    quality_score = Float(allow_none=True)


class KpisOut(KpiFigures):
    from_ = period_from()
    to = Timestamp()
    clock = String()


class KpiRowOut(KpiFigures):
    key = String(allow_none=True, metadata={"description": "technician id, priority or day (YYYY-MM-DD)"})
    label = String(allow_none=True, metadata={"description": "technician name, priority or day"})


class KpiBreakdownOut(Schema):
    from_ = period_from()
    to = Timestamp()
    by = String()
    clock = String()
    rows = List(Nested(KpiRowOut))
