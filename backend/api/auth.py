"""Logging in and out, and who am I."""

from __future__ import annotations

import secrets

from apiflask import APIBlueprint
from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.directory import normalise_email
from ..domain.sessions import open_session
from ..extensions import db, limiter
from ..models import User
from . import login_limits
from .common import now
from .errors import ApiError
from .schemas.users import LoginIn, SessionOut
from .security import (
    ANY_ROLE,
    csrf_exempt,
    csrf_token,
    end_current_session,
    public,
    roles_required,
)
from .write_lock import writes_nothing

bp = APIBlueprint("auth", __name__, url_prefix="/api/v1/auth", tag="Auth")

# Checked when the email is unknown, so that a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))


def _failed(response) -> bool:
    return response.status_code == 401


def _account_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "account:" + normalise_email(email) if isinstance(email, str) else "account:?"


def _session_body() -> dict:
    return {"user": current_user._get_current_object(), "csrf_token": csrf_token()}


@bp.post("/login")
@public
@csrf_exempt
@writes_nothing  # up to the password check: the session's row is written at commit, after the hash
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    deduct_when=_failed,
    exempt_when=login_limits.limiter_exempt,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    key_func=get_remote_address,
    deduct_when=_failed,
    exempt_when=login_limits.limiter_exempt,
    scope="login-address",
)
@bp.input(LoginIn)
@bp.output(SessionOut)
@bp.doc(responses={401: "Wrong email or password", 429: "Too many failed attempts for this account or address"})
def login(json_data):
    """Log in with email and password; answers the session cookie and the CSRF token. A device
    that logged in to the account before is not held by the account's lock (see login_limits)."""
    account = normalise_email(json_data["email"])
    user = db.session.scalar(select(User).where(User.email == account))
    device = login_limits.known_device_for(user)
    login_limits.refuse_when_locked(account, device)
    if user is None:
        check_password_hash(_DUMMY_HASH, json_data["password"])
    if user is None or not user.check_password(json_data["password"]) or not user.active:
        login_limits.note_failure(account, device)
        raise ApiError(401, "unauthorized", "Wrong email or password.")
    session.clear()
    user.session_token = open_session(
        db.session,
        user,
        now=now(),
        lifetime=current_app.permanent_session_lifetime,
        user_agent=request.user_agent.string,
        address=request.remote_addr,
    )
    login_user(user)
    session.permanent = True
    login_limits.remember_device(user)
    return _session_body()


@bp.post("/logout")
@roles_required(*ANY_ROLE)
@bp.output({}, status_code=204)
def logout():
    """End the session, on the server: a copy of the cookie opens nothing afterwards."""
    end_current_session()
    logout_user()
    session.clear()
    return ""


@bp.get("/me")
@roles_required(*ANY_ROLE)
@bp.output(SessionOut)
def me():
    """The logged-in user and the CSRF token to send with every change."""
    return _session_body()
