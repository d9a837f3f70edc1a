"""One transaction per request: views never commit. After a mutating request the response
decides: a success commits (with its idempotency record, in the same transaction), a failure
rolls everything back, and what the request did outside the database is undone with it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, g
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from . import idempotency
from .common import is_mutating
from .errors import database_unavailable, error_response

log = logging.getLogger(__name__)


def on_rollback(undo: Callable[[], None]) -> None:
    """Something this request did outside the database (a file written) that must not outlive a
    rolled-back transaction."""
    g.setdefault("undo_on_rollback", []).append(undo)


def rollback() -> None:
    db.session.rollback()
    for undo in g.pop("undo_on_rollback", []):
        undo()


def finish_transaction(response: Response) -> Response:
    """After the view: commit a success, roll back a failure (then remember it for a replay)."""
    if not is_mutating() or idempotency.is_replay():
        return response
    if response.status_code < 400:
        return _commit(response)
    rollback()
    idempotency.remember_refusal(response)
    return response


def _commit(response: Response) -> Response:
    idempotency.remember_answer(response)
    try:
        db.session.commit()
    except IntegrityError:
        rollback()
        replayed = idempotency.answer_of_same_key()
        if replayed is not None:
            return replayed
        log.exception("integrity error at commit")
        return error_response(409, "The change clashes with data saved at the same moment; reload and retry.")
    except StaleDataError:
        rollback()
        return error_response(409, "Someone else changed this work order at the same moment; reload it.")
    except OperationalError as error:
        rollback()
        return database_unavailable(error)
    return response
