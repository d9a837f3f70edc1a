"""The customer portal's rules: sign-in codes, customer sessions, and the customer's requests.

A contact (a phone or an email) asks for a code; the answer is the same whether or not the contact
is known, so the portal tells nobody who our customers are. A code is six digits, kept only as an
HMAC under the app's secret, valid `CODE_VALID`, dead after `MAX_TRIES` wrong tries (each try is
spent before the code is compared, so two guesses racing cannot both slip in) and superseded by the
contact's next code. A session is a row keyed by the SHA-256 of the cookie's token, like a staff
session, but in its own table: it names a contact and, once known, a customer; never a user.
Requests go through the desk's intake (`work_orders.create_work_order`) with channel `portal`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..models import Asset, Attachment, Customer, CustomerSession, PortalCode, WorkOrder
from . import messages
from .actors import Actor
from .directory import create_customer, normalise_email, phone_key
from .errors import DomainError, NotFound, ValidationFailed
from .sessions import delete_long_ended, device_columns, session_id_of
from .work_orders import CheckedImage, _new_attachment, create_work_order
from .workflow import check_activity, record_event

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
MAX_TRIES = 5
KEEP_CODES = timedelta(days=1)  # codes are deleted a day after they were made (the limits look back less)
PORTAL_PRIORITY = "normal"  # the desk triages; a customer does not pick their own priority


class TooManyCodes(DomainError):
    """Codes were asked for this contact or from this address too often (the API answers 429)."""


@dataclass(frozen=True)
class Contact:
    """A phone or an email as the customer typed it, and the key that identifies it however typed."""

    kind: str  # "phone" or "email"
    value: str
    key: str  # "phone:<phone_key>" or "email:<normalised address>"

    @property
    def phone(self) -> str | None:
        return self.value if self.kind == "phone" else None

    @property
    def email(self) -> str | None:
        return self.value if self.kind == "email" else None


def contact_of(phone: str | None, email: str | None) -> Contact:
    """The one contact a request names (422 for none, both, or a phone that is not one)."""
    if bool(phone) == bool(email):
        raise ValidationFailed({"phone": ["give a phone or an email, not both"], "email": ["give a phone or an email"]})
    if phone:
        key = phone_key(phone)
        if key is None or len(key) < 7:
            raise ValidationFailed({"phone": ["is not a phone number"]})
        return Contact("phone", phone.strip(), f"phone:{key}")
    address = normalise_email(email)
    return Contact("email", address, f"email:{address}")


def code_hash(secret_key: str, contact: Contact, code: str) -> str:
    """The stored form of a code: an HMAC under the app's secret, bound to the contact (six digits
    hashed plainly would fall to a million guesses against a copy of the table)."""
    message = f"{contact.key}:{code}".encode()
    return hmac.new(str(secret_key).encode(), message, hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class CodeLimits:
    per_contact: int
    contact_window: timedelta
    per_address: int
    address_window: timedelta


def _codes_since(session: Session, since: datetime, **match) -> int:
    query = select(func.count()).select_from(PortalCode).where(PortalCode.created_at > since)
    for column, value in match.items():
        query = query.where(getattr(PortalCode, column) == value)
    return session.scalar(query)


def issue_code(
    session: Session, contact: Contact, address: str, now: datetime, secret_key: str, limits: CodeLimits
) -> tuple[PortalCode, str]:
    """A new code for `contact` (its earlier ones stop counting: only the latest is checked); the
    row and the code in clear, for the message. Refused (TooManyCodes) past either limit."""
    address = (address or "?")[:64]
    if _codes_since(session, now - limits.contact_window, contact=contact.key) >= limits.per_contact:
        raise TooManyCodes("Too many codes were asked for this contact; wait a while and try again.")
    if _codes_since(session, now - limits.address_window, address=address) >= limits.per_address:
        raise TooManyCodes("Too many codes were asked from this address; wait a while and try again.")
    session.execute(
        delete(PortalCode).where(PortalCode.created_at < now - KEEP_CODES).execution_options(synchronize_session=False)
    )
    code = new_code()
    row = PortalCode(
        contact=contact.key,
        code_hash=code_hash(secret_key, contact, code),
        address=address,
        created_at=now,
        expires_at=now + CODE_VALID,
        attempts=0,
    )
    session.add(row)
    session.flush()
    return row, code


def queue_code_message(
    session: Session, contact: Contact, row: PortalCode, code: str, *, language: str, now: datetime, company: str
):
    """The code to the contact through the outbox (by SMS to a phone, by email to an address), in
    the caller's transaction: it leaves after commit, retried until the provider takes it. Known or
    not, every contact gets the same message (the customer, when known, is noted on it)."""
    return messages.queue_to_contact(
        session,
        channel="sms" if contact.kind == "phone" else "email",
        to=contact.value,
        language=language,
        template="portal_code",
        params={"code": code, "minutes": int(CODE_VALID.total_seconds() // 60)},
        now=now,
        customer=customer_for_contact(session, contact),
        key=f"portal_code:{row.id}",
        company=company,
    )


def latest_code(session: Session, contact: Contact) -> PortalCode | None:
    return session.scalar(
        select(PortalCode)
        .where(PortalCode.contact == contact.key)
        .order_by(PortalCode.created_at.desc(), PortalCode.id.desc())
        .limit(1)
    )


def spend_try(session: Session, contact: Contact, now: datetime) -> int | None:
    """Take one try of the contact's live code before comparing it; answers the code's id, or None
    when there is no live code (none asked, used, expired, or its tries spent). Its own transaction
    in the caller: a wrong code answers 401 and the request's own transaction is rolled back."""
    code = latest_code(session, contact)
    if code is None or code.used_at is not None or now >= code.expires_at or code.attempts >= MAX_TRIES:
        return None
    spent = session.execute(
        update(PortalCode)
        .where(PortalCode.id == code.id, PortalCode.attempts < MAX_TRIES, PortalCode.used_at.is_(None))
        .values(attempts=PortalCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return code.id if spent.rowcount == 1 else None


def redeem(session: Session, code_id: int, contact: Contact, code: str, secret_key: str, now: datetime) -> bool:
    """Whether `code` is the live code `code_id` (whose try was spent); it is used up if so."""
    row = session.get(PortalCode, code_id)
    if row is None or not hmac.compare_digest(row.code_hash, code_hash(secret_key, contact, code)):
        return False
    used = session.execute(
        update(PortalCode)
        .where(PortalCode.id == code_id, PortalCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def customer_for_contact(session: Session, contact: Contact) -> Customer | None:
    """The customer a contact belongs to: by phone with the desk's phone rule (`phone_key`), by email
    as normalised; the oldest record when several match."""
    if contact.kind == "phone":
        column, value = Customer.phone_key, contact.key.removeprefix("phone:")
    else:
        column, value = func.lower(Customer.email), contact.value
    return session.scalar(select(Customer).where(column == value).order_by(Customer.id).limit(1))


# ---- sessions -----------------------------------------------------------------------------------


def open_customer_session(
    session: Session,
    contact: Contact,
    customer: Customer | None,
    *,
    now: datetime,
    lifetime: timedelta,
    user_agent: str,
    address: str | None,
) -> str:
    """A session for the contact on one device; answers the cookie's token. The contact's sessions
    that ended long ago are deleted on the way."""
    delete_long_ended(session, CustomerSession, CustomerSession.contact == contact.key, now)
    token = secrets.token_urlsafe(32)
    session.add(
        CustomerSession(
            id=session_id_of(token),
            contact=contact.key,
            phone=contact.phone,
            email=contact.email,
            customer_id=customer.id if customer else None,
            created_at=now,
            expires_at=now + lifetime,
            **device_columns(user_agent, address),
        )
    )
    return token


def find_customer_session(session: Session, token: str, now: datetime) -> CustomerSession | None:
    row = session.get(CustomerSession, session_id_of(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return row


def end_customer_session(session: Session, row: CustomerSession, now: datetime) -> None:
    row.revoked_at = now


# ---- the customer's record and requests ----------------------------------------------------------

PROFILE_FIELDS = ("name", "phone", "email", "address", "location", "preferred_channel", "language")


def update_profile(session: Session, customer: Customer, changes: dict) -> Customer:
    """The customer changes their own record: name, contact, address, location, preferred channel."""
    for field, value in changes.items():
        if field == "location":
            customer.lat, customer.lon = (value["lat"], value["lon"]) if value else (None, None)
        elif field == "phone":
            customer.phone, customer.phone_key = value, phone_key(value)
        elif field == "email":
            customer.email = normalise_email(value) if value else None
        elif field == "name":
            customer.name = value.strip()
        elif field in PROFILE_FIELDS:  # address, preferred_channel, language
            setattr(customer, field, value)
    if customer.preferred_channel == "sms" and not customer.phone:
        raise ValidationFailed({"preferred_channel": ["sms needs a phone number"]})
    if customer.preferred_channel == "email" and not customer.email:
        raise ValidationFailed({"preferred_channel": ["email needs an email address"]})
    session.flush()
    return customer


def _customer_of(session: Session, cs: CustomerSession, data: dict, language: str = "zh-CN") -> Customer:
    """The session's customer; a contact's first request creates them (`name` required then, their
    messages in `language`) or finds the one their contact matches (another device may have created
    it meanwhile)."""
    if cs.customer is not None:
        return cs.customer
    contact = Contact("phone" if cs.phone else "email", cs.phone or cs.email, cs.contact)
    customer = customer_for_contact(session, contact)
    if customer is None:
        name = (data.get("name") or "").strip()
        if not name:
            raise ValidationFailed({"name": ["is required for your first request"]})
        customer = create_customer(
            session,
            {
                "name": name,
                "phone": cs.phone,
                "email": cs.email,
                "address": data.get("address"),
                "location": data.get("location"),
            },
        )
        customer.preferred_channel = "sms" if cs.phone else "email"  # how they signed in reaches them
        customer.language = language
    cs.customer_id = customer.id
    cs.customer = customer
    return customer


def create_request(
    session: Session, cs: CustomerSession, now: datetime, data: dict, sla_policy: dict, language: str = "zh-CN"
) -> WorkOrder:
    """A request from the customer's own phone, taken in as the desk takes one (SLA, events; the
    caller auto-assigns as for any intake), with channel `portal`. A new customer hears from us in
    `language` (their phone's)."""
    window_from, window_to = data.get("preferred_from"), data.get("preferred_to")
    if window_from and window_to and window_to <= window_from:
        raise ValidationFailed({"preferred_to": ["must be after preferred_from"]})
    if window_to and window_to <= now:
        raise ValidationFailed({"preferred_to": ["must be in the future"]})
    customer = _customer_of(session, cs, data, language)
    location = data.get("location")
    if location is None and customer.lat is not None:
        location = {"lat": customer.lat, "lon": customer.lon}
    if location is None:
        raise ValidationFailed({"location": ["pick the place on the map"]})
    intake = {
        "customer_id": customer.id,
        "title": data["title"],
        "description": data.get("description"),
        "type": data.get("type") or "repair",
        "priority": PORTAL_PRIORITY,
        "channel": "portal",
        "location": location,
        "address": data.get("address"),
        "window_from": window_from,
        "window_to": window_to,
    }
    if data.get("asset_id") is not None:
        intake["asset_id"] = _own_asset(session, customer, data["asset_id"])
    return create_work_order(session, Actor.customer(), now, intake, sla_policy)


def _own_asset(session: Session, customer: Customer, asset_id: int) -> int:
    """One of the customer's own machines (a QR sticker's link names it); another's is refused."""
    asset = session.get(Asset, asset_id)
    if asset is None or asset.customer_id != customer.id:
        raise ValidationFailed({"asset_id": ["not one of your machines"]})
    return asset.id


def own_request(session: Session, cs: CustomerSession, work_order_id: int) -> WorkOrder:
    """One of the customer's own work orders; another's is not found (404), as one that is not."""
    wo = session.get(WorkOrder, work_order_id)
    if wo is None or cs.customer_id is None or wo.customer_id != cs.customer_id:
        raise NotFound(f"Request {work_order_id} not found.")
    return wo


def own_requests_query(cs: CustomerSession):
    """The customer's work orders, newest first (none before their first request)."""
    query = select(WorkOrder).order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
    return query.where(WorkOrder.customer_id == (cs.customer_id or -1))


def add_customer_photo(
    session: Session, cs: CustomerSession, wo: WorkOrder, now: datetime, image: CheckedImage, max_photos: int
):
    """A photo of the problem from the customer, on the job's timeline as `attachment_added`; at most
    `max_photos` from the customer on one request (the job's own quota counts everyone's)."""
    actor = Actor.customer()
    check_activity("customer_photo", wo, actor)
    sent = session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.work_order_id == wo.id, Attachment.uploaded_by_customer_id.is_not(None))
    )
    if sent >= max_photos:
        raise ValidationFailed({"file": [f"a request takes at most {max_photos} photos from you"]})
    attachment = _new_attachment(session, wo, actor, image, now, now)
    attachment.uploaded_by_customer_id = cs.customer_id
    details = {"attachment_id": attachment.id, "content_type": image.content_type, "size": image.size}
    record_event(session, wo, "attachment_added", actor, at=now, now=now, details=details)
    return attachment
