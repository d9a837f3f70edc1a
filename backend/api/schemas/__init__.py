"""Request and response schemas: they validate at the edge and generate the OpenAPI document."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Email, File, Float, List, Nested
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, fields, validates_schema

from ...domain.calendar import hours_problem
from ...domain.kpis import GROUPS
from ...domain.timing import utc_text
from ...domain.work_orders import FORWARDED_CHANGES
from ...models import AUDIT_ACTIONS, CHANNELS, LOG_KINDS, PRIORITIES, ROLES, STATUSES
from ...models.messages import LANGUAGES
from ...models.work_orders import COMPLAINT_CATEGORIES, WORK_ORDER_TYPES


def one_of(choices) -> OneOf:
    return OneOf(choices, error="must be one of " + ", ".join(choices))


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
ASCII_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


class Integer(fields.Integer):
    """A whole number the databases' INTEGER columns can hold: a bigger one is a 422 here, not an
    overflow (SQLite) or a DataError (PostgreSQL) in the middle of a query, answered as a 500."""

    def __init__(self, **kwargs):
        # The bounds in the OpenAPI document too, narrowed by the field's own Range, so that
        # generated clients and fuzzers know them.
        low, high = INT32_MIN, INT32_MAX
        validators = kwargs.get("validate") or []
        for rule in validators if isinstance(validators, list | tuple) else [validators]:
            if isinstance(rule, Range):
                if rule.min is not None:
                    low = max(low, rule.min if rule.min_inclusive else rule.min + 1)
                if rule.max is not None:
                    high = min(high, rule.max if rule.max_inclusive else rule.max - 1)
        metadata = {"minimum": low, "maximum": high, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not ASCII_WHOLE_NUMBER.fullmatch(value):
            raise ValidationError("must be a whole number in the digits 0-9")  # int("٣") is 3
        number = super()._deserialize(value, attr, data, **kwargs)
        if not INT32_MIN <= number <= INT32_MAX:
            raise ValidationError(f"must be between {INT32_MIN} and {INT32_MAX}")
        return number


class String(fields.String):
    """Text without NUL characters, which PostgreSQL cannot store (a 422 here, not a 500 later)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("must not contain NUL characters")
        return text


class Timestamp(fields.AwareDateTime):
    """ISO 8601 with an offset on input; UTC with a `Z` on output."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        return None if value is None else utc_text(value)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59:59-01:00 is in year 10000 in UTC
            raise ValidationError("must be between years 1 and 9999 in UTC") from None


def text(max_length: int, required: bool = False, min_length: int = 0, **kwargs) -> String:
    return String(
        required=required, validate=Length(min=min_length or (1 if required else 0), max=max_length), **kwargs
    )


def _visible(value: str) -> None:
    """Something a person can read: not only spaces and invisible format characters (a zero-width
    space, a joiner, a direction mark), which would make a customer or a signer nobody on screen."""
    if not any(ch.isprintable() and not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in value):
        raise ValidationError("must contain visible characters")


def name_text(max_length: int, required: bool = False, **kwargs) -> String:
    """A name or title: text with at least one visible character."""
    return String(required=required, validate=[Length(min=1, max=max_length), _visible], **kwargs)


def skill_text(**kwargs) -> String:
    """A skill as a client names it: a code (`hvac`, `洗衣机维修`) or a skill's English or Chinese
    name; the API resolves it to a code (domain/skills.py), adding an unknown code to the vocabulary."""
    return String(validate=[Length(min=1, max=80), _visible], **kwargs)


def skills_field(**kwargs) -> List:
    metadata = {
        "description": "skill codes (or skills' names, resolved to their codes); an unknown code joins the "
        "skills vocabulary named by itself",
        **kwargs.pop("metadata", {}),
    }
    return List(skill_text(), validate=Length(max=50), metadata=metadata, **kwargs)


# ---- common ------------------------------------------------------------------------------


class Point(Schema):
    lat = Float(required=True, validate=Range(-90, 90), metadata={"description": "WGS84 latitude"})
    lon = Float(required=True, validate=Range(-180, 180), metadata={"description": "WGS84 longitude"})


class PointAt(Point):
    at = Timestamp(allow_none=True)


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1))
    per_page = Integer(load_default=50, validate=Range(min=1, max=200))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """The contract's list envelope around `item_schema`."""
    return Schema.from_dict(
        {
            "items": List(Nested(item_schema)),
            "page": Integer(),
            "per_page": Integer(),
            "total": Integer(),
        },
        name=name,
    )


