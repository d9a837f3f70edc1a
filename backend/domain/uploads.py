"""Upload quotas: how much one job may hold and how much one person may upload in a day.

Checked before a photo is written, from the rows already there (the job is locked by the caller,
so two uploads to one job count one after the other)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Attachment
from .errors import DomainError, ValidationFailed

MB = 1024 * 1024


@dataclass(frozen=True)
class UploadQuota:
    job_photos: int  # photos one job may hold
    job_bytes: int  # bytes of originals one job may hold
    user_daily_bytes: int  # bytes one person may upload in any 24 hours


class DailyQuotaExceeded(DomainError):
    """The person uploaded their day's allowance; a retry later passes (the API answers 429)."""


def _job_usage(session: Session, work_order_id: int) -> tuple[int, int]:
    count, size = session.execute(
        select(func.count(), func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.work_order_id == work_order_id
        )
    ).one()
    return int(count), int(size)


def _uploaded_since(session: Session, user_id: int | None, since: datetime, customer_id: int | None = None) -> int:
    if customer_id is not None:
        uploader = Attachment.uploaded_by_customer_id == customer_id
    else:
        uploader = Attachment.uploaded_by_id == user_id
    total = session.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(uploader, Attachment.recorded_at > since)
    )
    return int(total)


def check_upload_quota(
    session: Session,
    work_order_id: int,
    user_id: int | None,
    now: datetime,
    size: int,
    quota: UploadQuota,
    customer_id: int | None = None,
) -> None:
    """Refuse a photo of `size` bytes that would take the job or the uploader (a user, or a customer
    in the portal) past their quota."""
    count, job_bytes = _job_usage(session, work_order_id)
    if count >= quota.job_photos:
        raise ValidationFailed({"file": [f"this job already holds {count} photos, the most allowed"]})
    if job_bytes + size > quota.job_bytes:
        raise ValidationFailed({"file": [f"this job's photos may take at most {quota.job_bytes // MB} MB"]})
    if _uploaded_since(session, user_id, now - timedelta(days=1), customer_id) + size > quota.user_daily_bytes:
        raise DailyQuotaExceeded(
            f"You have uploaded {quota.user_daily_bytes // MB} MB of photos in the last 24 hours, "
            "the most allowed; try again later."
        )
