"""Service KPIs for dispatchers and admins."""

from __future__ import annotations

from datetime import timedelta

from apiflask import APIBlueprint

from ..domain.errors import ValidationFailed
from ..domain.kpis import DEFINITIONS, compute_kpis
from ..extensions import db
from .common import now
from .schemas import KpiQuery, KpisOut
from .security import STAFF, roles_required

bp = APIBlueprint("reports", __name__, url_prefix="/api/v1/reports", tag="Reports")

KPI_DESCRIPTION = "Definitions (percentages are 0-100; a figure with nothing to measure is null):\n\n" + "\n".join(
    f"- `{name}`: {text}" for name, text in DEFINITIONS.items()
)


@bp.get("/kpis")
@roles_required(*STAFF)
@bp.input(KpiQuery, location="query")
@bp.output(KpisOut)
@bp.doc(summary="Service KPIs", description=KPI_DESCRIPTION)
def kpis(query_data):
    end = query_data.get("to") or now()
    start = query_data.get("from") or end - timedelta(days=30)
    if start >= end:
        raise ValidationFailed({"from": ["must be earlier than to"]})
    return compute_kpis(db.session, start, end, now())
