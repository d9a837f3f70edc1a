"""Company days: the holidays and working days the company adds to the public calendar."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, List, Nested

from ...models import COMPANY_DAY_KINDS, CompanyDay
from .common import Integer, String, name_text, one_of
from .lists import period_from


class CompanyDayIn(Schema):
    date = Date(required=True, metadata={"description": "the day, in the company's time zone"})
    kind = String(required=True, validate=one_of(COMPANY_DAY_KINDS), metadata={"description": "holiday or working_day"})
    name = name_text(120, required=True)


class CompanyDayOut(Schema):
    id = Integer()
    date = Date()
    kind = String()
    name = String()


class CompanyDayList(Schema):
    items = List(Nested(CompanyDayOut))


class CompanyDayQuery(Schema):
    from_ = period_from(Date, metadata={"description": "first day (inclusive)"})
    to = Date(metadata={"description": "last day (inclusive)"})


def company_day_dict(company_day: CompanyDay) -> dict:
    return {"id": company_day.id, "date": company_day.day, "kind": company_day.kind, "name": company_day.name}
