"""Helpers every resource module uses: the clock, the actor, visibility and pagination."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import current_user
from sqlalchemy import Select, false, func, select

from ..domain.actors import Actor
from ..domain.errors import NotFound
from ..extensions import db
from ..models import Technician, User, WorkOrder


def now() -> datetime:
    """The current time, from the app's clock (tests set `CLOCK` to move time, never sleep)."""
    return current_app.config["CLOCK"]()


def actor() -> Actor:
    return Actor.of(current_user._get_current_object())


def own_technician_id() -> int | None:
    """The technician profile id of the logged-in user, if they are a technician."""
    if current_user.role != "technician":
        return None
    return db.session.scalar(select(Technician.id).where(Technician.user_id == current_user.id))


def visible_work_orders(query: Select) -> Select:
    """Restrict a work-order query to what the logged-in user may see: a technician only their own."""
    if current_user.role != "technician":
        return query
    technician_id = own_technician_id()
    if technician_id is None:
        return query.where(false())
    return query.where(WorkOrder.technician_id == technician_id)


def get_work_order(work_order_id: int, lock: bool = False) -> WorkOrder:
    """The work order, or 404 when it does not exist or is not the technician's."""
    query = visible_work_orders(select(WorkOrder).where(WorkOrder.id == work_order_id))
    if lock:
        query = query.with_for_update()
    wo = db.session.scalar(query)
    if wo is None:
        raise NotFound(f"Work order {work_order_id} not found.")
    return wo


def paginate(query: Select, page: int, per_page: int) -> dict:
    """The contract's list envelope: items of this page, and the total without paging."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, lower-cased, with `%`, `_` and `\\` taken literally
    (use with `escape="\\\\"`)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def technician_names(ids) -> dict[int, str]:
    """Technician id → name, in one query."""
    ids = set(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Technician.id, User.name).join(User, User.id == Technician.user_id).where(Technician.id.in_(ids))
    )
    return dict(rows.all())
