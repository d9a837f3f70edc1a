"""People and places: users, technician profiles, customers, and where technicians are."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEntry, Customer, Technician, User, WorkOrder
from .actors import Actor
from .errors import Conflict, ValidationFailed
from .plausibility import jump_flag
from .timing import deed_time
from .workflow import HELD, record_event


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, *, email: str, password: str, role: str, name: str, hash_method: str) -> User:
    """A new login; emails are unique regardless of case."""
    email = normalise_email(email)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise ValidationFailed({"email": ["is already taken"]})
    user = User(email=email, name=name.strip(), role=role, active=True)
    user.set_password(password, hash_method)
    session.add(user)
    return user


def update_user(session: Session, user: User, changes: dict, hash_method: str, *, actor: Actor, now: datetime) -> User:
    """Change a user's details, leaving an audit entry for each change to the login itself (a
    password set by someone else, an email, a role, the account disabled). The last active admin
    cannot be disabled or given another role: nobody could manage users after that. A technician
    who still holds jobs keeps the role until they are given to someone else."""
    stops_being_admin = changes.get("active") is False or changes.get("role", "admin") != "admin"
    if user.role == "admin" and user.active and stops_being_admin:
        others = select(func.count()).select_from(User).where(User.role == "admin", User.active, User.id != user.id)
        if not session.scalar(others):
            raise Conflict("This is the last active admin; make someone else an admin first.")
    role = changes.get("role", user.role)
    if user.role == "technician" and role != "technician":
        _end_technician_profile(session, user)
    audit = _Audit(session, user, actor, now)
    if "email" in changes and normalise_email(changes["email"]) != user.email:
        email = normalise_email(changes["email"])
        if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
            raise ValidationFailed({"email": ["is already taken"]})
        audit.record("email_changed", {"from": user.email, "to": email})
        user.email = email
    if role != user.role:
        audit.record("role_changed", {"from": user.role, "to": role})
    if "active" in changes and changes["active"] != user.active:
        audit.record("reactivated" if changes["active"] else "deactivated", {})
    for field in ("name", "role", "active"):
        if field in changes:
            setattr(user, field, changes[field])
    if changes.get("password"):
        user.set_password(changes["password"], hash_method)
        audit.record("password_changed" if actor.user_id == user.id else "password_reset", {})
    return user


class _Audit:
    def __init__(self, session: Session, target: User, actor: Actor, now: datetime):
        self.session, self.target, self.actor, self.now = session, target, actor, now

    def record(self, action: str, details: dict) -> None:
        self.session.add(
            AuditEntry(
                at=self.now,
                actor_user_id=self.actor.user_id,
                target_user_id=self.target.id,
                action=action,
                details=details,
            )
        )


def _end_technician_profile(session: Session, user: User) -> None:
    """A technician given another role stops being one everywhere: off shift, so no job is offered
    to them, and the technician endpoints no longer reach the account. Their jobs must go first."""
    technician = user.technician
    if technician is None:
        return
    held = session.scalar(
        select(func.count())
        .select_from(WorkOrder)
        .where(WorkOrder.technician_id == technician.id, WorkOrder.status.in_(HELD))
    )
    if held:
        raise Conflict(f"{user.name} still holds {held} open jobs; give them to someone else before changing the role.")
    technician.on_shift = False


def create_technician(session: Session, data: dict, hash_method: str) -> Technician:
    """A technician is a user with the technician role and a profile of skills, home and load limit."""
    user = create_user(
        session,
        email=data["email"],
        password=data["password"],
        role="technician",
        name=data["name"],
        hash_method=hash_method,
    )
    technician = Technician(
        user=user,
        phone=data.get("phone"),
        skills=sorted(set(data.get("skills") or [])),
        home_lat=data["home"]["lat"],
        home_lon=data["home"]["lon"],
        max_open_jobs=data.get("max_open_jobs") or 6,
        on_shift=data.get("on_shift", False),
        hours=data.get("hours"),
    )
    session.add(technician)
    session.flush()
    return technician


def update_technician(
    session: Session, technician: Technician, changes: dict, hash_method: str, *, actor: Actor, now: datetime
) -> Technician:
    update_user(
        session,
        technician.user,
        {k: changes[k] for k in ("name", "email", "password") if k in changes},
        hash_method,
        actor=actor,
        now=now,
    )
    if "home" in changes:
        technician.home_lat, technician.home_lon = changes["home"]["lat"], changes["home"]["lon"]
    if "skills" in changes:
        technician.skills = sorted(set(changes["skills"] or []))
    for field in ("phone", "max_open_jobs", "on_shift", "hours"):
        if field in changes:
            setattr(technician, field, changes[field])
    return technician


def record_location(
    technician: Technician,
    now: datetime,
    lat: float,
    lon: float,
    accuracy_m: float | None = None,
    recorded_at: datetime | None = None,
) -> bool:
    """Keep the technician's newest known position; an older ping replayed late changes nothing.

    Returns whether the stored position changed.
    """
    at = deed_time(recorded_at, now, field="recorded_at")
    if technician.last_location_at is not None and at < technician.last_location_at:
        return False
    technician.last_lat, technician.last_lon = lat, lon
    technician.last_accuracy_m = accuracy_m
    technician.last_location_at = at
    return True


def record_ping(
    session: Session,
    technician: Technician,
    now: datetime,
    lat: float,
    lon: float,
    accuracy_m: float | None = None,
    recorded_at: datetime | None = None,
    offline_since: datetime | None = None,
) -> bool:
    """`record_location`, and a ping farther from the last one than anything travels in the time
    between is flagged on the timeline of every job the technician holds (a `position_implausible`
    event): the position decides arrivals and dispatch, so the dispatcher should see it jump. The
    ping is still kept (the newest position is the best guess; a glitch is corrected by the next)."""
    at = deed_time(recorded_at, now, field="recorded_at")
    newer = technician.last_location_at is None or at >= technician.last_location_at
    flag = jump_flag(technician, lat, lon, at) if newer else None
    changed = record_location(technician, now, lat, lon, accuracy_m, recorded_at)
    if flag is not None:
        held = select(WorkOrder).where(WorkOrder.technician_id == technician.id, WorkOrder.status.in_(HELD))
        details = {"lat": lat, "lon": lon, "technician_id": technician.id}
        for wo in session.scalars(held.order_by(WorkOrder.id)):
            # No version bump: the job itself did not change, and the phone's next action stays valid.
            record_event(
                session,
                wo,
                "position_implausible",
                Actor.of(technician.user),
                at=at,
                now=now,
                details=details,
                bump_version=False,
                offline_since=offline_since,
                deed_flags=[flag],
            )
    return changed


PHONE_KEY_DIGITS = 15  # the longest number E.164 allows
LIKELY_CUSTOMERS = 5


TRUNK_PREFIX_FROM_DIGITS = 6  # "021 6288" has an area code; "0101" is the end of a number


def _national_digits(text: str) -> str:
    """The digits of a number as dialled inside China: without `00`/`+` and the country code 86,
    and without the trunk `0` of a landline's area code ("+86 21 ..." and "021 ..." are one number)."""
    digits = re.sub(r"\D", "", text)
    international = text.lstrip().startswith("+") or digits.startswith("00")
    digits = digits.removeprefix("00")
    if digits.startswith("86") and (international or len(digits) >= 12):
        digits = digits[2:]
    if len(digits) >= TRUNK_PREFIX_FROM_DIGITS:
        digits = digits.lstrip("0")
    return digits


