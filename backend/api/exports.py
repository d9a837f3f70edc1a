"""How many exports one user runs at once, counted in the database (`export_slots`).

An export streams for seconds to minutes; eight at once by one person took a minute of every
worker. A process-local counter would let each gunicorn worker (and each host) run its own, so a
slot is a row, taken in its own short transaction (committed at once, so every worker sees it,
and never holding the SQLite write lock while the export streams) and given back when the
response is closed. A slot whose worker died mid-export frees itself at `expires_at`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_login import current_user
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import ExportSlot
from .common import now
from .errors import ApiError

log = logging.getLogger(__name__)


def _free_expired(user_id: int) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(ExportSlot).where(ExportSlot.user_id == user_id, ExportSlot.expires_at <= now()))


def _try_slot(user_id: int, slot: int, token: str) -> bool:
    started = now()
    row = {
        "user_id": user_id,
        "slot": slot,
        "token": token,
        "started_at": started,
        "expires_at": started + timedelta(seconds=current_app.config["EXPORT_SLOT_SECONDS"]),
    }
    try:
        with db.engine.begin() as connection:
            connection.execute(insert(ExportSlot).values(**row))
    except IntegrityError:  # that slot is taken (the primary key decides, even between two hosts)
        return False
    return True


def _releaser(user_id: int, slot: int, token: str) -> Callable[[], None]:
    engine = db.engine  # the response is closed after the app's context is gone

    def release() -> None:
        """Give the slot back; only ours (after expiring it may have gone to a later export)."""
        try:
            with engine.begin() as connection:
                connection.execute(
                    delete(ExportSlot).where(
                        ExportSlot.user_id == user_id, ExportSlot.slot == slot, ExportSlot.token == token
                    )
                )
        except OperationalError as error:  # the slot expires on its own
            log.warning("could not release export slot %s/%s: %s", user_id, slot, error)

    return release


def take_export_slot() -> Callable[[], None]:
    """One of the user's EXPORTS_PER_USER slots, or 429; returns the function that gives it back."""
    user_id = current_user.id
    limit = current_app.config["EXPORTS_PER_USER"]
    _free_expired(user_id)
    token = uuid.uuid4().hex
    for slot in range(limit):
        if _try_slot(user_id, slot, token):
            return _releaser(user_id, slot, token)
    plural = "export" if limit == 1 else "exports"
    raise ApiError(429, "rate_limited", f"You already have {limit} {plural} running; wait until it has downloaded.")