# ---- users and sessions ----------------------------------------------------------------------


class LoginIn(Schema):
    email = String(required=True, validate=Length(min=1, max=254))
    password = String(required=True, validate=Length(min=1, max=1024))


class UserOut(Schema):
    id = Integer()
    email = String()
    name = String()
    role = String()
    active = Boolean()


class AuditEntryOut(Schema):
    id = Integer()
    at = Timestamp()
    actor = Nested(UserOut, allow_none=True, metadata={"description": "who made the change (null: since removed)"})
    action = String(metadata={"description": ", ".join(AUDIT_ACTIONS)})
    details = Dict(metadata={"description": "from and to, for an email or a role"})


class SessionOut(Schema):
    user = Nested(UserOut)
    csrf_token = String()


class UserIn(Schema):
    email = Email(required=True, validate=Length(max=254))
    name = name_text(120, required=True)
    role = String(required=True, validate=one_of(ROLES))
    password = String(required=True, validate=Length(min=8, max=1024))


class UserPatch(Schema):
    email = Email(validate=Length(max=254))
    name = name_text(120)
    role = String(validate=one_of(ROLES))
    password = String(validate=Length(min=8, max=1024))
    active = Boolean()


# ---- technicians -------------------------------------------------------------------------------


def valid_hours(hours) -> None:
    """Working hours: weekday keys mon..sun, each ["HH:MM", "HH:MM"] with start != end."""
    problem = hours_problem(hours)
    if problem:
        raise ValidationError(problem)


def hours_field() -> Dict:
    return Dict(
        allow_none=True,
        validate=valid_hours,
        metadata={
            "description": 'working hours per weekday in TIMEZONE, e.g. {"mon": ["08:00", "17:00"]}; a day left '
            "out is a day off; an end before the start runs overnight; null: no hours (whenever on shift)"
        },
    )


class TechnicianIn(Schema):
    name = name_text(120, required=True)
    email = Email(required=True, validate=Length(max=254))
    password = String(required=True, validate=Length(min=8, max=1024))
    phone = text(40, allow_none=True)
    skills = skills_field(load_default=list)
    home = Nested(Point, required=True)
    max_open_jobs = Integer(load_default=6, validate=Range(1, 100))
    on_shift = Boolean(load_default=False)
    hours = hours_field()


class TechnicianPatch(Schema):
    name = name_text(120)
    email = Email(validate=Length(max=254))
    password = String(validate=Length(min=8, max=1024))
    phone = text(40, allow_none=True)
    skills = skills_field()
    home = Nested(Point)
    max_open_jobs = Integer(validate=Range(1, 100))
    on_shift = Boolean()
    hours = hours_field()


class TechnicianOut(Schema):
    id = Integer()
    user_id = Integer()
    name = String()
    email = String()
    phone = String(allow_none=True)
    skills = List(String())
    on_shift = Boolean()
    active = Boolean()
    location = Nested(PointAt, allow_none=True, metadata={"description": "last known position"})
    home = Nested(Point)
    open_jobs = Integer()
    max_open_jobs = Integer()
    hours = Dict(allow_none=True, metadata={"description": "working hours per weekday in TIMEZONE, or null"})


class TechnicianQuery(PageQuery):
    on_shift = Boolean()
    skill = skill_text(metadata={"description": "a skill code or name"})
    q = String(validate=Length(max=200))


class LocationIn(Point):
    accuracy_m = Float(validate=Range(0, 100_000), allow_none=True)
    recorded_at = Timestamp(allow_none=True)


class ShiftIn(Schema):
    on_shift = Boolean(required=True)


# ---- customers ---------------------------------------------------------------------------------


class CustomerIn(Schema):
    name = name_text(200, required=True)
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


