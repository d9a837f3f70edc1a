"""The customer portal: sign in with a one-time code, request service, follow it, self-help.

Customer sessions are their own: their own cookie (`onsite_portal`), table and CSRF token. The
staff API reads only the staff session (flask-login), so a customer session reaches nothing of it
(401); the views here read only the customer session. See domain/portal.py for the rules.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from functools import wraps

from apiflask import APIBlueprint
from flask import Response, after_this_request, current_app, g, request
from limits import parse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..domain import portal
from ..domain.assets import asset_for_token
from ..domain.dispatch import auto_assign, dispatch_settings
from ..domain.errors import NotFound
from ..domain.geocoding import settings_from_config as geocoder_settings
from ..domain.geocoding import suggest
from ..domain.knowledge import article_query
from ..domain.uploads import DailyQuotaExceeded, check_upload_quota
from ..extensions import db, limiter
from ..models import Asset, Attachment, Customer, CustomerSession, WorkOrder
from .common import now, paginate
from .errors import ApiError
from .geocoding import in_own_transaction
from .schemas.customers import customer_dict
from .schemas.geocoding import GeocodeQuery, SuggestionsOut
from .schemas.lists import PageQuery
from .schemas.portal import (
    ArticlePage,
    ArticleQuery,
    CodeIn,
    CodeOut,
    PortalAssetOut,
    PortalCustomerOut,
    PortalMeOut,
    PortalMePatch,
    PortalPhotoIn,
    PortalPhotoOut,
    PortalRequestIn,
    PortalRequestOut,
    PortalRequestPage,
    PortalSessionIn,
    PortalSessionOut,
)
from .security import SAFE_METHODS, csrf_exempt, public
from .track import customer_views, tracking_url
from .uploads import store_image, upload_quota, upload_rate_limit
from .write_lock import writes_nothing

bp = APIBlueprint("portal", __name__, url_prefix="/api/v1/portal", tag="Customer portal")

COOKIE = "onsite_portal"


# ---- the customer session -------------------------------------------------------------------------


def _portal_csrf(token: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"portal-csrf:" + token.encode(), "sha256").hexdigest()


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config["PORTAL_SESSION_DAYS"])


def current_customer_session() -> CustomerSession | None:
    """The live customer session this request's portal cookie names, if any."""
    if "customer_session" not in g:
        token = request.cookies.get(COOKIE)
        g.customer_session = portal.find_customer_session(db.session, token, now()) if token else None
    return g.customer_session


def customer_required(view):
    """Only a signed-in customer reaches the view (401 otherwise, staff sessions included); a change
    must echo the customer session's CSRF token (403 csrf_failed)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cs = current_customer_session()
        if cs is None:
            raise ApiError(401, "unauthorized", "Sign in with a code first.")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent.encode(), _portal_csrf(request.cookies[COOKIE]).encode()):
                raise ApiError(
                    403, "csrf_failed", "Missing or wrong X-CSRF-Token header; read it from /api/v1/portal/me."
                )
        return view(cs, *args, **kwargs)

    wrapper.allowed_roles = "customer"
    return wrapper


def _set_cookie(token: str | None) -> None:
    @after_this_request
    def set_cookie(response: Response) -> Response:
        if token is None:
            response.delete_cookie(COOKIE, path="/", samesite="Lax")
            return response
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(_lifetime().total_seconds()),
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            samesite="Lax",
            path="/",
        )
        return response


def _customer_dict(customer: Customer | None, cs: CustomerSession | None = None) -> dict:
    """The signed-in customer (PortalCustomerOut keeps what the portal shows), or the contact a new
    caller signed in with."""
    if customer is None:
        return {"id": None, "name": None, "phone": cs.phone if cs else None, "email": cs.email if cs else None}
    return customer_dict(customer)


def _assets(customer: Customer | None) -> list[dict]:
    """The customer's machines (equipment and warranty), oldest first."""
    if customer is None:
        return []
    rows = db.session.scalars(select(Asset).where(Asset.customer_id == customer.id).order_by(Asset.id))
    return [{"id": a.id, "model": a.model, "serial": a.serial, "warranty_until": a.warranty_until} for a in rows]


# ---- signing in ---------------------------------------------------------------------------------


def _limits() -> portal.CodeLimits:
    contact = parse(current_app.config["PORTAL_CODE_LIMIT_PER_CONTACT"])
    address = parse(current_app.config["PORTAL_CODE_LIMIT_PER_ADDRESS"])
    return portal.CodeLimits(
        contact.amount, timedelta(seconds=contact.get_expiry()), address.amount, timedelta(seconds=address.get_expiry())
    )


