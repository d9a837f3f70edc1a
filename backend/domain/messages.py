"""Messages to customers through an outbox: queued in the transaction of the change they announce,
delivered after commit by the sender, retried with back-off, never sent twice.

Queueing (inside the caller's transaction, never a commit here):
- `queue_to_contact` — one message to a phone number or email address, with or without a customer or
  work order (the portal's one-time codes use it);
- `announce` — what a work-order action tells its customer (the action table's `announces`):
  `assigned` (the technician's first name), `departed` (ETA and tracking link), `completed` (a
  fresh confirmation link). Nothing when the customer opted out or has no contact for their channel.

Delivery (`deliver_due`, run by the scheduler's leader and by `flask send-messages`):
1. claim: in one short transaction take due rows (PostgreSQL `FOR UPDATE SKIP LOCKED`, so several
   senders never take the same row; SQLite has one writer) and mark them `sending` with a lease;
2. commit, then hand each to its provider outside any transaction;
3. mark each `sent` (or back to `queued` with the next attempt's time, or `failed` after the last),
   in its own transaction, only if the claim is still ours.
A sender that dies between 1 and 3 leaves rows `sending`; after the lease they are claimed again
(docs/RELIABILITY.md: at-least-once towards the provider, with a stable Message-ID / Idempotency-Key).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ..models import Customer, Event, Message, WorkOrder
from .actors import Actor
from .arrival import Travel
from .workflow import record_event

log = logging.getLogger("onsite.messages")

TEXTS_FOLDER = Path(__file__).with_name("message_texts")
SETTINGS_KEY = "onsite.message_settings"  # where a session carries the app's MessageSettings
CONTACT_CHANNELS = ("sms", "email")


@dataclass(frozen=True)
class MessageSettings:
    """What queueing needs from the app's configuration (settings_from_config)."""

    secret_key: str
    base_url: str | None = None  # PUBLIC_BASE_URL: absolute links in messages; else relative paths
    company: str = "OnSite"
    default_language: str = "zh-CN"
    confirmation_days: int = 7
    travel: Travel = field(default_factory=Travel)
    location_fresh_minutes: int = 30


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the sender retries: `base` x 2^(attempt-1) between attempts, at most `cap`; gives up
    after `max_attempts`; a claim lasts `lease` (longer than any provider's timeout)."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 8
    lease: timedelta = timedelta(minutes=5)
    batch: int = 100

    def delay(self, attempts: int) -> timedelta:
        return min(self.base * (2 ** max(attempts - 1, 0)), self.cap)


def settings_from_config(config) -> MessageSettings:
    """The queueing settings from the app's config."""
    return MessageSettings(
        secret_key=str(config["SECRET_KEY"]),
        base_url=config.get("PUBLIC_BASE_URL"),
        company=config.get("COMPANY_NAME") or "OnSite",
        default_language=normalise_language(config.get("DEFAULT_LANGUAGE")),
        confirmation_days=int(config.get("CONFIRMATION_LINK_DAYS", 7)),
        travel=Travel(float(config.get("AVERAGE_SPEED_KMH", 30.0)), float(config.get("DETOUR_FACTOR", 1.3))),
        location_fresh_minutes=int(config.get("LOCATION_FRESH_MINUTES", 30)),
    )


def delivery_policy_from_config(config) -> DeliveryPolicy:
    return DeliveryPolicy(
        base=timedelta(seconds=float(config.get("MESSAGE_RETRY_SECONDS", 30))),
        cap=timedelta(seconds=float(config.get("MESSAGE_RETRY_CAP_SECONDS", 3600))),
        max_attempts=int(config.get("MESSAGE_MAX_ATTEMPTS", 8)),
        lease=timedelta(seconds=float(config.get("MESSAGE_LEASE_SECONDS", 300))),
    )


def use_settings(session: Session, settings: MessageSettings) -> None:
    """Give a session the settings `announce` reads (the app does it for every request's session)."""
    session.info[SETTINGS_KEY] = settings


def settings_of(session: Session) -> MessageSettings | None:
    return session.info.get(SETTINGS_KEY)


def normalise_language(language: str | None) -> str:
    """`zh-CN` or `en`: English for any `en*`, Chinese otherwise (the default)."""
    if language and language.strip().lower().startswith("en"):
        return "en"
    return "zh-CN"


@cache
def catalogue(language: str) -> dict:
    """The message texts of one language (`message_texts/<language>.json`)."""
    return json.loads((TEXTS_FOLDER / f"{language}.json").read_text(encoding="utf-8"))


def render(template: str, language: str, params: dict) -> tuple[str, str]:
    """(subject, text) of a template in a language, filled with `params`."""
    entry = catalogue(language)[template]
    return entry["subject"].format(**params), entry["text"].format(**params)


def default_channel(phone: str | None, email: str | None) -> str | None:
    """How a customer hears from us unless they chose: SMS when they have a phone, else email."""
    if phone:
        return "sms"
    if email:
        return "email"
    return None


def contact_for(customer: Customer) -> tuple[str, str] | None:
    """(channel, address) a customer is reached at, or None (opted out, or no contact for the channel)."""
    if not customer.notify:
        return None
    channel = customer.preferred_channel or default_channel(customer.phone, customer.email)
    to = customer.phone if channel == "sms" else customer.email if channel == "email" else None
    return (channel, to) if to else None


def queue_to_contact(
    session: Session,
    *,
    channel: str,
    to: str,
    language: str,
    template: str,
    params: dict,
    now: datetime,
    customer: Customer | None = None,
    work_order: WorkOrder | None = None,
    key: str | None = None,
    company: str | None = None,
    event_at: datetime | None = None,
) -> Message:
    """Queue one message to a contact, in the caller's transaction (the caller commits; the sender
    delivers it after that commit). Returns the `Message` row (flushed, so it has its id).

    - `channel`: `sms` (`to` is a phone number) or `email` (`to` is an address); `log` only logs.
    - `language`: `zh-CN` or `en` (anything else: normalise_language).
    - `template`: a key of `message_texts/<language>.json`, e.g. `portal_code`, filled with `params`
      (for `portal_code`: `{"code": "123456", "minutes": 10}`) plus `company`.
    - `customer`, `work_order`: who and what it is about, if anyone (a portal code for an unknown
      contact has neither). With a work order the timeline gets a `message_queued` event.
    - `key`: makes the message unique: queueing the same key again returns the first message and
      queues nothing (default: a fresh key, every call queues).
    - `event_at`: when the timeline says it was queued (default `now`; an announcement gives its
      action's time of the deed, so it follows that action on the timeline).
    """
    if channel not in (*CONTACT_CHANNELS, "log"):
        raise ValueError(f"unknown channel {channel!r}")
    if key is not None:
        existing = session.scalar(select(Message).where(Message.key == key))
        if existing is not None:
            return existing
    language = normalise_language(language)
    filled = {"company": company or "OnSite", **params}
    subject, text = render(template, language, filled)
    message = Message(
        work_order_id=work_order.id if work_order is not None else None,
        customer_id=customer.id if customer is not None else None,
        key=key or f"{template}:{uuid.uuid4().hex}",
        channel=channel,
        recipient=to.strip(),
        language=language,
        template=template,
        params=params,
        subject=subject,
        body=text,
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    if work_order is not None:
        details = {"message_id": message.id, "channel": channel, "to": message.recipient, "template": template}
        at = event_at or now
        event = record_event(
            session, work_order, "message_queued", Actor.system(), at=at, now=now, details=details, bump_version=False
        )
        event.deed_flags = None  # dated as its action: whatever doubts that deed carries are on its own event
    return message


# ---- what work-order actions tell the customer --------------------------------------------------


def first_name(name: str | None) -> str:
    """What the customer is told of their technician (tracking.first_name: the first word of a
    Western name, the family name of a Chinese one, as in 王师傅)."""
    from .tracking import first_name as customers_name_for

    return customers_name_for(name) or ""


def link(settings: MessageSettings, path: str) -> str:
    return f"{settings.base_url.rstrip('/')}{path}" if settings.base_url else path


def eta_minutes(wo: WorkOrder, now: datetime, settings: MessageSettings) -> int | None:
    """Minutes until the technician, now on the way, reaches the site: the tracking page's own
    figure (tracking.eta_minutes: arrival.project_arrival from a fresh position), None without one."""
    from .dispatch import DispatchSettings
    from .tracking import eta_minutes as tracking_eta

    dispatch = DispatchSettings(travel=settings.travel, fresh_minutes=settings.location_fresh_minutes)
    return tracking_eta(wo, now, dispatch)


def _tracking_path(wo: WorkOrder, settings: MessageSettings) -> str:
    from .tracking import path_for

    return path_for(wo.id, settings.secret_key)


def _confirmation_url(session: Session, wo: WorkOrder, actor: Actor, now: datetime, settings: MessageSettings) -> str:
    from .signoff import create_confirmation_link, link_serializer

    _, token = create_confirmation_link(
        session, wo, actor, now, days=settings.confirmation_days, serializer=link_serializer(settings.secret_key)
    )
    return link(settings, f"/confirm/{token}")


def announce(
    session: Session, wo: WorkOrder, event: Event, template: str, actor: Actor, now: datetime
) -> Message | None:
    """Queue what an action tells the job's customer (`template`: the action table's `announces`:
    `assigned`, `departed` or `completed`), in this transaction. None when they opted out or have no
    contact for their channel, or the session carries no MessageSettings (a bare domain session)."""
    session.flush()  # the event's id names the message
    return _tell(session, wo, template, actor, now, f"wo:{wo.id}:event:{event.id}", event.occurred_at)


def reachable_work_orders(session: Session, work_order_ids: list[int]) -> set[int]:
    """Of these jobs, those whose customer may hear from us at all (notify, and a phone or an email):
    one query, so the scheduler's pass spends nothing on jobs of customers it cannot tell."""
    if not work_order_ids:
        return set()
    contact = or_(
        and_(Customer.phone.is_not(None), Customer.phone != ""), and_(Customer.email.is_not(None), Customer.email != "")
    )
    query = (
        select(WorkOrder.id)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .where(WorkOrder.id.in_(work_order_ids), Customer.notify.is_(True), contact)
    )
    return set(session.scalars(query))


def tell_customer_of_move(
    session: Session, work_order_id: int, to_technician_id: int, at: datetime, now: datetime, settings: MessageSettings
) -> Message | None:
    """The scheduler's pass gave a job to another technician (its SQL path writes no ORM event):
    tell the customer who comes now, as any assignment does, in the pass's transaction."""
    use_settings(session, settings)
    wo = session.get(WorkOrder, work_order_id)
    key = f"wo:{work_order_id}:moved:{to_technician_id}:{at.isoformat()}"
    return _tell(session, wo, "assigned", Actor.scheduler(), now, key, at)


def _tell(
    session: Session, wo: WorkOrder, template: str, actor: Actor, now: datetime, key: str, at: datetime
) -> Message | None:
    settings = settings_of(session)
    customer = wo.customer
    if settings is None or customer is None:
        return None
    contact = contact_for(customer)
    if contact is None:
        return None
    channel, to = contact
    params = {"number": wo.number, "title": wo.title}
    if template in ("assigned", "departed"):
        params["technician"] = first_name(wo.technician.user.name if wo.technician else None)
    if template == "departed":
        params["tracking_url"] = link(settings, _tracking_path(wo, settings))
        params["eta_minutes"] = eta_minutes(wo, at, settings)
        if params["eta_minutes"] is None:
            template = "departed_no_eta"
    elif template == "completed":
        # Created as of the completion's deed (an offline completion replayed later keeps its order).
        params["confirmation_url"] = _confirmation_url(session, wo, actor, at, settings)
    return queue_to_contact(
        session,
        channel=channel,
        to=to,
        language=customer.language or settings.default_language,
        template=template,
        params=params,
        now=now,
        customer=customer,
        work_order=wo,
        key=key,
        company=settings.company,
        event_at=at,
    )


# ---- delivery ------------------------------------------------------------------------------------


# Emails that carry the job's service report as a PDF: the completion (the customer keeps what was
# done, with the confirmation link beside it).
REPORT_TEMPLATES = ("completed",)


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    mime_type: str  # "application/pdf"
    content: bytes


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, as the provider needs it (plain values: sent outside any transaction)."""

    id: int
    key: str
    channel: str
    recipient: str
    subject: str | None
    body: str
    attempts: int
    work_order_id: int | None
    template: str | None = None
    attachments: tuple[MailAttachment, ...] = ()

    @property
    def wants_report(self) -> bool:
        return self.channel == "email" and self.template in REPORT_TEMPLATES and self.work_order_id is not None


class DeliveryError(Exception):
    """The provider did not take the message (down, refused, timed out)."""


@dataclass
class DeliverySummary:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost_claims: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def claim_due(session: Session, now: datetime, policy: DeliveryPolicy, limit: int | None = None) -> list[Outgoing]:
    """Take up to `limit` due messages (queued and due, or `sending` past its lease: its sender died)
    and mark them `sending` for `policy.lease`. Call inside a transaction the caller commits before
    sending; on PostgreSQL rows another sender holds are skipped, not waited for."""
    due = or_(
        and_(Message.status == "queued", Message.next_attempt_at <= now),
        and_(Message.status == "sending", Message.locked_until <= now),
    )
    query = select(Message).where(due).order_by(Message.next_attempt_at, Message.id).limit(limit or policy.batch)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message in session.scalars(query):
        message.status = "sending"
        message.attempts += 1
        message.locked_until = now + policy.lease
        claimed.append(
            Outgoing(
                message.id,
                message.key,
                message.channel,
                message.recipient,
                message.subject,
                message.body,
                message.attempts,
                message.work_order_id,
                message.template,
            )
        )
    return claimed


def _ours(message_id: int, attempts: int):
    """The claim is still ours: nobody took the row again after our lease ran out."""
    return and_(Message.id == message_id, Message.status == "sending", Message.attempts == attempts)


def mark_sent(session: Session, outgoing: Outgoing, provider: str, now: datetime) -> bool:
    done = session.execute(
        update(Message)
        .where(_ours(outgoing.id, outgoing.attempts))
        .values(status="sent", sent_at=now, provider=provider, locked_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    _timeline(session, outgoing, "message_sent", now, {"provider": provider})
    return True


def mark_failed(
    session: Session, outgoing: Outgoing, provider: str, error: str, now: datetime, policy: DeliveryPolicy
) -> str | None:
    """After a failed attempt: `queued` again after the back-off, or `failed` after the last attempt.
    Returns the new status, or None when the claim was no longer ours."""
    gave_up = outgoing.attempts >= policy.max_attempts
    values = {"provider": provider, "locked_until": None, "last_error": error[:2000]}
    if gave_up:
        values["status"] = "failed"
    else:
        values.update(status="queued", next_attempt_at=now + policy.delay(outgoing.attempts))
    done = session.execute(
        update(Message)
        .where(_ours(outgoing.id, outgoing.attempts))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    if gave_up:
        _timeline(
            session,
            outgoing,
            "message_failed",
            now,
            {"provider": provider, "attempts": outgoing.attempts, "error": error[:300]},
        )
    return values["status"]


def _timeline(session: Session, outgoing: Outgoing, action: str, now: datetime, extra: dict) -> None:
    if outgoing.work_order_id is None:
        return
    wo = session.get(WorkOrder, outgoing.work_order_id)
    if wo is None:
        return
    details = {"message_id": outgoing.id, "channel": outgoing.channel, "to": outgoing.recipient, **extra}
    record_event(session, wo, action, Actor.system(), at=now, now=now, details=details, bump_version=False)


def deliver_due(
    session: Session,
    clock,
    providers,
    transaction,
    policy: DeliveryPolicy,
    limit: int | None = None,
    report=None,
) -> DeliverySummary:
    """One round of the sender: claim due messages (one transaction), send each, record each result
    (one transaction each). `clock()` is the app's clock, `providers` a `Providers`, `transaction(session)`
    a context manager that commits (scheduler.job_transaction); `report(session, work_order_id)`, when
    given, makes the service report attached to the emails that carry it (`REPORT_TEMPLATES`)."""
    summary = DeliverySummary()
    with transaction(session):
        claimed = claim_due(session, clock(), policy, limit)
    summary.claimed = len(claimed)
    for outgoing in claimed:
        if report is not None and outgoing.wants_report:
            outgoing = _with_report(session, outgoing, report)
        provider = providers.for_channel(outgoing.channel)
        try:
            provider.send(outgoing)
        except DeliveryError as error:
            with transaction(session):
                status = mark_failed(session, outgoing, provider.name, str(error), clock(), policy)
            log.warning(
                "message %d via %s failed (attempt %d): %s", outgoing.id, provider.name, outgoing.attempts, error
            )
            if status is None:
                summary.lost_claims += 1
            elif status == "failed":
                summary.failed += 1
            else:
                summary.retried += 1
            continue
        with transaction(session):
            ours = mark_sent(session, outgoing, provider.name, clock())
        if ours:
            summary.sent += 1
        else:
            summary.lost_claims += 1
    return summary


def _with_report(session: Session, outgoing: Outgoing, report) -> Outgoing:
    """The message with its service report attached, made after the claim's commit (a render holds no
    lock). A report that cannot be made is logged and the email goes without it: the confirmation
    link it carries matters more than the attachment."""
    try:
        return dataclasses.replace(outgoing, attachments=(report(session, outgoing.work_order_id),))
    except Exception:
        log.exception("message %d: the service report could not be attached", outgoing.id)
        return outgoing
    finally:
        session.rollback()  # end the render's read, so the result's transaction starts afresh
