"""The service report PDF: for staff (a technician only for their own job) and for the customer
through the tracking link once the job is completed."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Response, current_app

from ..documents.service_report import render_pdf
from ..domain import tracking
from ..domain.errors import NotFound
from ..domain.service_report import REPORTABLE_STATUSES, Company, language_of, report_content
from ..extensions import db
from ..models import WorkOrder
from .common import get_work_order, now
from .schemas.service_report import ReportQuery
from .security import ANY_ROLE, public, roles_required

bp = APIBlueprint("service_report", __name__, url_prefix="/api/v1", tag="Service report")


def _pdf(wo: WorkOrder, language: str | None) -> Response:
    config = current_app.config
    content = report_content(
        db.session,
        wo,
        company=Company(config["COMPANY_NAME"], config["COMPANY_PHONE"]),
        language=language_of(wo, language),
        timezone=config["TIMEZONE"],
        upload_folder=config["UPLOAD_FOLDER"],
        now=now(),
    )
    response = Response(render_pdf(content), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{wo.number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Language"] = content["language"]
    return response


@bp.get("/work-orders/<int:work_order_id>/report.pdf")
@roles_required(*ANY_ROLE)
@bp.input(ReportQuery, location="query")
@bp.output({}, content_type="application/pdf", description="The service report (PDF)")
def staff_report(work_order_id, query_data):
    """The service report of a job, in the customer's language (`lang` to choose): customer, asset,
    what was found and done, parts, time, charges, photos, the signature and the record hash. Staff
    any job, a technician only their own (others: 404). A job still open gets a report of where it
    stands (no signature yet)."""
    return _pdf(get_work_order(work_order_id), query_data.get("lang"))


@bp.get("/track/<string:token>/report.pdf")
@public
@bp.input(ReportQuery, location="query")
@bp.output({}, content_type="application/pdf", description="The service report (PDF)")
@bp.doc(responses={404: "The link is not valid, or the job is not completed", 410: "The link has expired"})
def customer_report(token, query_data):
    """The service report for the customer, through the tracking link (no login), once the job is
    completed."""
    wo = tracking.resolve(db.session, token, current_app.config["SECRET_KEY"], now())
    if wo.status not in REPORTABLE_STATUSES:
        raise NotFound("The service report is there once the job is completed.")
    return _pdf(wo, query_data.get("lang"))
