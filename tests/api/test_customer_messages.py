"""Customer notifications through the outbox, on SQLite and PostgreSQL: what each change queues (in
its own transaction), what the sender delivers (the log provider here; SMTP and the SMS webhook in
tests/api/test_message_delivery.py), the timeline's message events, opt-out and language, the
customer's preferences and the messages list."""

from __future__ import annotations

import json

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


def test_a_customers_channel_follows_their_contact_unless_they_chose(app, dispatcher):
    by_phone = dispatcher.post("/api/v1/customers", json={"name": "Wang Fang", "phone": "+86 139 0000 0001"})
    assert by_phone.status_code == 201, by_phone.json
    assert (by_phone.json["preferred_channel"], by_phone.json["notify"], by_phone.json["language"]) == (
        "sms",
        True,
        "zh-CN",
    )
    by_mail = dispatcher.post(
        "/api/v1/customers", json={"name": "Ann Lee", "email": "ann@example.com", "language": "en"}
    )
    assert (by_mail.json["preferred_channel"], by_mail.json["language"]) == ("email", "en")

    url = f"/api/v1/customers/{by_phone.json['id']}"
    changed = dispatcher.patch(url, json={"email": "fang@example.com", "preferred_channel": "email", "notify": False})
    assert changed.status_code == 200, changed.json
    assert (changed.json["preferred_channel"], changed.json["notify"], changed.json["email"]) == (
        "email",
        False,
        "fang@example.com",
    )
    shown = dispatcher.get(url).json
    assert (shown["preferred_channel"], shown["notify"], shown["phone"]) == ("email", False, "+86 139 0000 0001")
    # Without the email their channel needs, they fall back to the phone they have.
    assert dispatcher.patch(url, json={"email": None}).json["preferred_channel"] == "sms"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_channel": "fax"}, "preferred_channel"),
        ({"preferred_channel": "email"}, "preferred_channel"),  # they have no email
        ({"language": "fr"}, "language"),
        ({"notify": "sometimes"}, "notify"),
        ({"name": None}, "name"),
    ],
)
def test_bad_preferences_are_422_and_change_nothing(app, dispatcher, world, body, field):
    url = f"/api/v1/customers/{world.customer_id}"
    before = dispatcher.get(url).json
    response = dispatcher.patch(url, json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert dispatcher.get(url).json == before


def test_new_customers_refused_for_a_channel_without_contact_are_not_created(app, dispatcher):
    response = dispatcher.post(
        "/api/v1/customers", json={"name": "Zhao Lei", "phone": "123", "preferred_channel": "email"}
    )
    assert response.status_code == 422 and "preferred_channel" in response.json["error"]["fields"]
    assert dispatcher.get("/api/v1/customers?q=Zhao").json["total"] == 0


def test_technicians_cannot_change_customers(app, technician, world):
    response = technician.patch(f"/api/v1/customers/{world.customer_id}", json={"notify": False})
    assert response.status_code == 403


def test_send_messages_once_on_the_command_line(app, clock):
    with app.app_context():
        queue_to_contact(
            db.session,
            channel="sms",
            to="+86 139 0000 0001",
            language="zh-CN",
            template="portal_code",
            params={"code": "000111", "minutes": 10},
            now=clock.now,
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-messages", "--once"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "claimed": 1,
        "sent": 1,
        "retried": 0,
        "failed": 0,
        "lost_claims": 0,
        "push": {"notifications": 0, "pushed": 0, "failed": 0, "gone": 0},
    }


def test_the_messages_list_shows_each_message_and_its_delivery_state(app, dispatcher, world, new_work_order, clock):
    first, second = new_work_order(), new_work_order()
    for wo in (first, second):
        url = f"/api/v1/work-orders/{wo['id']}/assign"
        assert dispatcher.post(url, json={"technician_id": world.technician_id}).status_code == 200
    with app.app_context():
        queue_to_contact(
            db.session,
            channel="email",
            to="someone@example.com",
            language="en",
            template="portal_code",
            params={"code": "907412", "minutes": 10},
            now=clock.now,
        )
        db.session.commit()
    send_round(app, limit=2)  # the two oldest go out; the code waits

    page = dispatcher.get("/api/v1/messages").json
    assert page["total"] == 3 and [m["template"] for m in page["items"]] == ["portal_code", "assigned", "assigned"]
    code = page["items"][0]
    assert code["status"] == "queued" and "907412" not in code["body"] and "******" in code["body"]
    sent = dispatcher.get("/api/v1/messages?status=sent").json["items"]
    assert {m["work_order_id"] for m in sent} == {first["id"], second["id"]}
    assert all(m["provider"] == "log" and m["sent_at"] == "2026-11-23T09:00:00Z" for m in sent)
    mine = dispatcher.get(f"/api/v1/messages?work_order_id={second['id']}").json["items"]
    assert [(m["number"], m["recipient"], m["attempts"]) for m in mine] == [(second["number"], "+86 21 5555 0101", 1)]
    paged = dispatcher.get("/api/v1/messages?per_page=2&page=2").json
    assert (paged["total"], len(paged["items"]), paged["per_page"]) == (3, 1, 2)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("work_order_id=0", "work_order_id"),
        ("work_order_id=x", "work_order_id"),
        ("per_page=500", "per_page"),
        ("channel=fax", "channel"),
    ],
)
def test_the_messages_list_refuses_bad_filters(app, dispatcher, query, field):
    response = dispatcher.get(f"/api/v1/messages?{query}")
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_only_staff_see_the_messages(app, technician, client_for):
    assert technician.get("/api/v1/messages").status_code == 403
    assert client_for().get("/api/v1/messages").status_code == 401
