"""The signed-in user's notifications (jobs given to them or taken away, by a dispatcher or the scheduler)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user
from sqlalchemy import select, update

from ..domain.errors import NotFound
from ..extensions import db
from ..models import ROLES, Notification, WorkOrder, format_number
from .common import now, paginate
from .schemas.notifications import NotificationOut, NotificationPage, NotificationQuery, ReadAllIn, ReadAllOut
from .security import roles_required

bp = APIBlueprint("notifications", __name__, url_prefix="/api/v1/me/notifications", tag="Notifications")


@bp.get("")
@roles_required(*ROLES)
@bp.input(NotificationQuery, location="query")
@bp.output(NotificationPage)
def list_notifications(query_data):
    """Your notifications, newest first; `unread=true` for those not yet marked read."""
    query = select(Notification).where(Notification.user_id == current_user.id)
    if query_data.get("unread"):
        query = query.where(Notification.read_at.is_(None))
    page = paginate(query.order_by(Notification.id.desc()), query_data["page"], query_data["per_page"])
    page["items"] = _with_work_orders(page["items"])
    return page


def _by(notification: Notification) -> str:
    """Who moved the job: `decided_by` (domain/assignment.py); notifications written before it
    existed: the scheduler's named `to_technician_id`, a dispatcher's `technician_id`."""
    details = notification.details or {}
    if "decided_by" in details:
        return details["decided_by"]
    return "scheduler" if "to_technician_id" in details else "dispatcher"


def _with_work_orders(notifications: list[Notification]) -> list[dict]:
    """Each notification with its job's number and title and who moved it, so the app can say what
    happened in the reader's language (`message` stays, in English, for other readers)."""
    ids = {n.work_order_id for n in notifications if n.work_order_id is not None}
    titles = dict(db.session.execute(select(WorkOrder.id, WorkOrder.title).where(WorkOrder.id.in_(ids))).all())
    return [
        {
            **{column: getattr(n, column) for column in ("id", "work_order_id", "kind", "message", "details")},
            **{"created_at": n.created_at, "read_at": n.read_at, "by": _by(n)},
            "work_order_number": format_number(n.work_order_id) if n.work_order_id is not None else None,
            "work_order_title": titles.get(n.work_order_id),
        }
        for n in notifications
    ]


@bp.post("/read-all")
@roles_required(*ROLES)
@bp.input(ReadAllIn, location="json", arg_name="json_data")
@bp.output(ReadAllOut)
def mark_all_read(json_data):
    """Mark your unread notifications read, in one statement: all of them, or those up to `up_to_id`
    (what the phone showed when it was tapped; one that arrived later stays unread)."""
    query = update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
    if json_data.get("up_to_id") is not None:
        query = query.where(Notification.id <= json_data["up_to_id"])
    result = db.session.execute(query.values(read_at=now()))
    return {"marked": result.rowcount}


@bp.post("/<int:notification_id>/read")
@roles_required(*ROLES)
@bp.output(NotificationOut)
def mark_read(notification_id):
    """Mark one of your notifications read (again: no change)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        raise NotFound("There is no such notification.")
    notification.read_at = notification.read_at or now()
    return _with_work_orders([notification])[0]
