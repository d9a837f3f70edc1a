"""Service KPIs for dispatchers and admins."""

from __future__ import annotations

from datetime import timedelta

from apiflask import APIBlueprint
from flask import current_app

from ..domain.errors import ValidationFailed
from ..domain.kpis import DEFINITIONS, compute_kpis, kpi_rows
from ..extensions import db
from .common import now, technician_names
from .csv import csv_response
from .exports import take_export_slot
from .schemas.reports import KpiBreakdownOut, KpiBreakdownQuery, KpiQuery, KpisOut
from .security import STAFF, roles_required

PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}

bp = APIBlueprint("reports", __name__, url_prefix="/api/v1/reports", tag="Reports")

KPI_DESCRIPTION = "Definitions (percentages are 0-100; a figure with nothing to measure is null):\n\n" + "\n".join(
    f"- `{name}`: {text}" for name, text in DEFINITIONS.items()
)


FIGURES = [name for name in DEFINITIONS if name != "cohort"]


def _period(query_data):
    """The period asked for (default the last 30 days), at most KPI_MAX_DAYS long: a longer one
    would scan years of jobs per request."""
    end = query_data.get("to") or now()
    start = query_data.get("from") or end - timedelta(days=30)
    if start >= end:
        raise ValidationFailed({"from": ["must be earlier than to"]})
    longest = current_app.config["KPI_MAX_DAYS"]
    if end - start > timedelta(days=longest):
        raise ValidationFailed({"from": [f"must be at most {longest} days before to"]})
    return start, end


@bp.get("/kpis")
@roles_required(*STAFF)
@bp.input(KpiQuery, location="query")
@bp.output(KpisOut)
@bp.doc(summary="Service KPIs", description=KPI_DESCRIPTION)
def kpis(query_data):
    start, end = _period(query_data)
    return compute_kpis(db.session, start, end, now(), clock=query_data["clock"])


def _labelled_rows(query_data) -> tuple:
    start, end = _period(query_data)
    group = query_data["by"]
    rows = kpi_rows(db.session, start, end, now(), group, clock=query_data["clock"])
    if group == "technician":
        names = technician_names(int(row["key"]) for row in rows if row["key"] is not None)
        for row in rows:
            row["label"] = names.get(int(row["key"])) if row["key"] is not None else None
    else:
        for row in rows:
            row["label"] = row["key"]
    rows.sort(key=lambda row: (row["key"] is None, PRIORITY_ORDER.get(row["key"], 9), row["key"] or ""))
    return start, end, group, rows


@bp.get("/kpis/breakdown")
@roles_required(*STAFF)
@bp.input(KpiBreakdownQuery, location="query")
@bp.output(KpiBreakdownOut)
@bp.doc(summary="Service KPIs by technician, priority or day", description=KPI_DESCRIPTION)
def kpi_breakdown(query_data):
    """The same figures per technician (the one holding or who last held the job; `key` null for
    jobs never assigned), per priority, or per creation day (UTC) for trends."""
    start, end, group, rows = _labelled_rows(query_data)
    return {"from": start, "to": end, "by": group, "clock": query_data["clock"], "rows": rows}


@bp.get("/kpis.csv")
@roles_required(*STAFF)
@bp.input(KpiBreakdownQuery, location="query")
@bp.output({}, content_type="text/csv", description="One row per group, then the total")
@bp.doc(summary="Service KPIs as CSV", responses={429: "This user's exports running now are EXPORTS_PER_USER"})
def kpi_csv(query_data):
    """The breakdown as CSV (a spreadsheet's view of the KPI page), with the period's total last.
    Counts as an export: EXPORTS_PER_USER at a time per user (429 beyond)."""
    _period(query_data)  # a bad range is 422 before a slot is taken
    release = take_export_slot()
    try:
        start, end, group, rows = _labelled_rows(query_data)
        total = compute_kpis(db.session, start, end, now(), clock=query_data["clock"])
        header = [group, "label", *FIGURES]
        lines = [[row["key"], row["label"], *(row[name] for name in FIGURES)] for row in rows]
        lines.append(["total", "", *(total[name] for name in FIGURES)])
        return csv_response(f"kpis-{group}-{start:%Y%m%d}-{end:%Y%m%d}.csv", header, lines, on_close=release)
    except BaseException:
        release()
        raise
