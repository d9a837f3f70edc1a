"""Taking in, changing and recording work on work orders (everything but status changes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Attachment, Customer, Event, Log, LogPart, WorkOrder
from .actors import Actor
from .assets import DEFAULT_TIMEZONE, equipment_at_intake
from .calendar import sla_calendar
from .directory import create_customer, likely_customers
from .errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from .parts import consume_logged_parts
from .sla import due_times
from .timing import deed_time, utc_text
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


def _intake_customer(session: Session, data: dict) -> tuple[Customer, bool]:
    """The customer of a new request: an existing one by id, or a new caller created in the same
    transaction as the work order (so a refused work order leaves no customer behind). A new caller
    who looks like a known customer (same phone, or same name) is refused unless the desk confirmed
    that they are someone else: one customer, one history. Returns (customer, whether it is new)."""
    if data.get("customer_id") is not None:
        customer = session.get(Customer, data["customer_id"])
        if customer is None:
            raise ValidationFailed({"customer_id": ["no customer with this id"]})
        return customer, False
    new = data["customer"]
    if not new.get("confirm_new"):
        matches = likely_customers(session, name=new["name"], phone=new.get("phone"))
        if matches:
            known = ", ".join(f"{c.name} (#{c.id}{', ' + c.phone if c.phone else ''})" for c in matches)
            raise Conflict(
                f"This caller may already be a customer: {known}. Pick them, or confirm that this is a new customer."
            )
    return create_customer(session, new), True


def _complaint_fields(session: Session, data: dict) -> dict:
    """A complaint's `related_work_order_id` (an existing job) and `category`; other kinds have neither."""
    fields = {name: data.get(name) for name in ("related_work_order_id", "category") if data.get(name) is not None}
    if fields and data.get("type", "repair") != "complaint":
        raise ValidationFailed({name: ["only a complaint has this"] for name in fields})
    related = fields.get("related_work_order_id")
    if related is not None and session.get(WorkOrder, related) is None:
        raise ValidationFailed({"related_work_order_id": ["no work order with this id"]})
    return fields


def create_work_order(
    session: Session, actor: Actor, now: datetime, data: dict, sla_policy: dict, timezone: str = DEFAULT_TIMEZONE
) -> WorkOrder:
    """Take in a request: due times come from the SLA policy of its type and priority unless given.
    A job on an asset records who pays and the 三包 repeat flag as they stand now, on the day of
    intake in `timezone` (domain/assets.py)."""
    kind = data.get("type") or "repair"
    complaint = _complaint_fields(session, data)
    customer, new_customer = _intake_customer(session, data)
    equipment = equipment_at_intake(session, customer, data.get("asset_id"), kind, now, timezone)
    calendar = sla_calendar(session, sla_policy)
    response_due, resolve_due = due_times(data["priority"], now, sla_policy, calendar, kind)
    wo = WorkOrder(
        customer=customer,
        title=data["title"],
        description=data.get("description"),
        priority=data["priority"],
        channel=data["channel"],
        type=kind,
        **complaint,
        **equipment,
        status="new",
        required_skills=sorted(set(data.get("required_skills") or [])),
        lat=data["location"]["lat"],
        lon=data["location"]["lon"],
        address=data.get("address") or customer.address,
        created_by_id=actor.user_id,
        created_at=now,
        response_due_at=data.get("response_due_at") or response_due,
        resolve_due_at=data.get("resolve_due_at") or resolve_due,
        window_from=data.get("window_from"),
        window_to=data.get("window_to"),
        version=1,
    )
    _check_due_order(wo.response_due_at, wo.resolve_due_at)
    session.add(wo)
    session.flush()  # the id makes the number and anchors the first event
    details = {
        "channel": wo.channel,
        "priority": wo.priority,
        "type": wo.type,
        "response_due_at": utc_text(wo.response_due_at),
    }
    if new_customer:
        details["new_customer_id"] = customer.id
    if wo.window_from or wo.window_to:
        details["window"] = {"from": _jsonable(wo.window_from), "to": _jsonable(wo.window_to)}
    if equipment["asset_id"] is not None:
        details.update(equipment)
    details.update(data.get("origin") or {})  # who made it, when not a person (e.g. a maintenance plan)
    record_event(session, wo, "created", actor, at=now, now=now, details=details, to_status="new", bump_version=False)
    return wo


def _jsonable(value):
    return utc_text(value) if isinstance(value, datetime) else value


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
        calendar = sla_calendar(session, sla_policy)
        response_due, resolve_due = due_times(changes["priority"], wo.created_at, sla_policy, calendar, wo.type)
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


# Work may start before the job is typed in (a walk-in, a call taken after the visit began).
TIME_LOGGED_GRACE_MINUTES = 120


