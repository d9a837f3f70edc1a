"""Equipment: assets (the customer's machines), their service history and QR labels."""

from __future__ import annotations

from datetime import date, datetime

from apiflask import Schema
from apiflask.fields import Boolean, List, Nested
from marshmallow import ValidationError, fields

from ...models import WARRANTY_STATUSES
from .common import Integer, Point, String, Timestamp, name_text, text
from .customers import CustomerBrief
from .lists import PageQuery, page_of


class Day(fields.Date):
    """A calendar day, `2027-06-30`. A full ISO 8601 time is taken as the day it names in its own
    offset (`2027-06-30T09:00:00+08:00` is 2027-06-30), for clients that send every `_at` as a time."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and "T" in value:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                raise ValidationError("must be a date, e.g. 2027-06-30") from None
        day = super()._deserialize(value, attr, data, **kwargs)
        if not date(1900, 1, 1) <= day <= date(9999, 12, 31):
            raise ValidationError("must be between 1900-01-01 and 9999-12-31")
        return day


DAY_FIELDS = {
    "installed_at": "the day it was installed",
    "purchased_at": "the day the customer bought it",
    "warranty_until": "the last day of the maker's warranty (三包, 保修期), included",
    "contract_until": "the last day of an extended-warranty contract (延保), included",
}


def _day(name: str, **kwargs) -> Day:
    return Day(allow_none=True, metadata={"description": DAY_FIELDS[name]}, **kwargs)


class AssetIn(Schema):
    model = name_text(100, required=True, metadata={"description": "the maker's model, e.g. Gree KFR-35GW"})
    serial = name_text(100, required=True, metadata={"description": "unique per model (a duplicate is 409)"})
    installed_at = _day("installed_at")
    purchased_at = _day("purchased_at")
    warranty_until = _day("warranty_until")
    contract_until = _day("contract_until")
    location = Nested(Point, allow_none=True, metadata={"description": "where the machine is (WGS84)"})
    place = text(200, allow_none=True, metadata={"description": "where on the premises, e.g. 2F server room"})
    notes = text(2000, allow_none=True)


class AssetPatch(Schema):
    model = name_text(100)
    serial = name_text(100)
    installed_at = _day("installed_at")
    purchased_at = _day("purchased_at")
    warranty_until = _day("warranty_until")
    contract_until = _day("contract_until")
    location = Nested(Point, allow_none=True)
    place = text(200, allow_none=True)
    notes = text(2000, allow_none=True)


class AssetQuery(PageQuery):
    q = String(metadata={"description": "model, serial or customer name, anywhere in it"})
    serial = String(metadata={"description": "the serial, exactly (case aside): the intake desk's look-up"})
    customer_id = Integer()


class AssetOut(Schema):
    id = Integer()
    customer = Nested(CustomerBrief)
    model = String()
    serial = String()
    installed_at = Day(allow_none=True)
    purchased_at = Day(allow_none=True)
    warranty_until = Day(allow_none=True)
    contract_until = Day(allow_none=True)
    location = Nested(Point, allow_none=True)
    place = String(allow_none=True)
    notes = String(allow_none=True)
    warranty_today = String(
        metadata={"description": "who would pay for a job taken in today: " + ", ".join(WARRANTY_STATUSES)}
    )
    label_url = String(metadata={"description": "the QR label (PNG) of the asset's link"})
    link = String(metadata={"description": "the link the label holds (`/a/<token>`), absolute"})
    created_at = Timestamp()
    updated_at = Timestamp()


class AssetVisitOut(Schema):
    """A job on the asset, as its history shows it to whoever may see the asset (technicians too)."""

    id = Integer()
    number = String()
    title = String()
    type = String()
    status = String()
    warranty = String(metadata={"description": "as recorded at the job's creation"})
    repeat_repair = Boolean()
    earlier_repairs = Integer()
    created_at = Timestamp()
    completed_at = Timestamp(allow_none=True)
    resolution = String(allow_none=True)
    technician_name = String(allow_none=True)


class MaintenanceBrief(Schema):
    id = Integer()
    title = String()
    rrule = String()
    active = Boolean()
    next_occurs_on = Day(allow_none=True)


class AssetDetail(AssetOut):
    work_orders = List(Nested(AssetVisitOut), metadata={"description": "its service history, newest first"})
    repairs_in_warranty = Integer(
        metadata={"description": "in-warranty repairs completed so far (三包: from 2, an exchange may be due)"}
    )
    maintenance_plans = List(Nested(MaintenanceBrief))


AssetPage = page_of(AssetOut, "AssetPage")
