"""Customer messages: the outbox as the dispatcher sees it (every message and its delivery state)."""

from __future__ import annotations

from apiflask import APIBlueprint
from sqlalchemy import select

from ..models import Message
from .common import paginate
from .schemas.messages import MessagePage, MessageQuery, message_dict
from .security import STAFF, roles_required

bp = APIBlueprint("messages", __name__, url_prefix="/api/v1/messages", tag="Customer messages")


@bp.get("")
@roles_required(*STAFF)
@bp.input(MessageQuery, location="query")
@bp.output(MessagePage)
def list_messages(query_data):
    """Messages to customers, newest first; filter by `status`, `work_order_id`, `customer_id`, `channel`."""
    query = select(Message).order_by(Message.id.desc())
    for name in ("status", "work_order_id", "customer_id", "channel"):
        if query_data.get(name) is not None:
            query = query.where(getattr(Message, name) == query_data[name])
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [message_dict(m) for m in page["items"]]
    return page
