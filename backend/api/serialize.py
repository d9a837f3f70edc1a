"""Models to the plain dicts the response schemas dump (the schemas format and document them)."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..domain.actors import Actor
from ..domain.assets import label_token
from ..domain.dispatch import Candidate
from ..domain.signoff import current_record_hash
from ..domain.sla import is_overdue
from ..domain.work_orders import HOLDER_KEYS
from ..domain.workflow import STAFF, allowed_actions
from ..extensions import db
from ..models import Asset, Attachment, Customer, Event, Log, Signoff, Technician, User, WorkOrder
from .common import now, technician_names
from .schemas import utc_text


def point(lat, lon) -> dict | None:
    return None if lat is None else {"lat": lat, "lon": lon}


def user_dict(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role, "active": user.active}


def technician_dict(technician: Technician, open_jobs: int) -> dict:
    location = point(technician.last_lat, technician.last_lon)
    if location is not None:
        location["at"] = technician.last_location_at
    return {
        "id": technician.id,
        "user_id": technician.user_id,
        "name": technician.user.name,
        "email": technician.user.email,
        "phone": technician.phone,
        "skills": technician.skills or [],
        "on_shift": technician.on_shift,
        "active": technician.user.active,
        "location": location,
        "home": point(technician.home_lat, technician.home_lon),
        "open_jobs": open_jobs,
        "max_open_jobs": technician.max_open_jobs,
        "hours": technician.hours,
    }


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


def work_order_dict(wo: WorkOrder, actor: Actor) -> dict:
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


def work_order_json(wo: WorkOrder, actor: Actor) -> dict:
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


def work_order_detail(wo: WorkOrder, actor: Actor) -> dict:
    """The work order with its whole timeline, logs, photos and sign-offs."""
    session = db.session
    body = work_order_dict(wo, actor)
    events = session.scalars(
        select(Event)
        .where(Event.work_order_id == wo.id)
        .options(selectinload(Event.actor_user))
        .order_by(Event.occurred_at, Event.id)
    ).all()
    logs = session.scalars(
        select(Log)
        .where(Log.work_order_id == wo.id)
        .options(selectinload(Log.author))
        .order_by(Log.occurred_at, Log.id)
    ).all()
    attachments = session.scalars(
        select(Attachment).where(Attachment.work_order_id == wo.id).order_by(Attachment.id)
    ).all()
    signoffs = session.scalars(select(Signoff).where(Signoff.work_order_id == wo.id).order_by(Signoff.id)).all()
    current_hash = current_record_hash(session, wo)
    earlier = session.scalars(
        select(WorkOrder)
        .where(WorkOrder.customer_id == wo.customer_id, WorkOrder.id != wo.id, WorkOrder.created_at <= wo.created_at)
        .options(selectinload(WorkOrder.technician).selectinload(Technician.user))
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(EARLIER_VISITS)
    ).all()
    signoff_dicts = [signoff_dict(s, current_hash, staff=actor.role in STAFF) for s in signoffs]
    accepted = [s for s in signoff_dicts if s["accepted"]]
    body.update(
        earlier_visits=[earlier_visit_dict(visit) for visit in earlier],
        events=event_dicts(events),
        logs=[log_dict(log) for log in logs],
        attachments=[attachment_dict(a) for a in attachments],
        signoffs=signoff_dicts,
        signoff=accepted[-1] if accepted and wo.status == "closed" else None,
        asset=job_asset_dict(session.get(Asset, wo.asset_id)) if wo.asset_id else None,
    )
    return body


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