class CustomerPatch(Schema):
    """Only the fields given change; a contact given as null is cleared."""

    name = name_text(200)
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
    q = String(validate=Length(max=200), metadata={"description": "name, phone (however typed) or email"})


class CustomerMatchQuery(Schema):
    name = text(200)
    phone = text(40)


class NewCustomerIn(CustomerIn):
    confirm_new = Boolean(
        load_default=False,
        metadata={"description": "create the customer even though a known one has the same phone or name"},
    )


# ---- work orders -------------------------------------------------------------------------------


class WorkOrderIn(Schema):
    customer_id = Integer(metadata={"description": "an existing customer; or give `customer` instead"})
    customer = Nested(
        NewCustomerIn,
        metadata={
            "description": "a new caller, created with the work order in one transaction; refused (409) when "
            "a known customer has the same phone or name, unless `confirm_new` is true"
        },
    )
    title = name_text(200, required=True)
    description = text(10_000, allow_none=True)
    priority = String(required=True, validate=one_of(PRIORITIES))
    channel = String(required=True, validate=one_of(CHANNELS))
    type = String(load_default="repair", validate=one_of(WORK_ORDER_TYPES), metadata={"description": "kind of case"})
    related_work_order_id = Integer(allow_none=True, metadata={"description": "a complaint: the job it is about"})
    category = String(allow_none=True, validate=one_of(COMPLAINT_CATEGORIES), metadata={"description": "a complaint"})
    asset_id = Integer(
        allow_none=True,
        metadata={
            "description": "the customer's machine the job is about (another customer's: 422); decides `warranty`"
        },
    )
    required_skills = skills_field(load_default=list)
    location = Nested(Point, required=True)
    address = text(500, allow_none=True)
    response_due_at = Timestamp(allow_none=True)
    resolve_due_at = Timestamp(allow_none=True)

    @validates_schema(skip_on_field_errors=False)  # listed with the other missing fields
    def one_customer(self, data, **kwargs):
        if ("customer_id" in data) == ("customer" in data):
            raise ValidationError({"customer_id": ["give customer_id, or a new customer, but not both"]})


class WorkOrderPatch(Schema):
    title = name_text(200)
    description = text(10_000, allow_none=True)
    priority = String(validate=one_of(PRIORITIES))
    channel = String(validate=one_of(CHANNELS))
    required_skills = skills_field()
    location = Nested(Point)
    address = text(500, allow_none=True)
    response_due_at = Timestamp()
    resolve_due_at = Timestamp()
    version = Integer(required=True, metadata={"description": "the version you read; a stale one is 409"})


class WorkOrderQuery(PageQuery):
    status = String(metadata={"description": "one status, or several separated by commas"})
    priority = String(validate=one_of(PRIORITIES))
    channel = String(validate=one_of(CHANNELS))
    type = String(validate=one_of(WORK_ORDER_TYPES))
    technician_id = Integer()
    customer_id = Integer()
    asset_id = Integer(metadata={"description": "the jobs on this asset"})
    overdue = Boolean()
    escalated = Boolean(metadata={"description": "true: escalated by the scheduler (nobody qualified)"})
    q = String(validate=Length(max=200), metadata={"description": "number, title, description or customer"})

    @validates_schema
    def check_statuses(self, data, **kwargs):
        unknown = [s for s in (data.get("status") or "").split(",") if s and s not in STATUSES]
        if unknown:
            raise ValidationError({"status": ["must be one of " + ", ".join(STATUSES)]})


class NotificationQuery(PageQuery):
    unread = Boolean()


class NotificationOut(Schema):
    id = Integer()
    work_order_id = Integer(allow_none=True)
    kind = String(metadata={"description": "assigned (a job given to you) or unassigned (taken away)"})
    message = String()
    details = Dict()
    created_at = Timestamp()
    read_at = Timestamp(allow_none=True)
    by = String(metadata={"description": "who moved the job: dispatcher or scheduler"})
    work_order_number = String(allow_none=True)
    work_order_title = String(allow_none=True)


class CustomerBrief(Schema):
    id = Integer()
    name = String()
    phone = String(allow_none=True)


