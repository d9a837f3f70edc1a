"""Sessions, CSRF, role checks and security headers."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from flask_login import current_user, login_user
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..models import Technician, User
from .errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session's user, unless disabled or their password changed since (see `User.get_id`)."""
    user_id, _, digest = session_id.partition(":")
    if not user_id.isdigit() or not digest:
        return None  # a session from before passwords ended sessions: log in again
    # The technician profile comes in the same query: nearly every technician request needs it
    # (what they may see is decided by it), and a round trip per request adds up under load.
    user = db.session.get(User, int(user_id), options=[joinedload(User.technician).lazyload(Technician.user)])
    if user is None or not user.active or not hmac.compare_digest(digest, user.password_digest()):
        return None
    return user


def keep_own_session(user: User) -> None:
    """After changing your own password, this session goes on (every other one has ended)."""
    if current_user.is_authenticated and current_user.id == user.id:
        login_user(user)


@login_manager.unauthorized_handler
def unauthorized():
    raise ApiError(401, "unauthorized", "Log in first.")


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def enforce_csrf() -> None:
    """A mutating request authenticated by the session cookie must echo the session's token."""
    if request.method in SAFE_METHODS or not current_user.is_authenticated:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "csrf_exempt", False):
        return
    sent = request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf", "")
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


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        docs = request.path.startswith(current_app.config.get("DOCS_PATH_PREFIX", "/api/docs"))
        headers = response.headers
        policy = DOCS_CSP if docs else CSP
        tiles = tile_origin(current_app.config.get("MAP_TILE_URL")) if request.path == "/dispatch" else None
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
