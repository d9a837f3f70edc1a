"""Sessions (loading, ending, recording their use), CSRF, role checks and security headers."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Response, current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..domain import sessions
from ..extensions import db, login_manager
from ..models import User, utcnow
from .common import now
from .errors import ApiError

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of the session whose token the cookie carries, unless it was ended (logout, a new
    password, a role change, disabled, an admin), has expired, or the account is disabled. One
    primary-key lookup; last_seen_at is written at most once a minute (after the answer)."""
    live = sessions.find_live_session(db.session, token, now())
    if live is None:
        return None  # also every cookie from before server-side sessions: log in again
    g.user_session = (live.session_id, live.user.id)
    g.touch_user_session = live.due_for_touch
    return live.user


def _current_session_id() -> str | None:
    return g.user_session[0] if has_request_context() and "user_session" in g else None


def end_current_session() -> None:
    """Logout: this session ends on the server, whatever copies of its cookie exist."""
    session_id = _current_session_id()
    if session_id:
        sessions.end_session(db.session, session_id, now())


def touch_current_session(response: Response) -> Response:
    """After the answer: record that the session was seen (at most once a minute), in a transaction
    of its own so that a GET stays read-only and a failed change does not lose it. Best effort: a
    busy database costs the session nothing but a later last_seen_at."""
    if not g.pop("touch_user_session", False):
        return response
    try:
        with Session(db.engine) as side, side.begin():
            sessions.touch_session(
                side, _current_session_id(), now=now(), lifetime=current_app.permanent_session_lifetime
            )
    except OperationalError:
        log.warning("could not record a session's last use", exc_info=True)
    return response


@event.listens_for(db.session, "before_flush")
def _end_sessions_of_changed_logins(db_session, _flush_context, _instances) -> None:
    """A new password, a new role or a disabled account ends the user's sessions on every device,
    whichever code path made the change. Setting your own password keeps the session doing it."""
    for user in [obj for obj in db_session.dirty if isinstance(obj, User)]:
        state = inspect(user)
        changed = {name for name in ("password_hash", "role", "active") if state.attrs[name].history.has_changes()}
        if not changed:
            continue
        own = has_request_context() and g.get("user_session", (None, None))[1] == user.id
        keep = _current_session_id() if own and changed == {"password_hash"} else None
        at = now() if has_app_context() else utcnow()
        sessions.end_sessions_of(db_session, user.id, at, keep=keep)


@login_manager.unauthorized_handler
def unauthorized():
    raise ApiError(401, "unauthorized", "Log in first.")


def csrf_token() -> str:
    """The session's CSRF token: derived from its token, so the cookie carries nothing else and
    a new login (a new session) has a new CSRF token."""
    token = session.get("_user_id")
    if not token:
        return ""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"csrf:" + token.encode(), "sha256").hexdigest()


def enforce_csrf() -> None:
    """A mutating request authenticated by the session cookie must echo the session's token."""
    if request.method in SAFE_METHODS or not current_user.is_authenticated:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "csrf_exempt", False) or getattr(view, "allowed_roles", None) in ("public", "customer"):
        # A public endpoint (a customer's signed link) acts on its own credential, never on the
        # session's authority: a staff session in the same browser must not make it demand a token.
        # The portal's views ("customer") check the customer session's own token (api/portal.py).
        return
    sent = request.headers.get("X-CSRF-Token", "")
    expected = csrf_token()
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(403, "csrf_failed", "Missing or wrong X-CSRF-Token header; read it from /api/v1/auth/me.")


def roles_required(*roles: str) -> Callable:
    """Only logged-in users with one of `roles` reach the view: 401 when logged out, 403 otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                raise ApiError(401, "unauthorized", "Log in first.")
            if current_user.role not in roles:
                raise ApiError(403, "forbidden", "Your role may not do this.")
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)
        return wrapper

    return decorator


def csrf_exempt(view):
    """Logging in again over a live session needs no token: it proves itself with the password."""
    view.csrf_exempt = True
    return view


def public(view):
    """Mark a view as open without login (the rule is explicit, so a forgotten one is visible)."""
    view.allowed_roles = "public"
    return view


STAFF = ("dispatcher", "admin")
ANY_ROLE = ("admin", "dispatcher", "technician")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)
# Swagger UI's page starts itself with an inline script; only the docs page gets that allowance.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


def tile_origin(tile_url: str | None) -> str | None:
    """The origin the console's map tiles come from, for its img-src ({s}. subdomains: any)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}"


def add_security_headers(response: Response) -> Response:
    docs = request.path.startswith(current_app.config.get("DOCS_PATH_PREFIX", "/api/docs"))
    headers = response.headers
    policy = DOCS_CSP if docs else CSP
    with_map = request.path in ("/dispatch", "/portal")  # the console's map, the portal's map pick
    tiles = tile_origin(current_app.config.get("MAP_TILE_URL")) if with_map else None
    if tiles:
        policy = policy.replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {tiles}")
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api/") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if request.path.startswith("/static/dist/") and response.status_code == 200:
        headers["Cache-Control"] = "public, max-age=31536000, immutable"  # hashed names never change
    return response
