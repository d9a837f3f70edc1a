"""The customer's sign-off: on the technician's device or through a signed, single-use link.

Each sign-off keeps a SHA-256 over the work order's completion record as it stood at signing,
so that any later change to the record (logs, photos, resolution) shows as a mismatch.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Attachment, ConfirmationLink, Log, Signoff, WorkOrder
from .actors import Actor
from .charges import frozen_record
from .errors import Gone, NotFound, ValidationFailed
from .follow_ups import FollowUpPolicy, after_customer_answer
from .geo import distance_km
from .timing import deed_time, utc_text
from .workflow import apply, check_activity, last_event_at, record_event

SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_PREFIX = "data:image/png;base64,"
DISPUTE_REASON = "The customer reported that the problem is not solved."
# A signature given on the phone farther than this from the site was not given at the site.
SIGNED_AWAY_KM = 0.5


@dataclass(frozen=True)
class Answerer:
    """What the server knows of whoever answered: the request's address and browser, and the staff
    user whose session that browser held, if any (the signed token is the credential; a session
    beside it means someone of ours had the customer's link open)."""

    address: str | None = None
    user_agent: str | None = None
    staff_user_id: int | None = None


def _answer_flags(wo: WorkOrder, method: str, answerer: Answerer, distance: float | None) -> list[str]:
    """What makes an answer look given by staff rather than the customer."""
    flags = []
    if method == "link" and answerer.staff_user_id is not None:
        flags.append("staff_session")
        if wo.technician is not None and wo.technician.user_id == answerer.staff_user_id:
            flags.append("own_technician")
    if distance is not None and distance > SIGNED_AWAY_KM:
        flags.append("away_from_site")
    return flags


def completion_record(session: Session, wo: WorkOrder) -> dict:
    """What the customer signs for: the resolution, the logs with parts, the photos' hashes, and a
    chargeable job's charges as frozen at completion. The `charges` key is there only when the job
    has frozen charges, so the record of every other job (and every hash stored before charges
    existed) is byte for byte what it was."""
    logs = session.scalars(select(Log).where(Log.work_order_id == wo.id).order_by(Log.occurred_at, Log.id)).all()
    photo_hashes = session.scalars(
        select(Attachment.sha256).where(Attachment.work_order_id == wo.id).order_by(Attachment.id)
    ).all()
    return record_of(wo, logs, photo_hashes, frozen_record(session, wo))


def record_of(wo, logs, photo_hashes, charges: dict | None = None) -> dict:
    """The completion record of a job from what `completion_record` reads: its logs (in time order,
    each with its `parts`), its photos' hashes and its frozen charges. The demo seeding signs its
    closed jobs with it from rows not yet inserted."""
    record = {
        "number": wo.number,
        "title": wo.title,
        "customer_id": wo.customer_id,
        "technician_id": wo.technician_id,
        "arrived_at": wo.arrived_at,
        "completed_at": wo.completed_at,
        "resolution": wo.resolution,
        "first_time_fix": wo.first_time_fix,
        "logs": [
            {
                "kind": log.kind,
                "text": log.text,
                "minutes": log.minutes,
                "occurred_at": log.occurred_at,
                "parts": [{"sku": p.sku, "name": p.name, "qty": float(p.qty)} for p in log.parts],
            }
            for log in logs
        ],
        "attachments": list(photo_hashes),
    }
    if charges is not None:
        record["charges"] = charges
    return record


def record_hash(record: dict, write_time=utc_text) -> str:
    """SHA-256 of the record's canonical JSON, its times written by `write_time`: UTC with a `Z`, as
    every time the API writes."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=write_time)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _with_offset(value: datetime) -> str:
    """How the record wrote its times before they had a `Z`: `+00:00` (sign-offs stored then hashed that)."""
    return value.astimezone(UTC).isoformat()


def hash_as_signed(record: dict, signed: str | None = None) -> str:
    """The record's hash now, written as the sign-off whose stored hash is `signed` wrote it: with
    `+00:00` if that is what it signed, so an unchanged record still matches; else with a `Z`."""
    current = record_hash(record)
    if signed is not None and signed != current and record_hash(record, _with_offset) == signed:
        return signed
    return current


def current_record_hash(session: Session, wo: WorkOrder, signed: str | None = None) -> str:
    """The hash of the job's completion record as it stands (see `hash_as_signed` for `signed`)."""
    return hash_as_signed(completion_record(session, wo), signed)


def decode_signature(data_url: str, field: str = "signature") -> bytes:
    """The PNG bytes of a `data:image/png;base64,...` signature, verified to be a real PNG."""
    if not data_url.startswith(SIGNATURE_PREFIX):
        raise ValidationFailed({field: ["must be a data:image/png;base64 URL"]})
    try:
        png = base64.b64decode(data_url[len(SIGNATURE_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed({field: ["is not valid base64"]}) from None
    if len(png) > SIGNATURE_MAX_BYTES:
        raise ValidationFailed({field: [f"must be at most {SIGNATURE_MAX_BYTES // 1024} KB"]})
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise ValidationFailed({field: ["must be a PNG image"]})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed({field: ["is not a readable PNG image"]}) from None
    return png


def _new_signoff(
    session: Session, wo: WorkOrder, method: str, accepted: bool, data: dict, at, now, answerer: Answerer
) -> Signoff:
    png = decode_signature(data["signature"]) if data.get("signature") else None
    location = data.get("location") or {}
    distance = None
    if location:
        distance = round(distance_km((location["lat"], location["lon"]), (wo.lat, wo.lon)), 3)
    signoff = Signoff(
        work_order_id=wo.id,
        method=method,
        accepted=accepted,
        signer_name=data["signer_name"].strip(),
        signature_png=png,
        signature_sha256=hashlib.sha256(png).hexdigest() if png else None,
        rating=data.get("rating"),
        comment=data.get("comment"),
        lat=location.get("lat"),
        lon=location.get("lon"),
        record_hash=current_record_hash(session, wo),
        signed_at=at,
        recorded_at=now,
        client_address=(answerer.address or "")[:64] or None,
        user_agent=(answerer.user_agent or "")[:300] or None,
        staff_user_id=answerer.staff_user_id,
        distance_km=distance,
        flags=_answer_flags(wo, method, answerer, distance),
    )
    session.add(signoff)
    session.flush()
    return signoff


def sign_on_device(
    session: Session,
    wo: WorkOrder,
    actor: Actor,
    now: datetime,
    data: dict,
    occurred_at: datetime | None = None,
    answerer: Answerer = Answerer(),
    offline_since: datetime | None = None,
    follow_up_policy: FollowUpPolicy | None = None,
) -> Signoff:
    """The customer signs on the technician's phone; the work order closes. `offline_since`: when
    the replaying phone lost the network (the time of the deed is checked against it: plausibility.py).
    With `follow_up_policy`, the job gets its follow-up call when the policy calls for one."""
    check_activity("signoff", wo, actor)
    if not data.get("signature"):
        raise ValidationFailed({"signature": ["is required"]})
    at = deed_time(occurred_at, now, last_event_at(session, wo))
    signoff = _new_signoff(session, wo, "device", True, data, at, now, answerer)
    apply(
        session,
        wo,
        "close",
        Actor.system(on_behalf_of=actor.user),
        now,
        occurred_at=at,
        offline_since=offline_since,
        via="device",
        signoff_id=signoff.id,
        signer_name=signoff.signer_name,
        rating=signoff.rating,
    )
    if follow_up_policy is not None:
        after_customer_answer(session, signoff, follow_up_policy, now)
    return signoff


def link_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="onsite.confirmation-link")


def create_confirmation_link(
    session: Session, wo: WorkOrder, actor: Actor, now: datetime, *, days: int, serializer: URLSafeSerializer
) -> tuple[ConfirmationLink, str]:
    """A signed, single-use link for the customer; returns the link row and its token."""
    check_activity("confirmation_link", wo, actor)
    link = ConfirmationLink(
        work_order_id=wo.id,
        nonce=secrets.token_urlsafe(16),
        created_by_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=days),
        completed_at=wo.completed_at,
    )
    session.add(link)
    session.flush()
    details = {"link_id": link.id, "expires_at": utc_text(link.expires_at)}
    record_event(session, wo, "confirmation_link_created", actor, at=now, now=now, details=details)
    return link, serializer.dumps({"l": link.id, "n": link.nonce})


def resolve_link(session: Session, token: str, serializer: URLSafeSerializer, now: datetime) -> ConfirmationLink:
    """The link a token names: 404 when altered or unknown, 410 when used, expired or moot."""
    try:
        payload = serializer.loads(token)
        link = session.get(ConfirmationLink, int(payload["l"]))
        nonce = payload["n"]
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("This confirmation link is not valid.") from None
    if link is None or not secrets.compare_digest(link.nonce, str(nonce)):
        raise NotFound("This confirmation link is not valid.")
    if link.used_at is not None:
        raise Gone("This confirmation link has already been used.", "used")
    if now >= link.expires_at:
        raise Gone("This confirmation link has expired.", "expired")
    if link.work_order.status != "completed" or link.completed_at != link.work_order.completed_at:
        raise Gone("This job is no longer waiting for confirmation.", "moot")
    return link


def confirm_via_link(
    session: Session,
    token: str,
    serializer: URLSafeSerializer,
    now: datetime,
    data: dict,
    sla_policy: dict,
    answerer: Answerer = Answerer(),
    follow_up_policy: FollowUpPolicy | None = None,
) -> Signoff:
    """The customer's answer through the link: accepted closes the job, a dispute reopens it (either
    may open a follow-up call, with `follow_up_policy`)."""
    link = resolve_link(session, token, serializer, now)
    # Claim the link in the database, so that two simultaneous answers cannot both count.
    claimed = session.execute(
        update(ConfirmationLink)
        .where(ConfirmationLink.id == link.id, ConfirmationLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:
        raise Gone("This confirmation link has already been used.", "used")
    wo = link.work_order
    accepted = data["accepted"]
    signoff = _new_signoff(session, wo, "link", accepted, data, now, now, answerer)
    common = {"via": "link", "signoff_id": signoff.id, "signer_name": signoff.signer_name}
    if accepted:
        apply(session, wo, "close", Actor.system(), now, rating=signoff.rating, **common)
    else:
        reason = (data.get("comment") or "").strip() or DISPUTE_REASON
        apply(
            session, wo, "reopen", Actor.customer(), now, reason=reason, dispute=True, sla_policy=sla_policy, **common
        )
    if follow_up_policy is not None:
        after_customer_answer(session, signoff, follow_up_policy, now)
    return signoff