class TechnicianBrief(Schema):
    id = Integer()
    name = String()


class WorkOrderOut(Schema):
    id = Integer()
    number = String()
    title = String()
    description = String(allow_none=True)
    priority = String()
    channel = String()
    type = String(metadata={"description": "kind of case: " + ", ".join(WORK_ORDER_TYPES)})
    status = String()
    customer = Nested(CustomerBrief)
    location = Nested(Point)
    address = String(allow_none=True)
    required_skills = List(String())
    technician = Nested(TechnicianBrief, allow_none=True)
    created_at = Timestamp()
    assigned_at = Timestamp(allow_none=True)
    accepted_at = Timestamp(allow_none=True)
    departed_at = Timestamp(allow_none=True)
    arrived_at = Timestamp(allow_none=True)
    completed_at = Timestamp(allow_none=True)
    closed_at = Timestamp(allow_none=True)
    escalated_at = Timestamp(
        allow_none=True, metadata={"description": "when the scheduler found nobody qualified (escalated once)"}
    )
    cancelled_at = Timestamp(allow_none=True)
    response_due_at = Timestamp()
    resolve_due_at = Timestamp()
    overdue = Boolean()
    at_risk = Boolean(metadata={"description": "its holder's projected arrival is after response_due_at"})
    resolution = String(allow_none=True)
    first_time_fix = Boolean(allow_none=True)
    reopen_count = Integer()
    resolved_remotely = Boolean(metadata={"description": "completed by resolve_remotely: nobody drove"})
    related_work_order_id = Integer(allow_none=True)
    category = String(allow_none=True)
    root_cause = String(allow_none=True)
    corrective_action = String(allow_none=True)
    customer_contacted_at = Timestamp(allow_none=True)
    planned_order = Integer(allow_none=True, metadata={"description": "its place in an applied day plan's route"})
    planned_at = Timestamp(allow_none=True, metadata={"description": "the applied day plan's arrival time"})
    asset_id = Integer(allow_none=True, metadata={"description": "the machine the job is about"})
    warranty = String(
        metadata={
            "description": "who pays, decided at creation from the asset's dates and kept: in_warranty, "
            "under_contract, out_of_warranty or unknown (no asset, or no dates)"
        }
    )
    repeat_repair = Boolean(
        metadata={
            "description": "三包 repeat: an in-warranty repair of an asset with earlier completed in-warranty repairs"
        }
    )
    earlier_repairs = Integer(metadata={"description": "how many such earlier repairs (from 2: exchange may be due)"})
    allowed_actions = List(String(), metadata={"description": "actions you may take now"})
    version = Integer()


class Actor(Schema):
    kind = String()
    user_id = Integer(allow_none=True)
    name = String(allow_none=True)


class EventOut(Schema):
    id = Integer()
    action = String()
    from_status = String(allow_none=True)
    to_status = String(allow_none=True)
    actor = Nested(Actor)
    details = Dict()
    occurred_at = Timestamp()
    recorded_at = Timestamp()
    technicians = Dict(
        keys=String(),
        values=String(),
        metadata={"description": "names of the technicians the details name by id (technician_id, from_, to_)"},
    )
    deed_flags = List(
        Dict(),
        allow_none=True,
        metadata={
            "description": "why the deed's time or place is doubtful, each {code, ...}: late_without_offline, "
            "before_offline, online_meanwhile, far_from_site, impossible_speed; null when nothing is"
        },
    )


MAX_PART_QTY = 1000  # units of one part on one line: beyond that it is a typing slip, not a repair


class PartIn(Schema):
    sku = text(64, required=True)
    name = name_text(200, required=True)
    qty = Float(
        required=True,
        validate=Range(min=0, min_inclusive=False, max=MAX_PART_QTY),
        metadata={"description": f"more than 0, at most {MAX_PART_QTY} on one line"},
    )


class PartOut(Schema):
    sku = String()
    name = String()
    qty = Float()


