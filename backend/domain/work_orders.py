"""Taking in, changing and recording work on work orders (everything but status changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Attachment, Customer, Log, LogPart, WorkOrder
from .actors import Actor
from .errors import ValidationFailed
from .sla import due_times
from .timing import deed_time
from .workflow import check_activity, check_version, last_event_at, record_event

EDITABLE_FIELDS = (
    "title",
    "description",
    "priority",
    "channel",
    "required_skills",
    "lat",
    "lon",
    "address",
    "response_due_at",
    "resolve_due_at",
)


def _check_due_order(response_due_at: datetime, resolve_due_at: datetime) -> None:
    if resolve_due_at < response_due_at:
        raise ValidationFailed({"resolve_due_at": ["must not be earlier than response_due_at"]})


def create_work_order(session: Session, actor: Actor, now: datetime, data: dict, sla_policy: dict) -> WorkOrder:
    """Take in a request: due times come from the priority's SLA policy unless given."""
    customer = session.get(Customer, data["customer_id"])
    if customer is None:
        raise ValidationFailed({"customer_id": ["no customer with this id"]})
    response_due, resolve_due = due_times(data["priority"], now, sla_policy)
    wo = WorkOrder(
        customer=customer,
        title=data["title"],
        description=data.get("description"),
        priority=data["priority"],
        channel=data["channel"],
        status="new",
        required_skills=sorted(set(data.get("required_skills") or [])),
        lat=data["location"]["lat"],
        lon=data["location"]["lon"],
        address=data.get("address") or customer.address,
        created_by_id=actor.user_id,
        created_at=now,
        response_due_at=data.get("response_due_at") or response_due,
        resolve_due_at=data.get("resolve_due_at") or resolve_due,
        version=1,
    )
    _check_due_order(wo.response_due_at, wo.resolve_due_at)
    session.add(wo)
    session.flush()  # the id makes the number and anchors the first event
    details = {"channel": wo.channel, "priority": wo.priority, "response_due_at": wo.response_due_at.isoformat()}
    record_event(session, wo, "created", actor, at=now, now=now, details=details, to_status="new", bump_version=False)
    return wo


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def update_work_order(
    session: Session, wo: WorkOrder, actor: Actor, now: datetime, changes: dict, version: int, sla_policy: dict
) -> WorkOrder:
    """A dispatcher's edit, refused when `version` is stale.

    A new priority brings its policy's due times unless the edit sets them itself.
    """
    check_activity("update", wo, actor)
    check_version(wo, version)
    changes = dict(changes)
    location = changes.pop("location", None)
    if location:
        changes.update(lat=location["lat"], lon=location["lon"])
    if "required_skills" in changes:
        changes["required_skills"] = sorted(set(changes["required_skills"] or []))
    if "priority" in changes and changes["priority"] != wo.priority:
        response_due, resolve_due = due_times(changes["priority"], wo.created_at, sla_policy)
        changes.setdefault("response_due_at", response_due)
        changes.setdefault("resolve_due_at", resolve_due)
    diff = {
        field: {"from": _jsonable(getattr(wo, field)), "to": _jsonable(value)}
        for field, value in changes.items()
        if field in EDITABLE_FIELDS and getattr(wo, field) != value
    }
    if not diff:
        return wo
    _check_due_order(
        changes.get("response_due_at", wo.response_due_at), changes.get("resolve_due_at", wo.resolve_due_at)
    )
    for field in diff:
        setattr(wo, field, changes[field])
    record_event(session, wo, "updated", actor, at=now, now=now, details={"changes": diff})
    return wo


def add_log(
    session: Session, wo: WorkOrder, actor: Actor, now: datetime, data: dict, occurred_at: datetime | None = None
) -> Log:
    """The technician's note, fix or parts used, with minutes spent."""
    check_activity("log", wo, actor)
    kind, text, parts = data["kind"], (data.get("text") or "").strip() or None, data.get("parts") or []
    if kind in ("note", "fix") and not text:
        raise ValidationFailed({"text": [f"is required for a {kind}"]})
    if kind == "part" and not parts:
        raise ValidationFailed({"parts": ["list at least one part"]})
    if kind != "part" and parts:
        raise ValidationFailed({"parts": ["only a log of kind 'part' lists parts"]})
    at = deed_time(occurred_at, now, last_event_at(session, wo))
    log = Log(
        work_order_id=wo.id,
        author_id=actor.user_id,
        kind=kind,
        text=text,
        minutes=data.get("minutes"),
        occurred_at=at,
        recorded_at=now,
        parts=[LogPart(sku=p["sku"], name=p["name"], qty=p["qty"]) for p in parts],
    )
    session.add(log)
    session.flush()
    details = {"log_id": log.id, "kind": kind, "minutes": log.minutes, "parts": len(parts)}
    record_event(session, wo, "log_added", actor, at=at, now=now, details=details)
    return log


@dataclass(frozen=True)
class CheckedImage:
    """An uploaded image whose bytes were verified, already stored under `stored_name`."""

    stored_name: str
    original_name: str | None
    content_type: str
    size: int
    width: int
    height: int
    sha256: str


def add_attachment(
    session: Session,
    wo: WorkOrder,
    actor: Actor,
    now: datetime,
    image: CheckedImage,
    occurred_at: datetime | None = None,
) -> Attachment:
    """Attach a verified photo to the job."""
    check_activity("attach", wo, actor)
    at = deed_time(occurred_at, now, last_event_at(session, wo))
    attachment = Attachment(
        work_order_id=wo.id,
        uploaded_by_id=actor.user_id,
        stored_name=image.stored_name,
        original_name=image.original_name,
        content_type=image.content_type,
        size=image.size,
        width=image.width,
        height=image.height,
        sha256=image.sha256,
        occurred_at=at,
        recorded_at=now,
    )
    session.add(attachment)
    session.flush()
    details = {"attachment_id": attachment.id, "content_type": image.content_type, "size": image.size}
    record_event(session, wo, "attachment_added", actor, at=at, now=now, details=details)
    return attachment