def _language(json_data: dict) -> str:
    if json_data.get("language"):
        return json_data["language"]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"]) or "zh-CN"
    return "en" if best == "en" else "zh-CN"


@bp.post("/codes")
@public
@csrf_exempt
@bp.input(CodeIn)
@bp.output(CodeOut, status_code=202)
@bp.doc(responses={429: "Too many codes for this contact or from this address"})
def request_code(json_data):
    """Send a six-digit code to a phone or email, valid 10 minutes. The answer is the same whether or
    not the contact is known (no enumeration); a new contact signs in to make their first request."""
    contact = portal.contact_of(json_data.get("phone"), json_data.get("email"))
    try:
        row, code = portal.issue_code(
            db.session, contact, request.remote_addr, now(), current_app.config["SECRET_KEY"], _limits()
        )
    except portal.TooManyCodes as error:
        raise ApiError(429, "rate_limited", error.message) from None
    portal.queue_code_message(
        db.session,
        contact,
        row,
        code,
        language=_language(json_data),
        now=now(),
        company=current_app.config["COMPANY_NAME"],
    )
    return {"expires_at": row.expires_at}


@bp.post("/session")
@public
@csrf_exempt
@writes_nothing  # a wrong code's spent try is written in a transaction of its own (see spend_try)
@bp.input(PortalSessionIn)
@bp.output(PortalSessionOut)
@bp.doc(responses={401: "Wrong, used or expired code (five wrong tries end a code)"})
def sign_in(json_data):
    """Sign in with the code: a customer session cookie and its CSRF token; `customer` is null for a
    contact that is not a customer yet (their first request creates them)."""
    contact = portal.contact_of(json_data.get("phone"), json_data.get("email"))
    with Session(db.engine) as side, side.begin():
        code_id = portal.spend_try(side, contact, now())
    secret = current_app.config["SECRET_KEY"]
    if code_id is None or not portal.redeem(db.session, code_id, contact, json_data["code"].strip(), secret, now()):
        raise ApiError(401, "unauthorized", "This code is wrong or no longer valid; ask for a new one.")
    customer = portal.customer_for_contact(db.session, contact)
    token = portal.open_customer_session(
        db.session,
        contact,
        customer,
        now=now(),
        lifetime=_lifetime(),
        user_agent=request.user_agent.string,
        address=request.remote_addr,
    )
    _set_cookie(token)
    return {"customer": _customer_dict(customer) if customer else None, "csrf_token": _portal_csrf(token)}


@bp.post("/logout")
@customer_required
@bp.output({}, status_code=204)
def logout(cs):
    """End the customer session on the server."""
    portal.end_customer_session(db.session, cs, now())
    _set_cookie(None)
    return ""


# ---- the customer -------------------------------------------------------------------------------


@bp.get("/me")
@customer_required
@bp.output(PortalMeOut)
def me(cs):
    """The customer (name, contact, address, location, preferred channel), their machines, and the
    CSRF token; before their first request only the contact they signed in with."""
    body = _customer_dict(cs.customer, cs) | {"assets": _assets(cs.customer)}
    return body | {"csrf_token": _portal_csrf(request.cookies[COOKIE])}


@bp.patch("/me")
@customer_required
@bp.input(PortalMePatch)
@bp.output(PortalCustomerOut)
def update_me(cs, json_data):
    """Change their own record (a contact that is not a customer yet becomes one: `name` required)."""
    customer = cs.customer or portal._customer_of(db.session, cs, json_data, _language({}))
    return _customer_dict(portal.update_profile(db.session, customer, json_data))


@bp.get("/assets/by-label/<string:token>")
@customer_required
@bp.output(PortalAssetOut)
@bp.doc(responses={404: "An altered label, or not one of this customer's machines"})
def asset_by_label(cs, token):
    """The machine a scanned label names (the `asset` of `/portal?asset=<token>`, where a label
    leads a customer), when it is theirs: the request form then asks about it."""
    asset = asset_for_token(db.session, token, current_app.config["SECRET_KEY"])
    if cs.customer_id is None or asset.customer_id != cs.customer_id:
        raise NotFound("Not one of your machines.")
    return {"id": asset.id, "model": asset.model, "serial": asset.serial, "warranty_until": asset.warranty_until}


# ---- requests -----------------------------------------------------------------------------------


def _request_dicts(work_orders: list[WorkOrder]) -> list[dict]:
    """The customer's view of their requests, with their photo counts and tracking links: a fixed
    number of queries however many there are."""
    if not work_orders:
        return []
    photos = dict(
        db.session.execute(
            select(Attachment.work_order_id, func.count())
            .where(Attachment.work_order_id.in_([wo.id for wo in work_orders]))
            .group_by(Attachment.work_order_id)
        ).all()
    )
    return [
        view
        | {
            "id": wo.id,
            "description": wo.description,
            "address": wo.address,
            "channel": wo.channel,
            "photos": photos.get(wo.id, 0),
            "tracking_url": tracking_url(wo.id),
        }
        for wo, view in zip(work_orders, customer_views(work_orders), strict=True)
    ]


