"""Customer messages: the outbox as the dispatcher sees it (every message and its delivery state)."""

from __future__ import annotations

from apiflask import APIBlueprint
from sqlalchemy import select

from ..models import Message, format_number
from .common import paginate
from .schemas.messages import MessagePage, MessageQuery
from .security import STAFF, roles_required

bp = APIBlueprint("messages", __name__, url_prefix="/api/v1/messages", tag="Customer messages")

# Portal one-time codes are credentials: the list shows that one was sent, never the code.
SECRET_TEMPLATES = {"portal_code": ("code",)}


def message_dict(message: Message) -> dict:
    body, subject = message.body, message.subject
    for name in SECRET_TEMPLATES.get(message.template, ()):
        secret = str((message.params or {}).get(name, ""))
        if secret:
            body, subject = body.replace(secret, "******"), (subject or "").replace(secret, "******") or subject
    return {
        "id": message.id,
        "work_order_id": message.work_order_id,
        "number": format_number(message.work_order_id) if message.work_order_id else None,
        "customer_id": message.customer_id,
        "channel": message.channel,
        "recipient": message.recipient,
        "language": message.language,
        "template": message.template,
        "subject": subject,
        "body": body,
        "status": message.status,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "last_error": message.last_error,
        "provider": message.provider,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
    }


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