class LogIn(Schema):
    kind = String(required=True, validate=one_of(LOG_KINDS))
    text = text(10_000, allow_none=True)
    minutes = Integer(allow_none=True, validate=Range(0, 24 * 60))
    parts = List(Nested(PartIn), validate=Length(max=100))
    occurred_at = Timestamp(allow_none=True)


class LogOut(Schema):
    id = Integer()
    kind = String()
    text = String(allow_none=True)
    minutes = Integer(allow_none=True)
    parts = List(Nested(PartOut))
    author = Nested(TechnicianBrief)
    occurred_at = Timestamp()
    recorded_at = Timestamp()


class AttachmentIn(Schema):
    file = File(required=True)
    occurred_at = Timestamp(allow_none=True)


class AttachmentOut(Schema):
    id = Integer()
    url = String()
    content_type = String()
    size = Integer()
    width = Integer()
    height = Integer()
    sha256 = String()
    occurred_at = Timestamp()


class AttachmentFileQuery(Schema):
    original = Boolean(
        load_default=False,
        metadata={"description": "true: the photo as uploaded; by default a copy scaled for screens when it is large"},
    )


class SignoffIn(Schema):
    signer_name = name_text(120, required=True)
    signature = String(required=True, validate=Length(min=1, max=800_000))
    rating = Integer(allow_none=True, validate=Range(1, 5))
    comment = text(2000, allow_none=True)
    location = Nested(Point, allow_none=True, metadata={"description": "the device's position at signing"})
    occurred_at = Timestamp(allow_none=True)


class AnswererOut(Schema):
    address = String(allow_none=True)
    user_agent = String(allow_none=True)
    staff_user_id = Integer(allow_none=True, metadata={"description": "the staff session the browser held"})


class SignoffOut(Schema):
    id = Integer()
    method = String()
    accepted = Boolean()
    signer_name = String()
    rating = Integer(allow_none=True)
    comment = String(allow_none=True)
    location = Nested(Point, allow_none=True)
    signature_url = String(allow_none=True)
    record_hash = String()
    record_valid = Boolean(metadata={"description": "the record hash still matches the current record"})
    signed_at = Timestamp()
    recorded_at = Timestamp()
    answered_from = Nested(AnswererOut, metadata={"description": "what the server saw of whoever answered"})
    distance_km = Float(allow_none=True, metadata={"description": "from the site, for a signature on the phone"})
    flags = List(
        String(),
        metadata={
            "description": "why the answer looks given by staff: staff_session (the link was answered in a "
            "browser signed in to OnSite), own_technician (as the job's own technician), away_from_site "
            "(signed on the phone more than 0.5 km from the site). Flagged answers are left out of csat_avg."
        },
    )


class EarlierVisitOut(Schema):
    id = Integer()
    number = String()
    title = String()
    status = String()
    created_at = Timestamp()
    completed_at = Timestamp(allow_none=True)
    resolution = String(allow_none=True)
    technician_name = String(allow_none=True)


class WorkOrderDetail(WorkOrderOut):
    earlier_visits = List(
        Nested(EarlierVisitOut),
        metadata={"description": "the customer's ten latest other work orders created before this one"},
    )
    events = List(Nested(EventOut))
    logs = List(Nested(LogOut))
    attachments = List(Nested(AttachmentOut))
    signoff = Nested(SignoffOut, allow_none=True)
    signoffs = List(Nested(SignoffOut))
    tracking_url = String(metadata={"description": "the customer's tracking page (/t/<token>), to pass on to them"})
    asset = Dict(
        allow_none=True,
        metadata={
            "description": "the job's machine: {id, model, serial, place, label_token} (label_token: its history "
            "through GET /api/v1/assets/by-label/{token}); null without one"
        },
    )


class DevicePosition(Point):
    accuracy_m = Float(validate=Range(0, 100_000), allow_none=True)


