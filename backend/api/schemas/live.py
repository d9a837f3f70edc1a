"""Live updates: the timeline's events as they are written."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import List, Nested
from apiflask.validators import Range

from .common import Integer, String, Timestamp


class LiveEventQuery(Schema):
    after = Integer(validate=Range(min=0), metadata={"description": "the last event id you have"})


class LiveEventOut(Schema):
    id = Integer()
    work_order_id = Integer()
    number = String()
    action = String()
    to_status = String(allow_none=True)
    occurred_at = Timestamp()


class LiveEventPage(Schema):
    items = List(Nested(LiveEventOut))
    last_id = Integer(metadata={"description": "send it back as `after` next time"})
