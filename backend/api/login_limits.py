"""How many wrong passwords an account, an address and a known device may send.

With the default limiter storage (memory://) every gunicorn worker counted on its own, so 6-7
failures passed a limit of 5: the failures are then counted in the database, which every worker
and host shares. With Redis configured (RATELIMIT_STORAGE_URI), Flask-Limiter counts there instead.

Six wrong passwords locked any account, the admin's too, for anyone who knew the email. A device
that logged in to the account before (it holds a signed cookie naming the account) is therefore
not held by the account's or the address's lock: it gets its own allowance of wrong passwords, so
the right password from the owner's phone still works while a stranger is guessing.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Response, after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import sessions
from ..domain.directory import normalise_email
from ..extensions import db
from ..models import User
from .common import now
from .errors import ApiError

DEVICE_COOKIE = "onsite_device"
DEVICE_DAYS = 365
ACCOUNTS_PER_DEVICE = 10  # a phone shared by a crew remembers each of them


def counts_in_database() -> bool:
    """Memory storage is per process: then the database keeps the count."""
    return current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")


def _limit(name: str) -> tuple[int, timedelta]:
    item = parse(current_app.config[name])
    return item.amount, timedelta(seconds=item.get_expiry())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="onsite-known-device")


def _device_cookie() -> dict | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        payload = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), str) or not isinstance(payload.get("u"), list):
        return None
    return payload


def known_device_for(user: User | None) -> str | None:
    """This browser's device id, if it logged in to `user`'s account before."""
    payload = _device_cookie()
    if user is None or payload is None or user.id not in payload["u"]:
        return None
    return payload["d"]


def remember_device(user: User) -> None:
    """After a successful login: this browser is known to the account from now on."""
    payload = _device_cookie() or {"d": secrets.token_urlsafe(16), "u": []}
    accounts = [user.id] + [uid for uid in payload["u"] if uid != user.id]
    value = _serializer().dumps({"d": payload["d"], "u": accounts[:ACCOUNTS_PER_DEVICE]})

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_DAYS * 86400,
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            samesite="Strict",
            path="/api/v1/auth",
        )
        return response


def _too_many() -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        "Too many failed logins for this account or address; wait a while, or log in from a device used before.",
    )


def refuse_when_locked(account: str, device: str | None) -> None:
    """429 when the attempt is over a limit, before the password is looked at."""
    at = now()
    if device:
        amount, window = _limit("LOGIN_LIMIT_PER_ACCOUNT")
        if sessions.failures_since(db.session, at - window, account=account, device=device) >= amount:
            raise _too_many()
        return
    if not counts_in_database():
        return  # Flask-Limiter's shared storage counts these
    for name, match in (
        ("LOGIN_LIMIT_PER_ACCOUNT", {"account": account}),
        ("LOGIN_LIMIT_PER_ADDRESS", {"address": request.remote_addr or "?"}),
    ):
        amount, window = _limit(name)
        if sessions.failures_since(db.session, at - window, **match) >= amount:
            raise _too_many()


def note_failure(account: str, device: str | None) -> None:
    """Count a wrong password. Its own transaction: the request's is rolled back with the 401."""
    if not counts_in_database() and not device:
        return
    keep = max(_limit("LOGIN_LIMIT_PER_ACCOUNT")[1], _limit("LOGIN_LIMIT_PER_ADDRESS")[1])
    with Session(db.engine) as side, side.begin():
        sessions.record_failure(
            side, now=now(), account=account, address=request.remote_addr or "?", device=device, keep=keep
        )


def limiter_exempt() -> bool:
    """Flask-Limiter's login limits apply only when it has shared storage, and not to a device
    known to the account (counted by `refuse_when_locked` instead)."""
    if counts_in_database():
        return True
    if "login_device" not in g:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
        user = None
        if isinstance(email, str):
            user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
        g.login_device = known_device_for(user)
    return g.login_device is not None
