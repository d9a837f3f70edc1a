"""The signed-in user's notifications (jobs given to them or taken away by the scheduler)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user
from sqlalchemy import select

from ..domain.errors import NotFound
from ..extensions import db
from ..models import ROLES, Notification
from .common import now, paginate
from .schemas import NotificationOut, NotificationQuery, page_of
from .security import roles_required

bp = APIBlueprint("notifications", __name__, url_prefix="/api/v1/me/notifications", tag="Notifications")
NotificationPage = page_of(NotificationOut, "NotificationPage")


@bp.get("")
@roles_required(*ROLES)
@bp.input(NotificationQuery, location="query")
@bp.output(NotificationPage)
def list_notifications(query_data):
    """Your notifications, newest first; `unread=true` for those not yet marked read."""
    query = select(Notification).where(Notification.user_id == current_user.id)
    if query_data.get("unread"):
        query = query.where(Notification.read_at.is_(None))
    return paginate(query.order_by(Notification.id.desc()), query_data["page"], query_data["per_page"])


@bp.post("/<int:notification_id>/read")
@roles_required(*ROLES)
@bp.output(NotificationOut)
def mark_read(notification_id):
    """Mark one of your notifications read (again: no change)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        raise NotFound("There is no such notification.")
    notification.read_at = notification.read_at or now()
    return notification
