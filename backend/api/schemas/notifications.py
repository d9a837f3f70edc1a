"""The signed-in user's notifications."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict
from apiflask.validators import Range

from .common import Integer, String, Timestamp
from .lists import PageQuery, page_of


class NotificationQuery(PageQuery):
    unread = Boolean()


class NotificationOut(Schema):
    id = Integer()
    work_order_id = Integer(allow_none=True)
    kind = String(metadata={"description": "assigned (a job given to you) or unassigned (taken away)"})
    message = String()
    details = Dict()
    created_at = Timestamp()
    read_at = Timestamp(allow_none=True)
    by = String(metadata={"description": "who moved the job: dispatcher or scheduler"})
    work_order_number = String(allow_none=True)
    work_order_title = String(allow_none=True)


class ReadAllIn(Schema):
    up_to_id = Integer(
        validate=Range(min=0),
        metadata={"description": "the newest notification shown: later ones stay unread (a replayed tap)"},
    )


class ReadAllOut(Schema):
    marked = Integer(metadata={"description": "how many notifications were unread and are read now"})


NotificationPage = page_of(NotificationOut, "NotificationPage")
