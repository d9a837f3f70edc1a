"""The work order aggregate: the job itself, its timeline, logs, photos, sign-offs and links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow
from .customers import Customer
from .technicians import Technician

STATUSES = (
    "new",
    "assigned",
    "accepted",
    "en_route",
    "on_site",
    "on_hold",
    "completed",
    "closed",
    "cancelled",
)
PRIORITIES = ("urgent", "high", "normal", "low")
CHANNELS = ("phone", "web", "app", "email", "wechat", "walk_in", "portal")
LOG_KINDS = ("note", "fix", "part")
ACTOR_KINDS = ("user", "system", "scheduler", "customer")
# Kinds of case: what the customer asked for (decides the SLA policy and the visit's expected length).
WORK_ORDER_TYPES = ("repair", "installation", "maintenance", "inspection", "inquiry", "complaint")
COMPLAINT_CATEGORIES = ("attitude", "quality", "delay", "price", "other")
# Who pays, decided at creation from the asset's dates (domain/assets.py).
WARRANTY_STATUSES = ("in_warranty", "under_contract", "out_of_warranty", "unknown")


class WorkOrder(db.Model):
    __tablename__ = "work_orders"
    __table_args__ = (
        CheckConstraint(one_of("status", STATUSES), name="ck_work_orders_status"),
        CheckConstraint(one_of("priority", PRIORITIES), name="ck_work_orders_priority"),
        CheckConstraint(one_of("channel", CHANNELS), name="ck_work_orders_channel"),
        CheckConstraint(one_of("type", WORK_ORDER_TYPES), name="ck_work_orders_type"),
        CheckConstraint(
            f"category IS NULL OR {one_of('category', COMPLAINT_CATEGORIES)}", name="ck_work_orders_category"
        ),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="ck_work_orders_location"),
        CheckConstraint("version > 0", name="ck_work_orders_version"),
        Index("ix_work_orders_status", "status"),
        Index("ix_work_orders_type_status", "type", "status"),  # the board's open complaints
        Index("ix_work_orders_technician_status", "technician_id", "status"),
        Index("ix_work_orders_response_due_at", "response_due_at"),
        Index("ix_work_orders_location", "lat", "lon"),
        Index("ix_work_orders_customer", "customer_id"),
        Index("ix_work_orders_created_at", "created_at"),
        CheckConstraint(one_of("warranty", WARRANTY_STATUSES), name="ck_work_orders_warranty"),
        Index("ix_work_orders_asset", "asset_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="new")
    type: Mapped[str] = mapped_column(String(12), default="repair", server_default="repair")
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    lat: Mapped[float]
    lon: Mapped[float]
    address: Mapped[str | None] = mapped_column(String(500))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the scheduler found nobody qualified for the overdue job: escalation happens once.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The first visit's due times, kept when a reopen restarts the clock: the SLA KPIs measure the
    # job against them, so a late first visit stays late after the customer disputes it.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How long the visit is expected to take (None: the default for its kind, VISIT_MINUTES), and the
    # customer's window for the visit, when they gave one (the day plan keeps to it).
    duration_minutes: Mapped[int | None]
    window_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where an applied day plan put the job (domain/planning.py): its place in the technician's
    # route and the planned arrival, shown on the phone; cleared when the job changes hands.
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL", name="fk_work_orders_plan_id")
    )
    planned_order: Mapped[int | None]
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    first_time_fix: Mapped[bool | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    # Solved by phone or remote help (action resolve_remotely): nobody drove. Cleared by a reopen.
    resolved_remotely: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A complaint: the job it is about, what it is about, and its closed loop (required to complete it).
    related_work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_orders.id", name="fk_work_orders_related_work_order_id")
    )
    category: Mapped[str | None] = mapped_column(String(12))
    root_cause: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    customer_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The machine the job is about (equipment), and what was decided about it at creation: who pays
    # (`warranty`, kept when the asset's dates change later) and the 三包 repeat flag (an in-warranty
    # repair following `earlier_repairs` completed in-warranty repairs of the same asset).
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", name="fk_work_orders_asset_id"))
    warranty: Mapped[str] = mapped_column(String(16), default="unknown", server_default="unknown")
    repeat_repair: Mapped[bool] = mapped_column(default=False, server_default=false())
    earlier_repairs: Mapped[int] = mapped_column(default=0, server_default="0")
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    technician: Mapped[Technician | None] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="work_order", order_by="(Event.occurred_at, Event.id)", cascade="all, delete-orphan"
    )
    logs: Mapped[list[Log]] = relationship(
        back_populates="work_order", order_by="(Log.occurred_at, Log.id)", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="work_order", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    signoffs: Mapped[list[Signoff]] = relationship(
        back_populates="work_order", order_by="Signoff.id", cascade="all, delete-orphan"
    )

    # Every change bumps `version` by hand; SQLAlchemy adds `WHERE version = <old>` to the UPDATE,
    # so two writers racing on one work order cannot both win (StaleDataError -> 409).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def number(self) -> str:
        return format_number(self.id)


def format_number(work_order_id: int) -> str:
    return f"WO-{work_order_id:06d}"


class Event(db.Model):
    """One entry of a work order's timeline: who did what, from which status to which, and when."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(one_of("actor_kind", ACTOR_KINDS), name="ck_events_actor_kind"),
        Index("ix_events_work_order", "work_order_id", "occurred_at", "id"),
        Index("ix_events_action_occurred", "action", "occurred_at"),
        # Covers what the KPIs read of the timeline (domain/kpis.py), so they never touch the rows.
        Index("ix_events_kpi", "action", "work_order_id", "occurred_at", "actor_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Why the deed's time or place is doubtful (domain/plausibility.py), e.g. dated long before it
    # was received without an offline reason; null when nothing is.
    deed_flags: Mapped[list | None] = mapped_column(JSON(none_as_null=True))

    work_order: Mapped[WorkOrder] = relationship(back_populates="events")
    actor_user: Mapped[User | None] = relationship()  # noqa: F821


class Log(db.Model):
    """What the technician found and did: a note, a fix, or parts used, with minutes spent."""

    __tablename__ = "logs"
    __table_args__ = (
        CheckConstraint(one_of("kind", LOG_KINDS), name="ck_logs_kind"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="ck_logs_minutes"),
        Index("ix_logs_work_order", "work_order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[int | None]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    work_order: Mapped[WorkOrder] = relationship(back_populates="logs")
    author: Mapped[User] = relationship()  # noqa: F821
    parts: Mapped[list[LogPart]] = relationship(
        back_populates="log", order_by="LogPart.id", cascade="all, delete-orphan", lazy="selectin"
    )


class LogPart(db.Model):
    __tablename__ = "log_parts"
    __table_args__ = (
        CheckConstraint("qty > 0", name="ck_log_parts_qty"),
        Index("ix_log_parts_log", "log_id"),
        Index("ix_log_parts_sku", "sku"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("logs.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    qty: Mapped[float]

    log: Mapped[Log] = relationship(back_populates="parts")


class Attachment(db.Model):
    """A photo, stored on disk under a generated name; the row keeps what its bytes proved to be."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="ck_attachments_content_type"
        ),
        CheckConstraint("size > 0", name="ck_attachments_size"),
        Index("ix_attachments_work_order", "work_order_id"),
        Index("ix_attachments_uploader_recorded", "uploaded_by_id", "recorded_at"),  # the daily quota
        Index("ix_attachments_customer_recorded", "uploaded_by_customer_id", "recorded_at"),  # the portal's quota
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    # Who sent it: a user (staff), or a customer through the portal (then no user).
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL", name="fk_attachments_uploaded_by_customer_id")
    )
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(30))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A downscaled copy for screens (served by default); none when the original is small enough.
    display_name: Mapped[str | None] = mapped_column(String(100))
    display_content_type: Mapped[str | None] = mapped_column(String(30))

    work_order: Mapped[WorkOrder] = relationship(back_populates="attachments")


class Signoff(db.Model):
    """The customer's answer: on the technician's device, or through a signed link.

    `accepted` is false for a dispute. `record_hash` is the SHA-256 of the completion record at
    the moment of signing, so that a later change to the record is visible.
    """

    __tablename__ = "signoffs"
    __table_args__ = (
        CheckConstraint("method IN ('device', 'link')", name="ck_signoffs_method"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_signoffs_rating"),
        Index("ix_signoffs_work_order", "work_order_id"),
        Index("ix_signoffs_signed_at", "signed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(10))
    accepted: Mapped[bool]
    signer_name: Mapped[str] = mapped_column(String(120))
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    record_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who answered, as far as the server can tell: the device's address and browser, the staff
    # account whose session that browser held (a technician answering their own link), and for a
    # signature on the phone how far from the site it was given. `flags` names what looks like an
    # answer by staff rather than the customer; such answers are shown and left out of satisfaction.
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    distance_km: Mapped[float | None]
    flags: Mapped[list | None] = mapped_column(JSON, default=list)

    work_order: Mapped[WorkOrder] = relationship(back_populates="signoffs")


class ConfirmationLink(db.Model):
    """A single-use link sent to the customer; the token carries its id and nonce, signed."""

    __tablename__ = "confirmation_links"
    __table_args__ = (Index("ix_confirmation_links_work_order", "work_order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The completion the link answers for (the job's `completed_at` when it was made): after a
    # reopen and a later completion, perhaps by someone else, the old link answers nothing.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    work_order: Mapped[WorkOrder] = relationship()
