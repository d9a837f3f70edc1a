"""The time of the deed: checks on `occurred_at` sent by a device that may have been offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .errors import ValidationFailed


def utc_text(value: datetime) -> str:
    """How every time is written out (the API, CSV, live updates, event details, plans, the signed
    completion record): ISO 8601 in UTC with a `Z`."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


CLOCK_SKEW = timedelta(minutes=2)
OLDEST_REPLAY = timedelta(days=7)


def deed_time(
    occurred_at: datetime | None,
    now: datetime,
    not_before: datetime | None = None,
    field: str = "occurred_at",
) -> datetime:
    """Return when the deed happened: `occurred_at` if it is plausible, else `now`.

    Refuses a time in the future (beyond the clock skew), older than seven days, or earlier than
    `not_before` (the work order's previous event), so the timeline can never run backwards.
    """
    if occurred_at is None:
        return now if not_before is None or now >= not_before else not_before
    if occurred_at > now + CLOCK_SKEW:
        raise ValidationFailed({field: ["must not be in the future"]})
    if occurred_at < now - OLDEST_REPLAY:
        raise ValidationFailed({field: ["must not be older than 7 days"]})
    if not_before is not None and occurred_at < not_before:
        raise ValidationFailed({field: ["must not be earlier than the work order's previous event"]})
    return occurred_at