class ActionIn(Schema):
    technician_id = Integer(metadata={"description": "assign"})
    reason = text(1000, allow_none=True, metadata={"description": "decline, pause, reopen, cancel"})
    resolution = text(10_000, allow_none=True, metadata={"description": "complete, resolve_remotely"})
    root_cause = text(10_000, allow_none=True, metadata={"description": "completing a complaint"})
    corrective_action = text(10_000, allow_none=True, metadata={"description": "completing a complaint"})
    customer_contacted_at = Timestamp(allow_none=True, metadata={"description": "completing a complaint"})
    first_time_fix = Boolean(allow_none=True, metadata={"description": "complete"})
    occurred_at = Timestamp(allow_none=True, metadata={"description": "when it happened, device clock"})
    version = Integer(allow_none=True, metadata={"description": "if given, a stale version is 409"})
    location = Nested(
        DevicePosition,
        allow_none=True,
        metadata={"description": "arrive: the device's position (an arrival far from the site is flagged)"},
    )


class AssignIn(Schema):
    technician_id = Integer(required=True)
    reason = text(1000, allow_none=True)
    version = Integer(allow_none=True)


class CandidateOut(Schema):
    technician = Nested(TechnicianOut)
    distance_km = Float()
    eta_minutes = Integer()
    open_jobs = Integer()
    skills_missing = List(String())
    qualified = Boolean(metadata={"description": "every required skill and room under max_open_jobs"})
    score = Float()
    position_source = String(
        metadata={"description": "site (at a visit in hand), last (a recent location ping) or home"}
    )
    arrival_at = Timestamp(metadata={"description": "projected arrival: the visit in hand, the queue, the drive"})
    queue_ahead = Integer(metadata={"description": "jobs they would do before this one"})
    meets_deadline = Boolean(metadata={"description": "arrival_at is no later than response_due_at"})
    within_hours = Boolean(metadata={"description": "arrives before their working hours end (or has no hours)"})


class ConfirmationLinkOut(Schema):
    url = String()
    expires_at = Timestamp()


# ---- customer confirmation ---------------------------------------------------------------------


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


# ---- reports and health ------------------------------------------------------------------------


class KpiQuery(Schema):
    from_ = Timestamp(
        data_key="from", attribute="from", metadata={"description": "start (inclusive); default 30 days ago"}
    )
    to = Timestamp(metadata={"description": "end (exclusive); default now"})
    clock = String(
        load_default="deed",
        validate=OneOf(["deed", "received"]),
        metadata={"description": "deed: each deed at the time the device gave it (default); received: as received"},
    )


class KpiBreakdownQuery(KpiQuery):
    by = String(
        load_default="technician",
        validate=OneOf(GROUPS),
        metadata={"description": "technician, priority or day"},
    )


class KpiFigures(Schema):
    """The twelve figures (see the endpoint's description for their definitions)."""

    created = Integer()
    completed = Integer()
    closed = Integer()
    avg_response_minutes = Float(allow_none=True)
    avg_resolution_minutes = Float(allow_none=True)
    response_sla_met_pct = Float(allow_none=True)
    resolution_sla_met_pct = Float(allow_none=True)
    first_time_fix_rate = Float(allow_none=True)
    repeat_visit_rate = Float(allow_none=True)
    csat_avg = Float(allow_none=True)
    complaint_rate = Float(allow_none=True)
    reassigned = Integer()
    late_deeds = Integer()
    flagged_deeds = Integer()
    mean_gap_minutes = Float(allow_none=True)
    flagged_answers = Integer()
    remote_resolution_rate = Float(allow_none=True)
    complaints = Integer()
    complaints_closed_in_time_pct = Float(allow_none=True)
    repeat_repairs = Integer()
    follow_ups_done_pct = Float(allow_none=True)
    follow_up_satisfaction_avg = Float(allow_none=True)
    quality_score = Float(allow_none=True)


class KpisOut(KpiFigures):
    from_ = Timestamp(data_key="from", attribute="from")
    to = Timestamp()
    clock = String()


class HealthOut(Schema):
    status = String()
    database = String()


class WorkflowActionOut(Schema):
    name = String()
    roles = List(String(), metadata={"description": "'technician' means the technician assigned to the job"})
    from_statuses = List(String())
    to_status = String()
    required = List(String(), metadata={"description": "fields the action's body must carry"})


class WorkflowActivityOut(Schema):
    name = String(metadata={"description": "log, attach, signoff, confirmation_link, update, candidates"})
    roles = List(String())
    statuses = List(String())


