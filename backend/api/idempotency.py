"""Idempotency-Key: a repeat of a key by the same user gets the first answer back and applies
nothing again. The answer is remembered in the request's own transaction (api/transaction.py
commits it with the change); a refusal worth replaying is remembered after the rollback."""

from __future__ import annotations

from flask import Response, g, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import IdempotencyRecord
from .common import is_mutating, now
from .errors import ApiError

# Answers worth replaying: successes and the client's own mistakes. Not auth, CSRF or rate-limit
# refusals (the retry may pass), nor server-side failures (nothing was applied).
NOT_REPLAYED = frozenset({401, 403, 429})
KEY_MAX_LENGTH = 200


def replay_repeated_request() -> Response | None:
    """Before the view: the first answer to this user's key, if there was one; else note the key."""
    key = request.headers.get("Idempotency-Key")
    if not is_mutating() or not key or not current_user.is_authenticated:
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


def is_replay() -> bool:
    return g.get("idempotent_replay", False)


def remember_answer(response: Response) -> None:
    """Add the answer to the request's transaction, to be committed with the change it reports."""
    if "idempotency_key" in g:
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


def answer_of_same_key() -> Response | None:
    """After a unique-key clash at commit: the same key raced in from a second connection and won;
    its answer, if that is what clashed."""
    if "idempotency_key" not in g:
        return None
    record = _lookup(g.idempotency_user_id, g.idempotency_key)
    return _replay(record) if record is not None else None


def remember_refusal(response: Response) -> None:
    """After the rollback: a refusal the same request would meet again, in a transaction of its own."""
    if "idempotency_key" not in g or response.status_code >= 500 or response.status_code in NOT_REPLAYED:
        return
    try:
        remember_answer(response)
        db.session.commit()
    except (IntegrityError, OperationalError):
        db.session.rollback()


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
