"""The tables, one module per aggregate."""

from .assets import Asset
from .audit import AUDIT_ACTIONS, AuditEntry
from .base import UTCDateTime, utcnow
from .calendar import COMPANY_DAY_KINDS, CompanyDay
from .charges import PAYMENT_KINDS, PAYMENT_METHODS, PRICE_LIST_ID, ChargeSheet, Payment, PriceList, PriceListPart
from .customers import Customer
from .exports import ExportSlot
from .follow_ups import FOLLOW_UP_REASONS, FollowUp
from .geocoding import GeocodeCacheEntry
from .idempotency import IdempotencyRecord
from .knowledge import Article
from .live_streams import LiveStream
from .maintenance import MaintenanceOccurrence, MaintenancePlan
from .messages import MESSAGE_CHANNELS, MESSAGE_STATUSES, Message
from .notifications import NOTIFICATION_KINDS, Notification
from .parts import (
    LOCATION_KINDS,
    MOVEMENT_KINDS,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    Part,
    StockBalance,
    StockLocation,
    StockMovement,
    StockRequest,
    StockRequestLine,
)
from .plans import Plan
from .portal import CustomerSession, PortalCode
from .push import PushSubscription
from .quality import QUALITY_ITEMS, QualityReview
from .skills import SKILL_CHANGE_ACTIONS, Skill, SkillChange
from .technicians import Technician
from .users import ROLES, User
from .work_orders import (
    ACTOR_KINDS,
    CHANNELS,
    LOG_KINDS,
    PRIORITIES,
    STATUSES,
    WARRANTY_STATUSES,
    Attachment,
    ConfirmationLink,
    Event,
    Log,
    LogPart,
    Signoff,
    WorkOrder,
    format_number,
)

__all__ = [
    "ACTOR_KINDS",
    "AUDIT_ACTIONS",
    "CHANNELS",
    "COMPANY_DAY_KINDS",
    "FOLLOW_UP_REASONS",
    "LOCATION_KINDS",
    "LOG_KINDS",
    "MESSAGE_CHANNELS",
    "MESSAGE_STATUSES",
    "MOVEMENT_KINDS",
    "NOTIFICATION_KINDS",
    "PAYMENT_KINDS",
    "PAYMENT_METHODS",
    "PRICE_LIST_ID",
    "PRIORITIES",
    "QUALITY_ITEMS",
    "REQUEST_KINDS",
    "REQUEST_STATUSES",
    "ROLES",
    "SKILL_CHANGE_ACTIONS",
    "STATUSES",
    "WARRANTY_STATUSES",
    "Article",
    "Asset",
    "Attachment",
    "AuditEntry",
    "ChargeSheet",
    "CompanyDay",
    "ConfirmationLink",
    "Customer",
    "CustomerSession",
    "Event",
    "ExportSlot",
    "FollowUp",
    "GeocodeCacheEntry",
    "IdempotencyRecord",
    "LiveStream",
    "Log",
    "LogPart",
    "MaintenanceOccurrence",
    "MaintenancePlan",
    "Message",
    "Notification",
    "Part",
    "Payment",
    "Plan",
    "PortalCode",
    "PriceList",
    "PriceListPart",
    "PushSubscription",
    "QualityReview",
    "Signoff",
    "Skill",
    "SkillChange",
    "StockBalance",
    "StockLocation",
    "StockMovement",
    "StockRequest",
    "StockRequestLine",
    "Technician",
    "UTCDateTime",
    "User",
    "WorkOrder",
    "format_number",
    "utcnow",
]
