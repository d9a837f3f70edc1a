"""The technician app's shell: the page at `/`, its service worker and its web app manifest.

The app itself is built by `pwa/build.mjs` into `pwa/static/` (hashed bundles in `dist/`, listed in
`dist/manifest.json`); Flask links the current build's files into the page. Built assets never
change under a name, so they are cached for a year; the page and the worker are always revalidated.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, send_from_directory
from flask_login import current_user
from markupsafe import escape

from ..domain import tracking
from ..domain.errors import Gone, NotFound
from ..extensions import db
from .common import now
from .confirm import company
from .security import public

bp = Blueprint("pages", __name__)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#0b5cad">
<meta name="description" content="{description}">
<title>{title}</title>
{head}<link rel="icon" href="/static/icons/icon-192.png">
<link rel="stylesheet" href="/static/{css}">
</head>
<body>
<main id="app" aria-live="polite"><noscript>OnSite needs JavaScript.</noscript></main>
<script type="module" src="/static/{js}"></script>
</body>
</html>
"""
INSTALLABLE = """<link rel="manifest" href="/manifest.webmanifest">
<link rel="apple-touch-icon" href="/static/icons/icon-192.png">
"""
# The three front ends: (bundle, stylesheet, title, description, extra head).
FRONT_ENDS = {
    "technician": (
        "app.js",
        "app.css",
        "OnSite",
        "OnSite: your jobs, the visit and the customer's sign-off, with or without signal.",
        INSTALLABLE,
    ),
    "dispatch": (
        "dispatch.js",
        "dispatch.css",
        "OnSite dispatch",
        "OnSite dispatcher console: intake, assignment, live board, map and KPIs.",
        "",
    ),
    "confirm": ("confirm.js", "confirm.css", "Confirm the work · OnSite", "Confirm the work done for you.", ""),
    "track": ("track.js", "track.css", "Your service visit · OnSite", "Where your service visit stands.", ""),
    "portal": (
        "portal.js",
        "portal.css",
        "Service requests · OnSite",
        "Ask for service, follow your requests, and find quick fixes.",
        "",
    ),
}


@cache
def _built_assets(static_folder: str, stamp: float) -> dict:
    """Read once per build: `stamp` (the manifest's mtime) only keys the cache, so a rebuild is seen."""
    return json.loads((Path(static_folder) / "dist" / "manifest.json").read_text())


def built_assets() -> dict | None:
    """The current build's file names, or None when the front end has not been built."""
    manifest = Path(current_app.static_folder) / "dist" / "manifest.json"
    if not manifest.exists():
        return None
    return _built_assets(current_app.static_folder, manifest.stat().st_mtime)


def _page(front_end: str, extra_head: str = "") -> Response:
    assets = built_assets()
    if assets is None:
        body = "<!doctype html><title>OnSite</title><p>The app is not built yet: run ./scripts/serve.</p>"
        return Response(body, status=503, mimetype="text/html")
    js, css, title, description, head = FRONT_ENDS[front_end]
    page = PAGE.format(js=assets[js], css=assets[css], title=title, description=description, head=head + extra_head)
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
@public
def app_shell():
    return _page("technician")


@bp.get("/dispatch")
@public
def dispatch_console():
    """The dispatcher console (the page checks the session: others are sent to their own app)."""
    if current_user.is_authenticated and current_user.role == "technician":
        return redirect("/")
    return _page("dispatch")


@bp.get("/confirm/<string:token>")
@public
def confirmation_page(token):
    """The customer's confirmation page; the token is checked by the API the page calls."""
    response = _page("confirm", _company_meta())
    response.headers["Cache-Control"] = "no-store"
    return response


# The tracking page for a link that opens nothing: plain HTML in both languages, no script (the
# phone's language is not known without one, and an in-app browser may have scripts off).
LINK_PROBLEM = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title_zh} · {title_en}</title>
<link rel="stylesheet" href="/static/{css}">
</head>
<body>
<main class="track-problem">
<h1>{title_zh}</h1>
<p>{text_zh}</p>
<h1 lang="en">{title_en}</h1>
<p lang="en">{text_en}</p>
{call}</main>
</body>
</html>
"""
LINK_PROBLEMS = {
    404: (
        "链接无效",
        "请检查短信或邮件中的链接是否完整。",
        "This tracking link is not valid",
        "Check that the whole link from your message was opened.",
    ),
    410: (
        "链接已过期",
        "服务结束 30 天后跟踪链接失效。",
        "This tracking link has expired",
        "Tracking links end 30 days after the job is done.",
    ),
}


def _link_problem(status: int) -> Response:
    title_zh, text_zh, title_en, text_en = LINK_PROBLEMS[status]
    who = company()
    call = ""
    if who["phone"]:
        phone = escape(who["phone"])
        call = f'<p><a href="tel:{phone}">{escape(who["name"])} · {phone}</a></p>\n'
    assets = built_assets() or {}
    page = LINK_PROBLEM.format(
        title_zh=title_zh, text_zh=text_zh, title_en=title_en, text_en=text_en, call=call,
        css=assets.get("track.css", "app.css"),
    )  # fmt: skip
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/t/<string:token>")
@public
def tracking_page(token):
    """The customer's tracking page; a link that opens nothing says so in a page (404, 410)."""
    try:
        tracking.resolve(db.session, token, current_app.config["SECRET_KEY"], now())
    except NotFound:
        return _link_problem(404)
    except Gone:
        return _link_problem(410)
    response = _page("track", _company_meta())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/portal")
@public
def portal_page():
    """The customer portal (sign in with a code; the page asks the API who is signed in)."""
    response = _page("portal", _company_meta() + _map_meta())
    response.headers["Cache-Control"] = "no-store"
    return response


def _map_meta() -> str:
    """The map tiles the portal's map pick shows (none configured: the map works without tiles)."""
    config = current_app.config
    tags = [("onsite-map-tiles", config.get("MAP_TILE_URL")), ("onsite-map-attribution", config.get("MAP_ATTRIBUTION"))]
    return "".join(f'<meta name="{name}" content="{escape(value)}">\n' for name, value in tags if value)


def _company_meta() -> str:
    """The company and its phone in the page itself: a used or expired link still says whom to call."""
    who = company()
    tags = [("onsite-company", who["name"]), ("onsite-company-phone", who["phone"])]
    return "".join(f'<meta name="{name}" content="{escape(value)}">\n' for name, value in tags if value)


@bp.get("/sw.js")
@public
def service_worker():
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
@public
def web_app_manifest():
    return send_from_directory(
        current_app.static_folder, "manifest.webmanifest", mimetype="application/manifest+json", max_age=3600
    )
