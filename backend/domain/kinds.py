"""Kinds of case: what each takes by default (the SLA policy per type lives in sla.due_times)."""

from __future__ import annotations

# Minutes a visit of each kind is expected to take when the job does not say (`duration_minutes`);
# a kind not listed takes the configured VISIT_MINUTES. An inquiry is usually answered by phone.
VISIT_MINUTES_BY_TYPE = {"installation": 120, "inspection": 30, "inquiry": 0}


def visit_minutes(work_order_type: str | None, duration_minutes: int | None, default: float) -> float:
    """How long the visit is expected to take: the job's own duration, else its kind's, else `default`."""
    if duration_minutes is not None:
        return duration_minutes
    return VISIT_MINUTES_BY_TYPE.get(work_order_type, default)
