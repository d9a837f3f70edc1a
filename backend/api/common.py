"""Helpers every resource module uses: the clock, the actor, visibility, pagination, and whether a
request changes something."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import Select, false, func, select

from ..domain.actors import Actor
from ..domain.errors import NotFound
from ..domain.signoff import Answerer
from ..extensions import db
from ..models import Technician, User, WorkOrder

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_mutating() -> bool:
    """A request that may change something: it has a body, a transaction to commit and may carry an
    Idempotency-Key."""
    return request.method in MUTATING


def now() -> datetime:
    """The current time, from the app's clock (tests set `CLOCK` to move time, never sleep)."""
    return current_app.config["CLOCK"]()


def actor() -> Actor:
    return Actor.of(current_user._get_current_object())


def answerer() -> Answerer:
    """Who is answering for the customer, as this request shows it (address, browser, a staff session)."""
    staff = current_user.id if current_user.is_authenticated else None
    return Answerer(address=request.remote_addr, user_agent=request.user_agent.string, staff_user_id=staff)


def own_technician_id() -> int | None:
    """The technician profile id of the logged-in user, if they are a technician."""
    if current_user.role != "technician":
        return None
    technician = current_user.technician  # loaded with the user (see `load_user`)
    return technician.id if technician is not None else None


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
    """The contract's list envelope: items of this page, and the total without paging.

    A page that comes back short is the last one, so its items give the total without counting
    (most lists, a technician's jobs above all, fit on one page: one query instead of two)."""
    offset = (page - 1) * per_page
    items = db.session.scalars(query.limit(per_page).offset(offset)).unique().all()
    if 0 < len(items) < per_page or (offset == 0 and not items):
        total = offset + len(items)
    else:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
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
