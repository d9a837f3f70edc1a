"""Customer notifications through the outbox, on SQLite and PostgreSQL: what each change queues (in
its own transaction), what the sender delivers (the log provider here; SMTP and the SMS webhook in
tests/api/test_message_delivery.py), the timeline's message events, opt-out and language, the
customer's preferences and the messages list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.domain.messages import queue_to_contact
from backend.extensions import db
from backend.messaging import send_round
from backend.models import Customer, Message

BASE = "https://onsite.example"


@pytest.fixture
def app(make_app):
    return make_app(PUBLIC_BASE_URL=BASE, COMPANY_NAME="Acme Service")


def _messages(app) -> list[Message]:
    with app.app_context():
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        db.session.expunge_all()
        return rows


def _timeline(dispatcher, wo_id: int) -> list[dict]:
    response = dispatcher.get(f"/api/v1/work-orders/{wo_id}")
    assert response.status_code == 200, response.json
    return response.json["events"]


def _set_customer(app, customer_id: int, **values) -> None:
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        for name, value in values.items():
            setattr(customer, name, value)
        db.session.commit()


def test_a_portal_code_to_an_unknown_contact_is_queued_then_logged_and_sent(app, clock):
    with app.app_context():
        message = queue_to_contact(
            db.session,
            channel="email",
            to="new.customer@example.com",
            language="en",
            template="portal_code",
            params={"code": "482913", "minutes": 10},
            now=clock.now,
        )
        db.session.commit()
        assert message.status == "queued" and message.work_order_id is None and message.customer_id is None

    summary = send_round(app)
    assert (summary.claimed, summary.sent) == (1, 1)
    [sent] = _messages(app)
    assert sent.status == "sent" and sent.provider == "log" and sent.sent_at == clock.now
    assert sent.recipient == "new.customer@example.com" and sent.attempts == 1
    assert "482913" in sent.body and "10 minutes" in sent.body
    assert send_round(app).claimed == 0  # nothing is sent twice
