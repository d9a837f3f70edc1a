"""One transaction per request, and Idempotency-Key replay.

Views never commit. After a mutating request the response decides: a success commits (together
with the idempotency record, in the same transaction), a failure rolls everything back. A repeat
of a key by the same user gets the first response back and applies nothing again.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import IdempotencyRecord
from .common import now
from .errors import ApiError, database_unavailable, error_response
from .request_body import read_body
from .security import enforce_csrf

log = logging.getLogger(__name__)

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answers worth replaying: successes and the client's own mistakes. Not auth, CSRF or rate-limit
# refusals (the retry may pass), nor server-side failures (nothing was applied).
NOT_REPLAYED = frozenset({401, 403, 429})
KEY_MAX_LENGTH = 200


def _lookup(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    )


def _replay(record: IdempotencyRecord) -> Response:
    if record.method != request.method or record.path != request.path:
        raise ApiError(
            422,
            "validation_error",
            "This Idempotency-Key was already used for a different request.",
            {"Idempotency-Key": ["was already used for a different request"]},
        )
    response = Response(record.body, status=record.status_code, content_type=record.content_type)
    response.headers["Idempotent-Replayed"] = "true"
    g.idempotent_replay = True
    return response


def _remember(response: Response) -> None:
    db.session.add(
        IdempotencyRecord(
            user_id=g.idempotency_user_id,
            key=g.idempotency_key,
            method=request.method,
            path=request.path,
            status_code=response.status_code,
            body=response.get_data(as_text=True),
            content_type=response.content_type or "application/json",
            created_at=now(),
        )
    )


def remove_file_on_rollback(path: str) -> None:
    """A file written for this request that must not outlive a rolled-back transaction."""
    g.setdefault("files_to_remove_on_rollback", []).append(path)


def _rollback() -> None:
    db.session.rollback()
    for path in g.pop("files_to_remove_on_rollback", []):
        try:
            os.remove(path)
        except OSError:
            log.warning("could not remove %s after rollback", path)


def writes_nothing(view):
    """Mark a POST that takes no write lock at its start (logging in or out). On SQLite it then does
    not hold the write lock through its password hash, which queued every change behind logins (in
    the load test, logins timed out waiting for it); the session's row is written at commit, after
    the hash, taking the lock only for that write."""
    view.writes_nothing = True
    return view


def _take_sqlite_write_lock() -> None:
    """SQLite: a change starts with the write lock (BEGIN IMMEDIATE), before its first read. Two
    workers changing one work order at once then run one after the other, instead of both reading
    version n and one failing with a stale version at commit."""
    view = current_app.view_functions.get(request.endpoint or "")
    if db.engine.dialect.name == "sqlite" and not getattr(view, "writes_nothing", False):
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def begin_request():
    enforce_csrf()
    if request.method in MUTATING:
        read_body()  # before the lock: never hold it while waiting on a client
        _take_sqlite_write_lock()
    key = request.headers.get("Idempotency-Key")
    if request.method not in MUTATING or not key or not current_user.is_authenticated:
        return None
    if len(key) > KEY_MAX_LENGTH:
        raise ApiError(
            422, "validation_error", "Idempotency-Key is too long.", {"Idempotency-Key": ["at most 200 characters"]}
        )
    record = _lookup(current_user.id, key)
    if record is not None:
        return _replay(record)
    g.idempotency_key, g.idempotency_user_id = key, current_user.id
    return None


def _commit_success(response: Response) -> Response:
    if "idempotency_key" in g:
        _remember(response)
    try:
        db.session.commit()
    except IntegrityError:
        _rollback()
        if "idempotency_key" in g:
            # The same key raced in from a second connection and won: answer as it did.
            record = _lookup(g.idempotency_user_id, g.idempotency_key)
            if record is not None:
                return _replay(record)
        log.exception("integrity error at commit")
        return error_response(409, "The change clashes with data saved at the same moment; reload and retry.")
    except StaleDataError:
        _rollback()
        return error_response(409, "Someone else changed this work order at the same moment; reload it.")
    except OperationalError as error:
        _rollback()
        return database_unavailable(error)
    return response


def _remember_failure(response: Response) -> None:
    if "idempotency_key" not in g or response.status_code >= 500 or response.status_code in NOT_REPLAYED:
        return
    try:
        _remember(response)
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()


def end_request(response: Response) -> Response:
    if request.method not in MUTATING or g.get("idempotent_replay"):
        return response
    if response.status_code < 400:
        return _commit_success(response)
    _rollback()
    _remember_failure(response)
    return response


def purge_idempotency_records(session: Session, at: datetime, keep_days: int) -> int:
    """Forget keys older than `keep_days` (the contract keeps them at least 7 days)."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < at - timedelta(days=keep_days))
    )
    return result.rowcount


def register_transaction_hooks(app: Flask) -> None:
    app.before_request(begin_request)
    app.after_request(end_request)
