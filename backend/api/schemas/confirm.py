"""The customer's confirmation through a signed link."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, List, Nested
from apiflask.validators import Length, Range

from .common import Integer, String, Timestamp, name_text, text
from .technicians import TechnicianBrief
from .work_orders import PartOut


class ConfirmLog(Schema):
    kind = String()
    text = String(allow_none=True)
    minutes = Integer(allow_none=True)
    parts = List(Nested(PartOut))


class ConfirmWorkOrder(Schema):
    number = String()
    title = String()
    technician_name = String(allow_none=True)
    technician = Nested(TechnicianBrief, allow_none=True)
    customer_name = String()
    address = String(allow_none=True)
    arrived_at = Timestamp(allow_none=True)
    completed_at = Timestamp(allow_none=True)
    resolution = String(allow_none=True)
    logs = List(Nested(ConfirmLog), metadata={"description": "fixes and parts only (notes are internal)"})
    minutes_logged = Integer(metadata={"description": "all the minutes the technician logged on the job"})


class CompanyOut(Schema):
    name = String()
    phone = String(allow_none=True, metadata={"description": "the number customers call (COMPANY_PHONE)"})


class ConfirmOut(Schema):
    work_order = Nested(ConfirmWorkOrder)
    company = Nested(CompanyOut)
    expires_at = Timestamp()


class ConfirmIn(Schema):
    accepted = Boolean(required=True)
    signer_name = name_text(120, required=True)
    signature = String(allow_none=True, validate=Length(max=800_000))
    rating = Integer(allow_none=True, validate=Range(1, 5))
    comment = text(2000, allow_none=True)


class ConfirmResultOut(Schema):
    status = String()
    number = String()
