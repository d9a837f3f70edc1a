"""Technicians' Web Push: the key to subscribe with, and the subscriptions of the signed-in user."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from flask_login import current_user

from ..domain.push import subscribe, unsubscribe
from ..extensions import db
from ..messaging import vapid_public_key
from .common import now
from .schemas.push import PushKeyOut, PushSubscriptionIn, PushSubscriptionOut
from .security import roles_required

bp = APIBlueprint("push", __name__, url_prefix="/api/v1/me/push", tag="Notifications")


@bp.get("/key")
@roles_required("technician")
@bp.output(PushKeyOut)
def key():
    """The server's VAPID public key (the `applicationServerKey` of `pushManager.subscribe`)."""
    return {"public_key": vapid_public_key(current_app)}


@bp.post("/subscriptions")
@roles_required("technician")
@bp.input(PushSubscriptionIn)
@bp.output(PushSubscriptionOut, status_code=201)
def add_subscription(json_data):
    """Push a new job and a job taken away to this browser too (the in-app list stays the record)."""
    keys = json_data["keys"]
    subscription = subscribe(db.session, current_user, json_data["endpoint"], keys["p256dh"], keys["auth"], now())
    return {"id": subscription.id, "endpoint": subscription.endpoint, "created_at": subscription.created_at}


@bp.delete("/subscriptions/<int:subscription_id>")
@roles_required("technician")
@bp.output({}, status_code=204)
def remove_subscription(subscription_id):
    """Stop pushing to that browser."""
    unsubscribe(db.session, current_user, subscription_id)
    return ""
