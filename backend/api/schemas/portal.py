"""The customer's side: the tracking link and the self-service portal."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, Email, File, List, Nested
from apiflask.validators import Length
from marshmallow import ValidationError, validates_schema

from ...models.work_orders import WORK_ORDER_TYPES
from .common import Integer, Point, String, Timestamp, name_text, one_of, text
from .lists import PageQuery, page_of, period_from, search_text

LANGUAGES = ("zh-CN", "en")
PREFERRED_CHANNELS = ("sms", "email")


class TrackTechnician(Schema):
    first_name = String(metadata={"description": "the technician's first name (a Chinese name: the family name)"})


class TrackStep(Schema):
    status = String()
    at = Timestamp()


class TrackWindow(Schema):
    from_ = period_from(allow_none=True)
    to = Timestamp(allow_none=True)


class TrackOut(Schema):
    number = String()
    type = String()
    status = String()
    title = String()
    created_at = Timestamp()
    technician = Nested(TrackTechnician, allow_none=True, metadata={"description": "nothing else about them"})
    eta_minutes = Integer(
        allow_none=True, metadata={"description": "only while en_route, from the technician's last position"}
    )
    window = Nested(TrackWindow, allow_none=True, metadata={"description": "the visit window the customer asked for"})
    steps = List(Nested(TrackStep), metadata={"description": "the statuses the job went through, with when"})
    confirmation_url = String(allow_none=True, metadata={"description": "while a confirmation link awaits an answer"})


class ContactIn(Schema):
    phone = text(40, allow_none=True)
    email = Email(allow_none=True, validate=Length(max=254))

    @validates_schema
    def one_contact(self, data, **kwargs):
        if bool(data.get("phone")) == bool(data.get("email")):
            raise ValidationError({"phone": ["give a phone or an email (one of them)"]})


class CodeIn(ContactIn):
    language = String(
        validate=one_of(LANGUAGES),
        allow_none=True,
        metadata={"description": "the message's language (default: the browser's)"},
    )


class CodeOut(Schema):
    expires_at = Timestamp(metadata={"description": "when the code stops working (10 minutes)"})


class PortalSessionIn(ContactIn):
    code = String(required=True, validate=Length(min=1, max=12))


class PortalCustomerOut(Schema):
    id = Integer(allow_none=True)
    name = String(allow_none=True)
    phone = String(allow_none=True)
    email = String(allow_none=True)
    address = String(allow_none=True)
    location = Nested(Point, allow_none=True)
    preferred_channel = String(allow_none=True)
    language = String(allow_none=True, metadata={"description": "the language of their messages: zh-CN or en"})


class PortalSessionOut(Schema):
    customer = Nested(PortalCustomerOut, allow_none=True, metadata={"description": "null: not a customer yet"})
    csrf_token = String(metadata={"description": "send as X-CSRF-Token with every change"})


class PortalAssetOut(Schema):
    id = Integer()
    model = String()
    serial = String()
    warranty_until = Date(allow_none=True)


class PortalMeOut(PortalCustomerOut):
    assets = List(Nested(PortalAssetOut))
    csrf_token = String()


class PortalMePatch(Schema):
    name = name_text(200)
    phone = text(40, allow_none=True)
    email = Email(allow_none=True, validate=Length(max=254))
    address = text(500, allow_none=True)
    location = Nested(Point, allow_none=True)
    preferred_channel = String(validate=one_of(PREFERRED_CHANNELS), allow_none=True)
    language = String(validate=one_of(LANGUAGES))


class PortalRequestIn(Schema):
    type = String(load_default="repair", validate=one_of(WORK_ORDER_TYPES))
    title = name_text(200, required=True)
    description = text(4000, allow_none=True)
    address = text(500, required=True)
    location = Nested(Point, allow_none=True, metadata={"description": "default: the customer's own location"})
    asset_id = Integer(allow_none=True)
    preferred_from = Timestamp(allow_none=True)
    preferred_to = Timestamp(allow_none=True)
    name = name_text(200, allow_none=True, metadata={"description": "required for a new contact's first request"})


class PortalRequestOut(TrackOut):
    id = Integer()
    description = String(allow_none=True)
    address = String(allow_none=True)
    channel = String()
    photos = Integer(metadata={"description": "photos on the request"})
    tracking_url = String()


PortalRequestPage = page_of(PortalRequestOut, "PortalRequestPage")


class PortalPhotoIn(Schema):
    file = File(required=True)


class PortalPhotoOut(Schema):
    id = Integer()
    content_type = String()
    size = Integer()


class ArticleQuery(PageQuery):
    q = search_text()


class PortalArticleOut(Schema):
    id = Integer()
    title = String()
    symptoms = String(allow_none=True)
    cause = String(allow_none=True)
    fix = String(allow_none=True)
    updated_at = Timestamp()


ArticlePage = page_of(PortalArticleOut, "PortalArticlePage")
