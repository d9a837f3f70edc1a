"""Server-side sessions and failed logins: the rules, without HTTP.

A session is a row keyed by the SHA-256 of a random token; only the token travels in the cookie.
Ending a session is setting `revoked_at`, so every host sees it at the next request. Failed logins
are rows too, counted over the login limit's window by account, address and known device.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from ..models import Technician, User
from ..models.sessions import LoginFailure, UserSession

# last_seen_at (and the idle expiry with it) moves at most this often: a technician's phone polls
# every few seconds, and a write per request would cost more than the request.
TOUCH_EVERY = timedelta(minutes=1)
# Ended and expired sessions, staff's and customers', are kept this long (who was logged in where), then deleted.
KEEP_ENDED = timedelta(days=30)


def session_id_of(token: str) -> str:
    """The row's key: a hash, so the table alone opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session, user: User, *, now: datetime, lifetime: timedelta, user_agent: str, address: str | None
) -> str:
    """A new session for `user` on one device; answers the token for the cookie. The user's
    long-ended sessions are deleted on the way (cheap: by the user's index)."""
    delete_long_ended(session, UserSession, UserSession.user_id == user.id, now)
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=session_id_of(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            **device_columns(user_agent, address),
        )
    )
    return token


def delete_long_ended(session: Session, table: type, owned: ColumnElement[bool], now: datetime) -> None:
    """Delete the sessions of `table` that `owned` selects (one person's, by their index) and that
    ended, expired or revoked, more than KEEP_ENDED ago. Staff's and customers' sessions alike."""
    ended_long_ago = or_(table.expires_at < now - KEEP_ENDED, table.revoked_at < now - KEEP_ENDED)
    session.execute(delete(table).where(owned).where(ended_long_ago).execution_options(synchronize_session=False))


def device_columns(user_agent: str | None, address: str | None) -> dict:
    """What a session keeps of the device that opened it, cut to its columns' lengths."""
    return {"user_agent": (user_agent or "")[:300], "address": (address or None) and address[:64]}


@dataclass(frozen=True)
class LiveSession:
    user: User
    session_id: str
    due_for_touch: bool


def find_live_session(session: Session, token: str, now: datetime) -> LiveSession | None:
    """The user of a session that is neither ended nor expired, their account active. One indexed
    query (the primary key), the technician profile joined: nearly every technician request needs it."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == session_id_of(token))
        .options(joinedload(User.technician).lazyload(Technician.user))
    ).first()
    if row is None:
        return None
    user_session, user = row
    if user_session.revoked_at is not None or user_session.expires_at <= now or not user.active:
        return None
    return LiveSession(user, user_session.id, now - user_session.last_seen_at >= TOUCH_EVERY)


def touch_session(session: Session, session_id: str, *, now: datetime, lifetime: timedelta) -> None:
    """Seen now: the idle expiry starts again (a session lasts `lifetime` after its last use)."""
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(last_seen_at=now, expires_at=now + lifetime)
        .execution_options(synchronize_session=False)
    )


def end_session(session: Session, session_id: str, now: datetime) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def end_sessions_of(session: Session, user_id: int, now: datetime, *, keep: str | None = None) -> int:
    """End every live session of the user (but `keep`, the one making a password change); answers
    how many were live."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    query = query.where(UserSession.expires_at > now)
    if keep:
        query = query.where(UserSession.id != keep)
    return session.execute(query.values(revoked_at=now).execution_options(synchronize_session=False)).rowcount


# ---- failed logins ---------------------------------------------------------------------------------


def failures_since(session: Session, since: datetime, **match) -> int:
    """Failed logins since `since` matching every given column (account, address, device)."""
    query = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > since)
    for column, value in match.items():
        query = query.where(getattr(LoginFailure, column) == value)
    return session.scalar(query)


def record_failure(
    session: Session, *, now: datetime, account: str, address: str, device: str | None, keep: timedelta
) -> None:
    """One more failed login; failures older than `keep` (the longest window) are forgotten."""
    forgotten = delete(LoginFailure).where(LoginFailure.at < now - keep)
    session.execute(forgotten.execution_options(synchronize_session=False))
    session.add(LoginFailure(at=now, account=account[:254], address=(address or "?")[:64], device=device))