def _check_time_logged(session: Session, wo: WorkOrder, minutes: int, at: datetime) -> None:
    """Nobody works on a job longer than it has existed: the time logged on it, with this log,
    stays within the minutes since it was taken in (plus a grace), so 480 hours logged in seconds
    is refused as the slip (or the padding) it is."""
    if not minutes:
        return
    logged = session.scalar(select(func.coalesce(func.sum(Log.minutes), 0)).where(Log.work_order_id == wo.id))
    possible = int((at - wo.created_at).total_seconds() // 60) + TIME_LOGGED_GRACE_MINUTES
    if logged + minutes > possible:
        room = max(possible - logged, 0)
        raise ValidationFailed(
            {"minutes": [f"more than the job has existed: at most {room} more minutes can be logged on it by now"]}
        )


def add_log(
    session: Session,
    wo: WorkOrder,
    actor: Actor,
    now: datetime,
    data: dict,
    occurred_at: datetime | None = None,
    offline_since: datetime | None = None,
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
    _check_time_logged(session, wo, data.get("minutes") or 0, at)
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
    # The parts leave the technician's van in this transaction (domain/parts.py), offline replays too.
    details.update({f"stock_{flag}": skus for flag, skus in consume_logged_parts(session, wo, log, actor, now).items()})
    record_event(session, wo, "log_added", actor, at=at, now=now, details=details, offline_since=offline_since)
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
    display_name: str | None = None  # a downscaled copy for screens, when the original is large
    display_content_type: str | None = None


def add_attachment(
    session: Session,
    wo: WorkOrder,
    actor: Actor,
    now: datetime,
    image: CheckedImage,
    occurred_at: datetime | None = None,
    offline_since: datetime | None = None,
) -> Attachment:
    """Attach a verified photo to the job."""
    check_activity("attach", wo, actor)
    at = deed_time(occurred_at, now, last_event_at(session, wo))
    attachment = _new_attachment(session, wo, actor, image, at, now)
    details = {"attachment_id": attachment.id, "content_type": image.content_type, "size": image.size}
    record_event(session, wo, "attachment_added", actor, at=at, now=now, details=details, offline_since=offline_since)
    return attachment


# Refused changes: work a technician did offline on a job taken from them meanwhile. The server
# refused it (the job is no longer theirs), but what they typed or photographed is still worth
# having: forwarding records it on the job's timeline, for the dispatcher, without applying it.
FORWARDED_CHANGES = ("note", "fix", "part", "action", "signoff", "photo")
SIGNED_OR_ENDED = ("closed", "cancelled")
# The event details that name a technician as the job's holder: assign (technician_id,
# from_technician_id), the scheduler's auto_reassigned (from_/to_technician_id), decline and
# reopen (technician_id, the one who held it).
HOLDER_KEYS = ("technician_id", "from_technician_id", "to_technician_id")


def ever_held(session: Session, wo: WorkOrder, technician_id: int) -> bool:
    """Whether the technician holds the job now or any event of its timeline names them as its holder."""
    if wo.technician_id == technician_id:
        return True
    all_details = session.scalars(select(Event.details).where(Event.work_order_id == wo.id))
    return any(technician_id in (details.get(key) for key in HOLDER_KEYS) for details in all_details if details)


def check_may_forward(session: Session, wo: WorkOrder, actor: Actor) -> None:
    """Only a technician who held the job may forward to it; to anyone else it does not exist (404)."""
    technician = actor.user.technician if actor.role == "technician" and actor.user else None
    if technician is None or not ever_held(session, wo, technician.id):
        raise NotFound(f"Work order {wo.id} not found.")


def _forwarded_content(change: dict) -> dict:
    """The refused change's content as the event keeps it, after checking it says something."""
    kind = change["kind"]
    text = (change.get("text") or "").strip() or None
    parts = change.get("parts") or []
    params = {k: v for k, v in (change.get("params") or {}).items() if v not in (None, "")}
    if kind in ("note", "fix") and not text:
        raise ValidationFailed({"text": [f"is required for a {kind}"]})
    if kind == "part" and not parts:
        raise ValidationFailed({"parts": ["list at least one part"]})
    if kind == "action" and not change.get("action"):
        raise ValidationFailed({"action": ["is required for an action"]})
    content = {"kind": kind, "text": text, "minutes": change.get("minutes"), "parts": parts}
    content.update(action=change.get("action"), params=params)
    return {key: value for key, value in content.items() if value not in (None, [], {})}


def forward_refused_change(
    session: Session,
    wo: WorkOrder,
    actor: Actor,
    now: datetime,
    change: dict,
    image: CheckedImage | None = None,
) -> Event:
    """Record a refused change on the job's timeline as `refused_change_forwarded`, applying nothing:
    no log, no status change. A photo is attached (it is the site as the technician saw it); the
    event says it came after a refusal. `change`: kind, text?, minutes?, parts?, action?, params?,
    idempotency_key? (of the refused request), occurred_at? (when it was done), refusal? (the answer)."""
    check_may_forward(session, wo, actor)
    details = _forwarded_content(change)
    if change["kind"] == "photo" and image is None:
        raise ValidationFailed({"file": ["a forwarded photo needs its file"]})
    if image is not None and wo.status in SIGNED_OR_ENDED:
        # A photo would become part of the record the customer signed (its hash would no longer match).
        raise InvalidTransition(
            f"The job is {wo.status}: its record takes no more photos. Keep it and tell the dispatcher."
        )
    if change.get("occurred_at") is not None:
        details["occurred_at"] = utc_text(change["occurred_at"])
    refusal = {k: v for k, v in (change.get("refusal") or {}).items() if v not in (None, "")}
    details.update({"idempotency_key": change.get("idempotency_key"), "refusal": refusal})
    details = {k: v for k, v in details.items() if v}
    at = deed_time(None, now, last_event_at(session, wo))  # the forwarding is now; the deed is in details
    if image is not None:
        details["attachment_id"] = _new_attachment(session, wo, actor, image, at, now).id
    event = record_event(session, wo, "refused_change_forwarded", actor, at=at, now=now, details=details)
    session.flush()  # the event's id, for the answer
    return event


def _new_attachment(
    session: Session, wo: WorkOrder, actor: Actor, image: CheckedImage, at: datetime, now: datetime
) -> Attachment:
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
        display_name=image.display_name,
        display_content_type=image.display_content_type,
        occurred_at=at,
        recorded_at=now,
    )
    session.add(attachment)
    session.flush()
    return attachment
