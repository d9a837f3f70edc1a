"""Live updates for the dispatcher console: the timeline's events as they are written.

Events come from the database (the `events` table, in id order), not from one process's memory,
so every gunicorn worker and every server sees every change. Two ways to follow them:
`GET /api/v1/events?after=ID` (polling; an ETag makes an unchanged answer a 304) and
`GET /api/v1/events/stream` (Server-Sent Events; each stream lasts a bounded time and the browser's
EventSource reconnects with `Last-Event-ID`, so no connection or worker is held forever).
"""

from __future__ import annotations

import json
import re
import time

from apiflask import APIBlueprint
from flask import Response, current_app, request, stream_with_context
from sqlalchemy import func, select

from ..domain.errors import ValidationFailed
from ..extensions import db
from ..models import Event, format_number
from .schemas import LiveEventPage, LiveEventQuery
from .security import STAFF, roles_required

bp = APIBlueprint("live", __name__, url_prefix="/api/v1/events", tag="Live updates")
BATCH = 200
EVENT_ID = re.compile(r"[0-9]{1,18}", re.ASCII)  # "²".isdigit() is true, and int("²") fails


def _resume_after(cursor: str | None) -> int:
    """Where a stream resumes: the id the browser last saw, else now (the latest event)."""
    if cursor is None or cursor == "":
        return _latest_id()
    if not EVENT_ID.fullmatch(cursor):
        raise ValidationFailed({"after": ["must be an event id (digits 0-9)"]})
    return int(cursor)


def _events_after(after: int, limit: int = BATCH) -> list[dict]:
    rows = db.session.execute(
        select(Event.id, Event.work_order_id, Event.action, Event.to_status, Event.occurred_at)
        .where(Event.id > after)
        .order_by(Event.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": row.id,
            "work_order_id": row.work_order_id,
            "number": format_number(row.work_order_id),
            "action": row.action,
            "to_status": row.to_status,
            "occurred_at": row.occurred_at,
        }
        for row in rows
    ]


def _latest_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(Event.id), 0)))


@bp.get("")
@roles_required(*STAFF)
@bp.input(LiveEventQuery, location="query")
@bp.output(LiveEventPage)
@bp.doc(responses={304: "Nothing new since the ETag you sent"})
def poll(query_data):
    """Events after `after` (omit it to learn the latest id), oldest first, at most 200."""
    after = query_data.get("after")
    items = [] if after is None else _events_after(after)
    last_id = items[-1]["id"] if items else (after if after is not None else _latest_id())
    etag = f'"events-{last_id}"'
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    return {"items": items, "last_id": last_id}, 200, {"ETag": etag, "Cache-Control": "no-cache"}


def _sse(event: dict) -> str:
    data = json.dumps({**event, "occurred_at": event["occurred_at"].isoformat()})
    return f"id: {event['id']}\nevent: work_order\ndata: {data}\n\n"


@bp.get("/stream")
@roles_required(*STAFF)
@bp.doc(responses={200: "text/event-stream of `work_order` events (id, work_order_id, number, action, to_status)"})
def stream():
    """Server-Sent Events: each new timeline event as a `work_order` message. Resumes after
    `Last-Event-ID` (or `?after=`); the stream ends after a while and the browser reconnects."""
    after = _resume_after(request.headers.get("Last-Event-ID") or request.args.get("after"))
    # Hold no transaction (nor pooled connection) while the stream waits. The signed-in user is
    # detached first, as loaded, so that ending the transaction does not expire it under Flask-Login.
    db.session.expunge_all()
    db.session.rollback()
    config = current_app.config
    lifetime, interval = config["EVENT_STREAM_SECONDS"], config["EVENT_POLL_SECONDS"]

    def generate(after=after):
        yield f"retry: {int(interval * 1000)}\n: stream of events after {after}\n\n"
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline:
            events = _events_after(after)
            db.session.rollback()
            for event in events:
                after = event["id"]
                yield _sse(event)
            if not events:
                yield ": keep-alive\n\n"
                time.sleep(interval)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(stream_with_context(generate()), mimetype="text/event-stream", headers=headers)
