"""What a replaying device says about its offline time: the `X-Offline-Since` header.

The technician app sends, with every change its outbox replays, when it lost the network (the time
the oldest change still waiting was queued). The domain checks each deed's time against it
(`domain/plausibility.py`); a header that is not a time, or is impossible, is 422 like any field.
"""

from __future__ import annotations

from datetime import datetime

from flask import request
from marshmallow import ValidationError

from ..domain.errors import ValidationFailed
from ..domain.plausibility import offline_since_checked
from .common import now
from .schemas.common import Timestamp

HEADER = "X-Offline-Since"


def offline_since() -> datetime | None:
    """The request's offline window start, checked; None when the device did not say it was offline."""
    value = request.headers.get(HEADER)
    if value is None or not value.strip():
        return None
    try:
        moment = Timestamp().deserialize(value.strip())
    except ValidationError as error:
        raise ValidationFailed({HEADER: error.messages}) from None
    return offline_since_checked(moment, now())