def _request_dict(wo: WorkOrder) -> dict:
    return _request_dicts([wo])[0]


@bp.post("/requests")
@customer_required
@bp.input(PortalRequestIn)
@bp.output(PortalRequestOut, status_code=201)
def create_request(cs, json_data):
    """Ask for service: taken in as the desk takes a call (SLA, timeline, auto-assignment), with
    channel `portal`. A new contact's first request creates the customer (`name` required)."""
    language = _language({})
    wo = portal.create_request(db.session, cs, now(), json_data, current_app.config["SLA_POLICY"], language)
    settings = dispatch_settings(current_app.config, db.session)
    auto_assign(db.session, wo, now(), settings, current_app.config["AUTO_ASSIGN"])
    return _request_dict(wo)


@bp.get("/requests")
@customer_required
@bp.input(PageQuery, location="query")
@bp.output(PortalRequestPage)
def list_requests(cs, query_data):
    """Their own requests, newest first."""
    query = portal.own_requests_query(cs).options(selectinload(WorkOrder.technician))
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = _request_dicts(page["items"])
    return page


@bp.get("/requests/<int:request_id>")
@customer_required
@bp.output(PortalRequestOut)
@bp.doc(responses={404: "Not one of this customer's requests"})
def get_request(cs, request_id):
    """One of their requests, as the tracking link shows it, with the tracking link."""
    return _request_dict(portal.own_request(db.session, cs, request_id))


def _check_customer_quota(wo: WorkOrder, size: int, customer_id: int) -> None:
    try:
        check_upload_quota(db.session, wo.id, None, now(), size, upload_quota(), customer_id=customer_id)
    except DailyQuotaExceeded as error:
        raise ApiError(429, "rate_limited", error.message, {"file": [error.message]}) from None


@bp.post("/requests/<int:request_id>/attachments")
@customer_required
@upload_rate_limit
@bp.input(PortalPhotoIn, location="form_and_files")
@bp.output(PortalPhotoOut, status_code=201)
@bp.doc(responses={404: "Not one of this customer's requests", 429: "The day's photo allowance is used"})
def add_photo(cs, request_id, form_and_files_data):
    """A photo of the problem (JPEG, PNG or WebP, checked by its bytes; the same size limits and
    quotas as the technicians' photos, the daily one per customer)."""
    wo = portal.own_request(db.session, cs, request_id)
    image = store_image(
        form_and_files_data["file"], wo, check_quota=lambda size: _check_customer_quota(wo, size, cs.customer_id)
    )
    max_photos = current_app.config["PORTAL_MAX_PHOTOS"]
    attachment = portal.add_customer_photo(db.session, cs, wo, now(), image, max_photos)
    return {"id": attachment.id, "content_type": attachment.content_type, "size": attachment.size}


# ---- addresses ----------------------------------------------------------------------------------


def _geocode_key() -> str:
    return "portal-geocode:" + (request.cookies.get(COOKIE) or request.remote_addr or "?")


@bp.get("/geocode")
@customer_required
@limiter.limit(lambda: current_app.config["PORTAL_GEOCODE_LIMIT"], key_func=_geocode_key)
@bp.input(GeocodeQuery, location="query")
@bp.output(SuggestionsOut)
@bp.doc(responses={429: "Too many address searches from this session"})
def geocode(cs, query_data):
    """Places for the address the customer typed, from the desk's geocoder (the same cache); none
    when no geocoder is set or it fails: the page offers the map pick alone."""
    found = suggest(db.session, geocoder_settings(current_app.config), query_data["q"], now(), in_own_transaction)
    return {
        "items": found.items,
        "available": found.available,
        "reason": found.reason,
        "geocoder": found.geocoder,
        "cached": found.cached,
    }


# ---- self-help ----------------------------------------------------------------------------------


@bp.get("/articles")
@public
@bp.input(ArticleQuery, location="query")
@bp.output(ArticlePage)
def articles(query_data):
    """Published knowledge articles, for self-help before asking: every word of `q` anywhere in
    title, symptoms, cause or fix (Chinese or English)."""
    query = article_query(db.session, q=query_data.get("q"), include_drafts=False)
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [
        {
            "id": a.id,
            "title": a.title,
            "symptoms": a.symptoms,
            "cause": a.cause,
            "fix": a.fix,
            "updated_at": a.updated_at,
        }
        for a in page["items"]
    ]
    return page
