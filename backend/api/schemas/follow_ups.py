"""Follow-up calls (回访): the queue and what each call found."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Nested
from apiflask.validators import Range

from ...domain.follow_ups import QUEUE_STATUSES
from ...models import FollowUp
from ..common import actor, now
from .common import Integer, String, Timestamp, one_of, text
from .lists import PageQuery, page_of, period_from
from .work_orders import WorkOrderOut, work_order_dict


class FollowUpQuery(PageQuery):
    status = String(
        validate=one_of(QUEUE_STATUSES),
        metadata={"description": "due: open, not yet late; overdue: open, past due_at; done. Default: all"},
    )
    from_ = period_from(metadata={"description": "done_at (done) or due_at (others) from here"})
    to = Timestamp(metadata={"description": "... up to here (exclusive)"})


def strict_boolean(**kwargs) -> Boolean:
    """true or false only (marshmallow would also take "yes", 1, "on" ...)."""
    return Boolean(truthy={True}, falsy={False}, **kwargs)


class OutcomeIn(Schema):
    reached = strict_boolean(required=True, metadata={"description": "whether the customer answered the call"})
    satisfaction = Integer(allow_none=True, validate=Range(min=1, max=5), metadata={"description": "1-5"})
    comment = text(2000, allow_none=True)
    reopen = Boolean(allow_none=True, metadata={"description": "the problem is back: reopen the job as a repeat visit"})


class OutcomeOut(Schema):
    reached = Boolean()
    satisfaction = Integer(allow_none=True)
    comment = String(allow_none=True)
    reopened = Boolean()


class FollowUpOut(Schema):
    id = Integer()
    work_order = Nested(WorkOrderOut, metadata={"description": "the job, with its customer's phone"})
    reason = String(metadata={"description": "complaint, low_rating, dispute or sample"})
    created_at = Timestamp()
    due_at = Timestamp()
    overdue = Boolean(metadata={"description": "open and past due_at"})
    done_at = Timestamp(allow_none=True)
    outcome = Nested(OutcomeOut, allow_none=True)


FollowUpPage = page_of(FollowUpOut, "FollowUpPage")


def follow_up_dict(follow_up: FollowUp) -> dict:
    return {
        "id": follow_up.id,
        "work_order": work_order_dict(follow_up.work_order, actor()),
        "reason": follow_up.reason,
        "created_at": follow_up.created_at,
        "due_at": follow_up.due_at,
        "overdue": follow_up.done_at is None and follow_up.due_at < now(),
        "done_at": follow_up.done_at,
        "outcome": follow_up.outcome,
    }
