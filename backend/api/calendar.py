"""Company days: the holidays and working days the company adds to China's public calendar, which
working hours and business-hour SLA clocks follow (domain/calendar.py). Admins edit, dispatchers read."""

from __future__ import annotations

from apiflask import APIBlueprint
from sqlalchemy import select

from ..domain.calendar import add_company_day, remove_company_day
from ..extensions import db
from ..models import CompanyDay
from .schemas.calendar import CompanyDayIn, CompanyDayList, CompanyDayOut, CompanyDayQuery, company_day_dict
from .security import STAFF, roles_required

bp = APIBlueprint("company_days", __name__, url_prefix="/api/v1/company-days", tag="Company days")


@bp.get("")
@roles_required(*STAFF)
@bp.input(CompanyDayQuery, location="query")
@bp.output(CompanyDayList)
def list_company_days(query_data):
    """Company days by date, optionally between `from` and `to`."""
    query = select(CompanyDay).order_by(CompanyDay.day)
    if query_data.get("from"):
        query = query.where(CompanyDay.day >= query_data["from"])
    if query_data.get("to"):
        query = query.where(CompanyDay.day <= query_data["to"])
    return {"items": [company_day_dict(day) for day in db.session.scalars(query)]}


@bp.post("")
@roles_required("admin")
@bp.input(CompanyDayIn)
@bp.output(CompanyDayOut, status_code=201)
def create(json_data):
    """Add a company holiday or working day (409 when the date has one already)."""
    return company_day_dict(add_company_day(db.session, json_data["date"], json_data["kind"], json_data["name"]))


@bp.delete("/<int:company_day_id>")
@roles_required("admin")
@bp.output({}, status_code=204)
def delete(company_day_id):
    """Remove a company day: the date follows the public calendar again."""
    remove_company_day(db.session, company_day_id)
    return ""
