"""Schemas of the customer messages' outbox (`/api/v1/messages`)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.validators import Range

from ...models import MESSAGE_CHANNELS, MESSAGE_STATUSES, Message, format_number
from .common import Integer, String, Timestamp, one_of
from .lists import PageQuery, page_of


class MessageQuery(PageQuery):
    status = String(
        validate=one_of(MESSAGE_STATUSES),
        metadata={"description": "queued (waiting), sending (in flight), sent, failed (gave up); default: all"},
    )
    work_order_id = Integer(validate=Range(min=1), metadata={"description": "the messages about this job"})
    customer_id = Integer(validate=Range(min=1), metadata={"description": "the messages to this customer"})
    channel = String(validate=one_of(MESSAGE_CHANNELS))


class MessageOut(Schema):
    id = Integer()
    work_order_id = Integer(allow_none=True)
    number = String(allow_none=True, metadata={"description": "the job's number, when about a job"})
    customer_id = Integer(allow_none=True)
    channel = String(metadata={"description": "sms, email or log"})
    recipient = String()
    language = String(metadata={"description": "zh-CN or en"})
    template = String(metadata={"description": "assigned, departed, completed, portal_code ..."})
    subject = String(allow_none=True)
    body = String()
    status = String(metadata={"description": "queued, sending, sent or failed"})
    attempts = Integer()
    next_attempt_at = Timestamp(metadata={"description": "when the sender tries next (while queued)"})
    last_error = String(allow_none=True)
    provider = String(allow_none=True, metadata={"description": "smtp, sms_webhook or log: who took it (or refused)"})
    created_at = Timestamp()
    sent_at = Timestamp(allow_none=True)


MessagePage = page_of(MessageOut, "MessagePage")


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
