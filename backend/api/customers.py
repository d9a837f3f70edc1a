"""Customers and their work-order history (dispatchers and admins)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..domain.actors import Actor
from ..domain.directory import create_customer, likely_customers, phone_fragment, update_customer
from ..domain.errors import NotFound
from ..extensions import db
from ..models import Customer, WorkOrder
from .common import contains, paginate
from .schemas.customers import (
    CustomerIn,
    CustomerMatchQuery,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    CustomerQuery,
    customer_dict,
)
from .schemas.lists import whole_list
from .schemas.work_orders import HISTORY_LIMIT, CustomerDetail, work_order_dict, work_order_load_options
from .security import STAFF, roles_required

bp = APIBlueprint("customers", __name__, url_prefix="/api/v1/customers", tag="Customers")


@bp.post("")
@roles_required(*STAFF)
@bp.input(CustomerIn)
@bp.output(CustomerOut, status_code=201)
def create(json_data):
    """Register a customer."""
    return customer_dict(create_customer(db.session, json_data))


@bp.get("")
@roles_required(*STAFF)
@bp.input(CustomerQuery, location="query")
@bp.output(CustomerPage)
def list_customers(query_data):
    """Customers by name; `q` searches name, phone and email."""
    query = select(Customer).order_by(func.lower(Customer.name), Customer.id)
    if query_data.get("q"):
        pattern = contains(query_data["q"])
        conditions = [
            func.lower(Customer.name).like(pattern, escape="\\"),
            Customer.phone.like(pattern, escape="\\"),
            Customer.email.like(pattern, escape="\\"),
        ]
        digits = phone_fragment(query_data["q"])
        if digits:  # "138 0013 8000" finds "+86 13800138000"
            conditions.append(Customer.phone_key.like(contains(digits), escape="\\"))
        query = query.where(or_(*conditions))
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [customer_dict(c) for c in page["items"]]
    return page


@bp.get("/matches")
@roles_required(*STAFF)
@bp.input(CustomerMatchQuery, location="query")
@bp.output(CustomerPage)
def matches(query_data):
    """Known customers who are probably this caller, before creating a new one: the same phone
    number however it was typed (first), then the same name. At most five."""
    found = likely_customers(db.session, name=query_data.get("name"), phone=query_data.get("phone"))
    return whole_list([customer_dict(c) for c in found])


@bp.get("/<int:customer_id>")
@roles_required(*STAFF)
@bp.output(CustomerDetail)
def get(customer_id):
    """A customer with their work orders, newest first."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} not found.")
    history = db.session.scalars(
        select(WorkOrder)
        .where(WorkOrder.customer_id == customer_id)
        .options(*work_order_load_options())
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    viewer = Actor.of(current_user._get_current_object())
    return {**customer_dict(customer), "work_orders": [work_order_dict(wo, viewer) for wo in history]}


@bp.patch("/<int:customer_id>")
@roles_required(*STAFF)
@bp.input(CustomerPatch)
@bp.output(CustomerOut)
def patch(customer_id, json_data):
    """Change a customer: contact, address, and how they hear from us (`preferred_channel`, which
    must name a contact they have; `notify`; `language`)."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} not found.")
    return customer_dict(update_customer(db.session, customer, json_data))
