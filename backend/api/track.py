"""The customer's tracking link (no login; the signed token is the only credential)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app, request

from ..domain import signoff as signoffs
from ..domain import tracking
from ..domain.dispatch import dispatch_settings
from ..extensions import db
from ..models import WorkOrder
from .common import now
from .schemas.portal import TrackOut
from .security import public

bp = APIBlueprint("track", __name__, url_prefix="/api/v1/track", tag="Tracking link")


def public_url(path: str) -> str:
    """An absolute link for the customer: PUBLIC_BASE_URL when set (behind a proxy), else this host."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return f"{base.rstrip('/')}{path}"


def tracking_url(work_order_id: int) -> str:
    return public_url(tracking.path_for(work_order_id, current_app.config["SECRET_KEY"]))


def customer_views(work_orders: list[WorkOrder]) -> list[dict]:
    """The jobs as their customer sees them (domain/tracking.py), confirmation links as URLs."""
    views = tracking.customer_views(db.session, work_orders, now(), dispatch_settings(current_app.config))
    serializer = signoffs.link_serializer(current_app.config["SECRET_KEY"])
    for view in views:
        link = view.pop("confirmation_link")
        view["confirmation_url"] = None
        if link is not None:
            view["confirmation_url"] = public_url(f"/confirm/{serializer.dumps({'l': link.id, 'n': link.nonce})}")
    return views


def customer_view(wo: WorkOrder) -> dict:
    return customer_views([wo])[0]


@bp.get("/<string:token>")
@public
@bp.output(TrackOut)
@bp.doc(responses={404: "The link is not valid (altered)", 410: "The link has expired (30 days after the job ended)"})
def show(token):
    """Where the job stands: status steps, the technician's first name, the ETA while they are on
    the way, the confirmation link once done. Nothing else about the technician or other jobs."""
    wo = tracking.resolve(db.session, token, current_app.config["SECRET_KEY"], now())
    return customer_view(wo)
