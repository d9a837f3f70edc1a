"""Schemas of the board's counts (`/api/v1/board/counts`)."""

from __future__ import annotations

from apiflask import Schema

from .common import Integer


class BoardCountsOut(Schema):
    complaints_open = Integer(metadata={"description": "complaints not yet completed nor cancelled"})
    complaints_late = Integer(metadata={"description": "of those, past their resolve_due_at (the 48 h loop missed)"})
    follow_ups_due = Integer(metadata={"description": "follow-up calls open and not yet past due_at"})
    follow_ups_overdue = Integer(metadata={"description": "follow-up calls open and past due_at"})
