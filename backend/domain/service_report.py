"""The service report (服务报告): what the customer is handed for a completed job, as plain data.

Who did what for whom on which machine: the company, the customer, the asset, what was found and
done (the resolution, the fixes and parts logged; notes are the office's, never the customer's),
the parts, the time, the charges, the photos (their display copies), the signature, and the record
hash (the one stored at signing beside the one the record has now, so a later change shows).

`documents/service_report.py` lays it out as a PDF; this module reads the database and the photo
files and never renders anything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Asset, Attachment, Log, Signoff, WorkOrder
from .charges import charges_for, payment_of
from .signoff import current_record_hash
from .workflow import ACTIVITIES

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
# What the customer sees of the logs (as on the confirmation page): fixes and parts, never notes.
CUSTOMER_LOG_KINDS = ("fix", "part")
# The customer's report, through the tracking link, once it is final (workflow's table says when).
REPORTABLE_STATUSES = ACTIVITIES["customer_report"].statuses
# Photos in the report: at most this many, each scaled to this long edge and stored as JPEG (a photo
# prints 58 mm wide: 800 px is about 350 dpi).
MAX_PHOTOS = 24
PHOTO_EDGE = 800


@dataclass(frozen=True)
class Company:
    name: str
    phone: str | None = None


def language_of(wo: WorkOrder, requested: str | None = None) -> str:
    """The report's language: the one asked for, else the customer's (`language`), else Chinese."""
    for choice in (requested, getattr(wo.customer, "language", None)):
        if choice in LANGUAGES:
            return choice
    return DEFAULT_LANGUAGE


def _photo_jpeg(path: Path) -> bytes | None:
    """The photo as a JPEG at most PHOTO_EDGE on its long side (None when the file is gone or unreadable)."""
    try:
        with Image.open(path) as image:
            ratio = PHOTO_EDGE / max(image.size)
            if ratio < 1:  # a JPEG decodes straight to 1/2, 1/4 ... of its size: much faster
                image.draft("RGB", (int(image.width * ratio), int(image.height * ratio)))
            image.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


def _quantity(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(round(value, 3))


def report_content(
    session: Session,
    wo: WorkOrder,
    *,
    company: Company,
    language: str,
    timezone: str,
    upload_folder: str,
    now: datetime,
) -> dict:
    """Everything the report shows, in the company's time zone; photos and signature as bytes."""
    tz = ZoneInfo(timezone)
    logs = session.scalars(select(Log).where(Log.work_order_id == wo.id).order_by(Log.occurred_at, Log.id)).all()
    shown = [log for log in logs if log.kind in CUSTOMER_LOG_KINDS]
    parts: dict[str, dict] = {}
    for log in logs:
        for part in log.parts:
            entry = parts.setdefault(part.sku, {"sku": part.sku, "name": part.name, "qty": Decimal(0)})
            entry["qty"] += Decimal(str(part.qty))
    for entry in parts.values():
        entry["qty"] = _quantity(entry["qty"])

    asset = session.get(Asset, wo.asset_id) if getattr(wo, "asset_id", None) else None
    attachments = session.scalars(
        select(Attachment).where(Attachment.work_order_id == wo.id).order_by(Attachment.id)
    ).all()
    folder = Path(upload_folder)
    photos = []
    for attachment in attachments[:MAX_PHOTOS]:
        jpeg = _photo_jpeg(folder / (attachment.display_name or attachment.stored_name))
        if jpeg is not None:
            photos.append({"jpeg": jpeg, "taken_at": _local(attachment.occurred_at, tz)})
    signoff = session.scalar(
        select(Signoff)
        .where(Signoff.work_order_id == wo.id, Signoff.accepted.is_(True))
        .order_by(Signoff.id.desc())
        .limit(1)
    )
    current_hash = current_record_hash(session, wo, signed=signoff.record_hash if signoff is not None else None)
    charges = charges_for(session, wo)
    payment = payment_of(session, wo)
    on_site = None
    if wo.arrived_at is not None and wo.completed_at is not None and not wo.resolved_remotely:
        on_site = max(int((wo.completed_at - wo.arrived_at).total_seconds() // 60), 0)
    technician = wo.technician.user.name if wo.technician is not None else None
    return {
        "language": language,
        "company": {"name": company.name, "phone": company.phone},
        "generated_at": _local(now, tz),
        "timezone": timezone,
        "work_order": {
            "number": wo.number,
            "title": wo.title,
            "type": wo.type,
            "status": wo.status,
            "description": wo.description,
            "address": wo.address,
            "created_at": _local(wo.created_at, tz),
            "arrived_at": _local(wo.arrived_at, tz),
            "completed_at": _local(wo.completed_at, tz),
            "closed_at": _local(wo.closed_at, tz),
            "resolution": wo.resolution,
            "resolved_remotely": wo.resolved_remotely,
            "warranty": getattr(wo, "warranty", None),
            "technician": technician,
        },
        "customer": {"name": wo.customer.name, "phone": wo.customer.phone, "address": wo.customer.address},
        "asset": None
        if asset is None
        else {
            "model": asset.model,
            "serial": asset.serial,
            "place": asset.place,
            "installed_at": asset.installed_at,
            "warranty_until": asset.warranty_until,
            "contract_until": asset.contract_until,
        },
        "work": [
            {"kind": log.kind, "text": log.text, "minutes": log.minutes, "at": _local(log.occurred_at, tz)}
            for log in shown
            if log.text or log.minutes
        ],
        "parts": list(parts.values()),
        "minutes_logged": sum(log.minutes or 0 for log in logs),
        "minutes_on_site": on_site,
        "charges": {
            "chargeable": charges.chargeable,
            "reason": charges.reason,
            "final": charges.frozen_at is not None,
            "currency": charges.currency,
            "lines": charges.lines,
            "total": charges.total,
            "payment": None
            if payment is None
            else {
                "kind": payment.kind,
                "method": payment.method,
                "amount": payment.amount,
                "reference": payment.reference,
            },
        },
        "photos": photos,
        "photos_left_out": max(len(attachments) - MAX_PHOTOS, 0),
        "signoff": None
        if signoff is None
        else {
            "signer_name": signoff.signer_name,
            "signed_at": _local(signoff.signed_at, tz),
            "method": signoff.method,
            "rating": signoff.rating,
            "signature_png": signoff.signature_png,
            "record_hash": signoff.record_hash,
        },
        "current_hash": current_hash,
        "hash_matches": signoff.record_hash == current_hash if signoff is not None else None,
    }
