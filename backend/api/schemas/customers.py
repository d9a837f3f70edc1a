"""Customers: their contact, place and how they hear from us."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Email, Nested
from apiflask.validators import Length

from ...models import Customer
from ...models.messages import LANGUAGES
from .common import Integer, Point, String, Timestamp, name_text, one_of, point, text
from .lists import PageQuery, page_of, search_text


class CustomerContact(Schema):
    """What a customer's intake and edit share; the name comes with each."""

    phone = text(40, allow_none=True)
    email = Email(allow_none=True, validate=Length(max=254))
    address = text(500, allow_none=True)
    location = Nested(Point, allow_none=True)
    preferred_channel = String(
        allow_none=True,
        validate=one_of(("sms", "email")),
        metadata={"description": "how they hear from us; default: sms with a phone, else email"},
    )
    notify = Boolean(metadata={"description": "false: no messages at all (default true)"})
    language = String(
        validate=one_of(LANGUAGES), metadata={"description": "their messages' language (default DEFAULT_LANGUAGE)"}
    )


class CustomerIn(CustomerContact):
    name = name_text(200, required=True)


class CustomerPatch(CustomerContact):
    """Only the fields given change; a contact given as null is cleared."""

    name = name_text(200)


class CustomerOut(Schema):
    id = Integer()
    name = String()
    phone = String(allow_none=True)
    email = String(allow_none=True)
    address = String(allow_none=True)
    location = Nested(Point, allow_none=True)
    created_at = Timestamp()
    preferred_channel = String(allow_none=True)
    notify = Boolean()
    language = String()


class CustomerQuery(PageQuery):
    q = search_text("name, phone (however typed) or email")


class CustomerMatchQuery(Schema):
    name = text(200)
    phone = text(40)


class NewCustomerIn(CustomerIn):
    confirm_new = Boolean(
        load_default=False,
        metadata={"description": "create the customer even though a known one has the same phone or name"},
    )


class CustomerBrief(Schema):
    id = Integer()
    name = String()
    phone = String(allow_none=True)


def customer_dict(customer: Customer) -> dict:
    return {
        "id": customer.id,
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "address": customer.address,
        "location": point(customer.lat, customer.lon),
        "created_at": customer.created_at,
        "preferred_channel": customer.preferred_channel,
        "notify": customer.notify,
        "language": customer.language,
    }


CustomerPage = page_of(CustomerOut, "CustomerPage")