def phone_key(phone: str | None) -> str | None:
    """The digits that identify a phone number however it was typed: "+86 138-0013-8000",
    "0086 13800138000" and "138 0013 8000" share one key, and so do "+86 21 5555 0101" and
    "021-5555-0101". Fewer than 5 digits identify nobody."""
    digits = _national_digits(phone or "")
    return digits[-PHONE_KEY_DIGITS:] if len(digits) >= 5 else None


PHONE_LIKE = re.compile(r"[\d\s+()./-]+")
MIN_PHONE_FRAGMENT_DIGITS = 4  # fewer would be in half the city's numbers ("21" is Shanghai's code)


def phone_fragment(text: str) -> str | None:
    """The digits a desk types to find a caller, in the form of `phone_key`: a whole number or the
    start of one with its prefixes taken off ("021-6288", "+86 21 6288" -> "216288"), or a part of
    one ("6288 4471"). None when the text is not a phone number or too short to pick out a caller."""
    if not PHONE_LIKE.fullmatch(text.strip()):
        return None
    digits = _national_digits(text)
    return digits if len(digits) >= MIN_PHONE_FRAGMENT_DIGITS else None


def likely_customers(session: Session, *, name: str | None = None, phone: str | None = None) -> list[Customer]:
    """Customers who are probably the caller: the same phone number first (the usual key of an
    after-sales desk), then the same name ignoring case and surrounding spaces."""
    found: list[Customer] = []
    key = phone_key(phone)
    if key:
        found += session.scalars(
            select(Customer).where(Customer.phone_key == key).order_by(Customer.id).limit(LIKELY_CUSTOMERS)
        ).all()
    if name and name.strip():
        same_name = select(Customer).where(func.lower(Customer.name) == name.strip().lower()).order_by(Customer.id)
        found += [c for c in session.scalars(same_name.limit(LIKELY_CUSTOMERS)).all() if c not in found]
    return found[:LIKELY_CUSTOMERS]


