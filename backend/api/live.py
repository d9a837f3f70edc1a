"""Live updates for the dispatcher console: the timeline's events as they are written.

Events come from the database (the `events` table, in id order), not from one process's memory,
so every gunicorn worker and every server sees every change. Two ways to follow them:
`GET /api/v1/events?after=ID` (polling; an ETag makes an unchanged answer a 304) and
`GET /api/v1/events/stream` (Server-Sent Events; each stream lasts a bounded time and the browser's
EventSource reconnects with `Last-Event-ID`, so no connection or worker is held forever).

A stream holds a gunicorn thread while it lasts, so streams are capped twice: per worker, below
its thread count (beyond it: 503 with Retry-After, and the console polls), so that they never take
every thread from ordinary requests; and per user (`EVENT_STREAMS_PER_USER`, 3), counted in the
database across workers and hosts: a user's newest stream ends their oldest beyond the cap.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from datetime import timedelta

from apiflask import APIBlueprint
from flask import Response, current_app, request, stream_with_context
from flask_login import current_user
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from ..domain.errors import ValidationFailed
from ..domain.timing import utc_text
from ..extensions import db
from ..models import Event, LiveStream, format_number
from .common import now
from .errors import error_response
from .schemas.live import LiveEventPage, LiveEventQuery
from .security import STAFF, roles_required

bp = APIBlueprint("live", __name__, url_prefix="/api/v1/events", tag="Live updates")
log = logging.getLogger(__name__)
BATCH = 200
STREAM_RETRY_AFTER_SECONDS = 30
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
    data = json.dumps({**event, "occurred_at": utc_text(event["occurred_at"])})
    return f"id: {event['id']}\nevent: work_order\ndata: {data}\n\n"


def _stream_settings(state) -> None:
    """Caps from the environment unless the app's config already has them. A worker's cap of 0
    means half the worker's threads (`WORKER_THREADS`, set by scripts/gunicorn.conf.py; 8 if unset)."""
    state.app.config.setdefault("EVENT_STREAMS_PER_USER", int(os.environ.get("EVENT_STREAMS_PER_USER", "3")))
    state.app.config.setdefault("EVENT_STREAMS_PER_WORKER", int(os.environ.get("EVENT_STREAMS_PER_WORKER", "0")))
    state.app.extensions["onsite_stream_slots"] = WorkerStreamSlots()


bp.record_once(_stream_settings)


class WorkerStreamSlots:
    """The streams open in this process, against its cap."""

    def __init__(self):
        self._lock = threading.Lock()
        self._open = 0

    def take(self, cap: int) -> bool:
        with self._lock:
            if self._open >= cap:
                return False
            self._open += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self._open -= 1


def worker_stream_cap(config) -> int:
    return config["EVENT_STREAMS_PER_WORKER"] or max(1, config.get("WORKER_THREADS", 8) // 2)


def _too_many_streams():
    message = "Too many live-update streams are open on this server; poll GET /api/v1/events instead."
    return error_response(503, message, headers={"Retry-After": str(STREAM_RETRY_AFTER_SECONDS)})


def _register_stream(user_id: int, lifetime_seconds: float) -> int:
    """A row for this stream; the user's oldest beyond their cap are deleted, which ends them.
    Expired rows (a worker died holding them) are removed on the way."""
    if db.engine.dialect.name == "sqlite":
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")  # a write; not a read upgraded
    opened = now()
    db.session.execute(delete(LiveStream).where(LiveStream.expires_at < opened))
    stream = LiveStream(user_id=user_id, opened_at=opened, expires_at=opened + timedelta(seconds=lifetime_seconds + 60))
    db.session.add(stream)
    db.session.flush()
    beyond_cap = db.session.scalars(
        select(LiveStream.id)
        .where(LiveStream.user_id == user_id)
        .order_by(LiveStream.id.desc())
        .offset(current_app.config["EVENT_STREAMS_PER_USER"])
    ).all()
    if beyond_cap:
        db.session.execute(delete(LiveStream).where(LiveStream.id.in_(beyond_cap)))
    stream_id = stream.id
    db.session.commit()
    return stream_id


def _still_open(stream_id: int) -> bool:
    return db.session.get(LiveStream, stream_id, populate_existing=True) is not None


def _forget(stream_id: int) -> None:
    try:
        db.session.execute(delete(LiveStream).where(LiveStream.id == stream_id))
        db.session.commit()
    except OperationalError:  # the row expires on its own
        db.session.rollback()
        log.warning("could not remove live stream %s", stream_id)


def _closer(app, stream_id: int, slots: WorkerStreamSlots):
    """Frees the stream's worker slot and row once its response is closed, however it ended
    (its time was up, it was superseded, or the client went away)."""
    done = threading.Lock()

    def close() -> None:
        if not done.acquire(blocking=False):
            return
        slots.give_back()
        with app.app_context():
            _forget(stream_id)

    return close


SUPERSEDED = 'event: superseded\ndata: {"reason": "a newer stream of yours replaced this one"}\n\n'


@bp.get("/stream")
@roles_required(*STAFF)
@bp.output(
    {},
    content_type="text/event-stream",
    description="`work_order` events (id, work_order_id, number, action, to_status); a `superseded` event "
    "ends a stream that the user's newer streams replaced (poll instead)",
)
@bp.doc(responses={503: "Too many streams on this server: poll instead (Retry-After)"})
def stream():
    """Server-Sent Events: each new timeline event as a `work_order` message. Resumes after
    `Last-Event-ID` (or `?after=`); the stream ends after a while and the browser reconnects.
    A user has at most `EVENT_STREAMS_PER_USER` (3) streams: a newer one ends the oldest with a
    `superseded` event. A server with no stream to spare answers 503 with Retry-After."""
    after = _resume_after(request.headers.get("Last-Event-ID") or request.args.get("after"))
    config = current_app.config
    lifetime, interval = config["EVENT_STREAM_SECONDS"], config["EVENT_POLL_SECONDS"]
    slots = current_app.extensions["onsite_stream_slots"]
    if not slots.take(worker_stream_cap(config)):
        return _too_many_streams()
    user_id = current_user.id
    # Hold no transaction (nor pooled connection) while the stream waits. The signed-in user is
    # detached first, as loaded, so that ending the transaction does not expire it under Flask-Login.
    db.session.expunge_all()
    db.session.rollback()
    try:
        stream_id = _register_stream(user_id, lifetime)
    except BaseException:
        slots.give_back()
        raise

    def generate(after=after):
        yield f"retry: {int(interval * 1000)}\n: stream of events after {after}\n\n"
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline:
            if not _still_open(stream_id):
                db.session.rollback()
                yield SUPERSEDED
                return
            events = _events_after(after)
            db.session.rollback()
            for event in events:
                after = event["id"]
                yield _sse(event)
            if not events:
                yield ": keep-alive\n\n"
                time.sleep(interval)
        # Before the browser reconnects: its next stream must not count this one and end another.
        _forget(stream_id)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    response = Response(stream_with_context(generate()), mimetype="text/event-stream", headers=headers)
    response.call_on_close(_closer(current_app._get_current_object(), stream_id, slots))
    return response
