"""Work orders: intake, edits, the list and the detail with its timeline (events), logs, photos,
sign-offs and earlier visits; actions, candidates, and refused changes forwarded by a phone."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, File, Float, List, Nested
from apiflask.validators import Length, Range
from flask import current_app, url_for
from marshmallow import ValidationError, validates_schema
from sqlalchemy.orm import joinedload

from ...domain import actors
from ...domain.assets import label_token
from ...domain.dispatch import Candidate
from ...domain.sla import is_overdue
from ...domain.timing import utc_text
from ...domain.work_orders import (
    FORWARDED_CHANGES,
    HOLDER_KEYS,
)
from ...domain.workflow import allowed_actions
from ...models import (
    CHANNELS,
    LOG_KINDS,
    PRIORITIES,
    STATUSES,
    Asset,
    Attachment,
    Event,
    Log,
    Signoff,
    Technician,
    WorkOrder,
)
from ...models.work_orders import COMPLAINT_CATEGORIES, WORK_ORDER_TYPES
from ..common import now, technician_names
from .common import Integer, Point, String, Timestamp, name_text, one_of, point, skills_field, text
from .customers import CustomerBrief, CustomerOut, NewCustomerIn
from .lists import PageQuery, page_of, search_text
from .technicians import TechnicianBrief, TechnicianOut, technician_dict


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
    q = search_text("number, title, description or customer")

    @validates_schema
    def check_statuses(self, data, **kwargs):
        unknown = [s for s in (data.get("status") or "").split(",") if s and s not in STATUSES]
        if unknown:
            raise ValidationError({"status": ["must be one of " + ", ".join(STATUSES)]})


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


LIFECYCLE = (
    "created_at",
    "assigned_at",
    "accepted_at",
    "departed_at",
    "arrived_at",
    "completed_at",
    "closed_at",
    "escalated_at",
    "cancelled_at",
    "response_due_at",
    "resolve_due_at",
    "planned_at",  # an applied day plan's arrival time (with planned_order)
    "customer_contacted_at",  # a complaint's closed loop
)


def work_order_dict(wo: WorkOrder, actor: actors.Actor) -> dict:
    technician = wo.technician
    body = {
        "id": wo.id,
        "number": wo.number,
        "title": wo.title,
        "description": wo.description,
        "priority": wo.priority,
        "channel": wo.channel,
        "type": wo.type,
        "status": wo.status,
        "customer": {"id": wo.customer.id, "name": wo.customer.name, "phone": wo.customer.phone},
        "location": point(wo.lat, wo.lon),
        "address": wo.address,
        "required_skills": wo.required_skills or [],
        "technician": {"id": technician.id, "name": technician.user.name} if technician else None,
        "overdue": is_overdue(wo, now(), current_app.config["ACCEPT_TIMEOUT_MINUTES"]),
        "resolution": wo.resolution,
        "first_time_fix": wo.first_time_fix,
        "reopen_count": wo.reopen_count,
        "resolved_remotely": wo.resolved_remotely,
        "related_work_order_id": wo.related_work_order_id,
        "category": wo.category,
        "root_cause": wo.root_cause,
        "corrective_action": wo.corrective_action,
        "planned_order": wo.planned_order,
        "asset_id": wo.asset_id,
        "warranty": wo.warranty,
        "repeat_repair": wo.repeat_repair,
        "earlier_repairs": wo.earlier_repairs,
        "allowed_actions": allowed_actions(wo, actor),
        "version": wo.version,
    }
    body.update({name: getattr(wo, name) for name in LIFECYCLE})
    return body


def work_order_json(wo: WorkOrder, actor: actors.Actor) -> dict:
    """`work_order_dict` with its times already written as `Timestamp` writes them: ready for JSON.

    The work-order list (the board, every phone's job list) sends this as it is instead of dumping
    200 items through marshmallow, which was a third of the board's CPU time. `WorkOrderOut` still
    documents it, and `tests/api/test_work_order_api.py -k writes_each` holds every item equal to
    the same work order as its detail (dumped by the schema) writes it."""
    body = work_order_dict(wo, actor)
    for name in LIFECYCLE:
        if body[name] is not None:
            body[name] = utc_text(body[name])
    return body


def work_order_load_options():
    """Eager loads for lists: the customer, technician and technician's user (each one row per work
    order) joined into the list's own query, never one query per row."""
    return (joinedload(WorkOrder.customer), joinedload(WorkOrder.technician).joinedload(Technician.user))


def _actor_dict(event: Event) -> dict:
    user = event.actor_user
    return {"kind": event.actor_kind, "user_id": event.actor_user_id, "name": user.name if user else None}