class MetaOut(Schema):
    actions = List(Nested(WorkflowActionOut))
    activities = List(Nested(WorkflowActivityOut))
    average_speed_kmh = Float()
    accept_timeout_minutes = Dict(keys=String(), values=Integer())
    location_fresh_minutes = Integer(
        metadata={"description": "a position older than this counts as absent: the app pings well within it"}
    )
    sla_policy = Dict(metadata={"description": "priority -> {respond, resolve} in minutes"})
    sla_clock = Dict(
        keys=String(),
        values=List(String()),
        metadata={"description": "respond / resolve -> the statuses in which that due time is the one counting down"},
    )
    map_tile_url = String(allow_none=True, metadata={"description": "XYZ tile URL template; null: no tiles"})
    map_attribution = String()


class KpiRowOut(KpiFigures):
    key = String(allow_none=True, metadata={"description": "technician id, priority or day (YYYY-MM-DD)"})
    label = String(allow_none=True, metadata={"description": "technician name, priority or day"})


class KpiBreakdownOut(Schema):
    from_ = Timestamp(data_key="from", attribute="from")
    to = Timestamp()
    by = String()
    clock = String()
    rows = List(Nested(KpiRowOut))


class LiveEventQuery(Schema):
    after = Integer(validate=Range(min=0), metadata={"description": "the last event id you have"})


class LiveEventOut(Schema):
    id = Integer()
    work_order_id = Integer()
    number = String()
    action = String()
    to_status = String(allow_none=True)
    occurred_at = Timestamp()


class LiveEventPage(Schema):
    items = List(Nested(LiveEventOut))
    last_id = Integer(metadata={"description": "send it back as `after` next time"})


class RefusalIn(Schema):
    status = Integer(allow_none=True, validate=Range(100, 599))
    code = text(50, allow_none=True)
    message = text(1000, allow_none=True)


class RefusedParamsIn(Schema):
    """What an action or a sign-off carried: the words a technician typed are kept."""

    reason = text(1000, allow_none=True)
    resolution = text(10_000, allow_none=True)
    first_time_fix = Boolean(allow_none=True)
    signer_name = text(120, allow_none=True)
    rating = Integer(allow_none=True, validate=Range(1, 5))
    comment = text(2000, allow_none=True)


REFUSED_KINDS = tuple(kind for kind in FORWARDED_CHANGES if kind != "photo")  # a photo has its own endpoint


class RefusedChangeIn(Schema):
    kind = String(required=True, validate=one_of(REFUSED_KINDS), metadata={"description": "what was refused"})
    minutes = Integer(allow_none=True, validate=Range(0, 24 * 60))
    parts = List(Nested(PartIn), validate=Length(max=100), metadata={"description": "part"})
    action = text(40, allow_none=True, metadata={"description": "action: its name (arrive, complete ...)"})
    params = Nested(RefusedParamsIn, allow_none=True, metadata={"description": "action, signoff"})
    idempotency_key = text(200, allow_none=True, metadata={"description": "the refused request's key"})
    occurred_at = Timestamp(allow_none=True, metadata={"description": "when it was done (device clock)"})
    refusal = Nested(RefusalIn, allow_none=True, metadata={"description": "the server's refusal"})
    text = text(10_000, allow_none=True, metadata={"description": "note, fix"})  # last: it shadows text()


class RefusedPhotoIn(Schema):
    file = File(required=True)
    idempotency_key = text(200, allow_none=True)
    occurred_at = Timestamp(allow_none=True)
    refusal_status = Integer(allow_none=True, validate=Range(100, 599))
    refusal_message = text(1000, allow_none=True)


class ForwardedOut(Schema):
    event = Nested(EventOut)
    attachment = Nested(AttachmentOut, allow_none=True)


class ReadAllIn(Schema):
    up_to_id = Integer(
        validate=Range(min=0),
        metadata={"description": "the newest notification shown: later ones stay unread (a replayed tap)"},
    )


class ReadAllOut(Schema):
    marked = Integer(metadata={"description": "how many notifications were unread and are read now"})