def create_customer(session: Session, data: dict) -> Customer:
    location = data.get("location") or {}
    customer = Customer(
        name=data["name"].strip(),
        phone=data.get("phone"),
        phone_key=phone_key(data.get("phone")),
        email=normalise_email(data["email"]) if data.get("email") else None,
        address=data.get("address"),
        lat=location.get("lat"),
        lon=location.get("lon"),
    )
    set_preferences(session, customer, data)
    session.add(customer)
    session.flush()
    return customer


def update_customer(session: Session, customer: Customer, data: dict) -> Customer:
    """Change the fields given (a field given as null is cleared; `name` cannot be)."""
    if "name" in data:
        customer.name = data["name"].strip()
    if "phone" in data:
        customer.phone, customer.phone_key = data["phone"], phone_key(data["phone"])
    if "email" in data:
        customer.email = normalise_email(data["email"]) if data["email"] else None
    if "address" in data:
        customer.address = data["address"]
    if "location" in data:
        location = data["location"] or {}
        customer.lat, customer.lon = location.get("lat"), location.get("lon")
    set_preferences(session, customer, data)
    session.flush()
    return customer


def set_preferences(session: Session, customer: Customer, data: dict) -> None:
    """How the customer hears from us (messages.py): `preferred_channel` must name a contact they
    have (422 otherwise); unset, it follows their contact (a phone: SMS, else email). `notify`
    defaults to true, `language` to the app's DEFAULT_LANGUAGE."""
    from .messages import default_channel, settings_of

    if data.get("preferred_channel"):
        customer.preferred_channel = data["preferred_channel"]
    elif "preferred_channel" in data or customer.preferred_channel is None or not _reachable(customer):
        customer.preferred_channel = default_channel(customer.phone, customer.email)
    if not _reachable(customer) and customer.preferred_channel is not None:
        contact = "phone" if customer.preferred_channel == "sms" else "email"
        raise ValidationFailed({"preferred_channel": [f"this customer has no {contact} to send to"]})
    if data.get("notify") is not None:
        customer.notify = data["notify"]
    elif customer.notify is None:
        customer.notify = True
    if data.get("language"):
        customer.language = data["language"]
    elif customer.language is None:
        settings = settings_of(session)
        customer.language = settings.default_language if settings else "zh-CN"


def _reachable(customer: Customer) -> bool:
    """The customer has the contact their channel needs."""
    return bool(customer.phone if customer.preferred_channel == "sms" else customer.email)