def event_dict(event: Event) -> dict:
    return {
        "id": event.id,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": _actor_dict(event),
        "details": event.details or {},
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "deed_flags": event.deed_flags,
    }


def _event_technician_ids(event: Event) -> set[int]:
    details = event.details or {}
    return {details[key] for key in HOLDER_KEYS if isinstance(details.get(key), int)}


def event_dicts(events: list[Event]) -> list[dict]:
    """The timeline's events, each with the names of the technicians its details name by id (one
    query for the whole timeline), so that it reads "assigned to Li Wei" without a roster."""
    names = technician_names(set().union(*map(_event_technician_ids, events)))
    return [
        {**event_dict(e), "technicians": {str(i): names[i] for i in _event_technician_ids(e) if i in names}}
        for e in events
    ]


def log_dict(log: Log) -> dict:
    return {
        "id": log.id,
        "kind": log.kind,
        "text": log.text,
        "minutes": log.minutes,
        "parts": [{"sku": p.sku, "name": p.name, "qty": p.qty} for p in log.parts],
        "author": {"id": log.author_id, "name": log.author.name},
        "occurred_at": log.occurred_at,
        "recorded_at": log.recorded_at,
    }


def attachment_dict(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "url": url_for(
            "work_orders.attachment_file", work_order_id=attachment.work_order_id, attachment_id=attachment.id
        ),
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "sha256": attachment.sha256,
        "occurred_at": attachment.occurred_at,
    }


def signoff_dict(signoff: Signoff, current_hash: str, staff: bool = False) -> dict:
    """A sign-off; who answered (address, browser, flags) only for staff: the technician checked by
    it should not see the customer's address, nor learn what raises a flag."""
    signature_url = None
    if signoff.signature_png is not None:
        signature_url = url_for(
            "work_orders.signature_image", work_order_id=signoff.work_order_id, signoff_id=signoff.id
        )
    return {
        "id": signoff.id,
        "method": signoff.method,
        "accepted": signoff.accepted,
        "signer_name": signoff.signer_name,
        "rating": signoff.rating,
        "comment": signoff.comment,
        "location": point(signoff.lat, signoff.lon),
        "signature_url": signature_url,
        "record_hash": signoff.record_hash,
        "record_valid": signoff.record_hash == current_hash,
        "signed_at": signoff.signed_at,
        "recorded_at": signoff.recorded_at,
    } | (_who_answered(signoff) if staff else {})


def _who_answered(signoff: Signoff) -> dict:
    return {
        "answered_from": {
            "address": signoff.client_address,
            "user_agent": signoff.user_agent,
            "staff_user_id": signoff.staff_user_id,
        },
        "distance_km": signoff.distance_km,
        "flags": signoff.flags or [],
    }


EARLIER_VISITS = 10


def earlier_visit_dict(wo: WorkOrder) -> dict:
    """What a technician needs to know of an earlier job at the site (not its whole record)."""
    return {
        "id": wo.id,
        "number": wo.number,
        "title": wo.title,
        "status": wo.status,
        "created_at": wo.created_at,
        "completed_at": wo.completed_at,
        "resolution": wo.resolution,
        "technician_name": wo.technician.user.name if wo.technician else None,
    }


def job_asset_dict(asset: Asset) -> dict:
    """The machine of a job, as its page shows it; `label_token` opens its history in the technician
    app (`GET /api/v1/assets/by-label/{token}`), as scanning its label would."""
    return {
        "id": asset.id,
        "model": asset.model,
        "serial": asset.serial,
        "place": asset.place,
        "label_token": label_token(asset.id, current_app.config["SECRET_KEY"]),
    }


def candidate_dict(candidate: Candidate) -> dict:
    return {
        "technician": technician_dict(candidate.technician, candidate.open_jobs),
        "qualified": candidate.qualified,
        "distance_km": candidate.distance_km,
        "eta_minutes": candidate.eta_minutes,
        "open_jobs": candidate.open_jobs,
        "skills_missing": candidate.skills_missing,
        "score": candidate.score,
        "position_source": candidate.position.source,
        "arrival_at": candidate.arrival_at,
        "queue_ahead": candidate.queue_ahead,
        "meets_deadline": candidate.meets_deadline,
        "within_hours": candidate.within_hours,
    }


WorkOrderPage = page_of(WorkOrderOut, "WorkOrderPage")


CandidatePage = page_of(CandidateOut, "CandidatePage")


# A customer with their work-order history (here, not in customers.py, which the work order imports).
HISTORY_LIMIT = 100


class CustomerDetail(CustomerOut):
    work_orders = List(Nested(WorkOrderOut), metadata={"description": f"newest first, at most {HISTORY_LIMIT}"})
