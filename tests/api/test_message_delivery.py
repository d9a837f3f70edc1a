"""Delivery through real providers on loopback, on SQLite and PostgreSQL: an SMTP server (aiosmtpd)
receives the emails, an HTTP server receives the SMS webhooks and checks their signature. A provider
that is down makes messages wait and go out once it is back; a sender that dies between claiming
(commit) and sending leaves the message to be sent once after its lease; the last failed attempt
gives up and says so on the job's timeline."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.messages import claim_due, delivery_policy_from_config, queue_to_contact
from backend.extensions import db
from backend.messaging import send_round
from backend.models import Message
from tests.api.test_customer_messages import _set_customer

SECRET = "sms-webhook-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


class SmsGateway:
    """An SMS provider on loopback: answers 503 while `down`; keeps what it accepted, after checking
    the signature (a wrong one is refused with 401)."""

    def __init__(self):
        self.down = False
        self.accepted: list[dict] = []
        self.refused = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if gateway.down:
                    self.send_response(503)
                elif not hmac.compare_digest(self.headers.get("X-OnSite-Signature", ""), expected):
                    gateway.refused += 1
                    self.send_response(401)
                else:
                    gateway.accepted.append({**json.loads(body), "key": self.headers["Idempotency-Key"]})
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway():
    gateway = SmsGateway()
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


@pytest.fixture
def app(make_app, smtp_server, gateway):
    controller, _ = smtp_server
    return make_app(
        MAIL_URL=f"smtp://{controller.hostname}:{controller.port}",
        MAIL_FROM="Acme Service <service@acme.example>",
        SMS_WEBHOOK_URL=gateway.url,
        SMS_WEBHOOK_SECRET=SECRET,
        MESSAGE_RETRY_SECONDS=30,
        MESSAGE_MAX_ATTEMPTS=3,
        MESSAGE_LEASE_SECONDS=300,
        PUBLIC_BASE_URL="https://onsite.example",
    )


def _queue(app, clock, channel: str, to: str, language: str = "zh-CN", **extra) -> int:
    with app.app_context():
        message = queue_to_contact(
            db.session,
            channel=channel,
            to=to,
            language=language,
            template="portal_code",
            params={"code": "482913", "minutes": 10},
            now=clock.now,
            **extra,
        )
        db.session.commit()
        return message.id


def _message(app, message_id: int) -> Message:
    with app.app_context():
        message = db.session.get(Message, message_id)
        db.session.expunge(message)
        return message


def test_an_email_reaches_the_smtp_server_in_the_customers_language(app, clock, smtp_server):
    _, mailbox = smtp_server
    message_id = _queue(app, clock, "email", "li@example.com", "zh-CN")
    assert send_round(app).sent == 1

    [envelope] = mailbox.received
    assert envelope.rcpt_tos == ["li@example.com"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "OnSite\uff1a您的登录验证码"  # a full-width colon
    assert "482913" in mail.get_content() and "10 分钟内有效" in mail.get_content()
    assert mail["From"] == "Acme Service <service@acme.example>" and mail["Message-ID"]
    sent = _message(app, message_id)
    assert (sent.status, sent.provider, sent.attempts) == ("sent", "smtp", 1)


def test_an_sms_goes_to_the_webhook_signed(app, clock, gateway):
    _queue(app, clock, "sms", "+86 138 0013 8000", "en")
    assert send_round(app).sent == 1
    [sms] = gateway.accepted
    assert sms["to"] == "+86 138 0013 8000" and "482913" in sms["text"] and gateway.refused == 0


def test_a_provider_that_is_down_makes_messages_wait_then_they_go_out_once(app, clock, gateway):
    gateway.down = True
    message_id = _queue(app, clock, "sms", "+86 138 0013 8000")
    summary = send_round(app)
    assert (summary.claimed, summary.retried, summary.sent) == (1, 1, 0)
    waiting = _message(app, message_id)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.last_error == "SMS webhook answered 503"
    assert (waiting.next_attempt_at - clock.now).total_seconds() == 30

    assert send_round(app).claimed == 0  # not before its back-off
    clock.advance(seconds=30)
    assert send_round(app).retried == 1  # still down: the next wait doubles
    assert (_message(app, message_id).next_attempt_at - clock.now).total_seconds() == 60

    gateway.down = False
    clock.advance(seconds=60)
    assert send_round(app).sent == 1
    assert len(gateway.accepted) == 1
    assert send_round(app).claimed == 0
    clock.advance(hours=2)
    assert send_round(app).claimed == 0 and len(gateway.accepted) == 1


def test_a_sender_that_died_after_claiming_leaves_the_message_to_be_sent_once(app, clock, gateway):
    message_id = _queue(app, clock, "sms", "+86 138 0013 8000")
    with app.app_context():  # a sender claims and commits, then dies before sending
        claimed = claim_due(db.session, clock.now, delivery_policy_from_config(app.config))
        db.session.commit()
    assert [c.id for c in claimed] == [message_id]
    assert _message(app, message_id).status == "sending"

    assert send_round(app).claimed == 0  # its lease still holds: no other sender takes it
    clock.advance(minutes=5)
    assert send_round(app).sent == 1
    assert len(gateway.accepted) == 1 and gateway.accepted[0]["key"] == _message(app, message_id).key
    sent = _message(app, message_id)
    assert (sent.status, sent.attempts) == ("sent", 2)
    clock.advance(minutes=10)
    assert send_round(app).claimed == 0 and len(gateway.accepted) == 1


def test_the_last_failed_attempt_gives_up_and_the_timeline_says_so(
    app, clock, gateway, dispatcher, world, new_work_order
):
    gateway.down = True
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for wait in (0, 30, 60):  # three attempts, the last one gives up
        clock.advance(seconds=wait)
        send_round(app)
    with app.app_context():
        [message] = db.session.scalars(select(Message)).all()
        assert (message.status, message.attempts) == ("failed", 3)
    events = dispatcher.get(url).json["events"]
    assert [e["action"] for e in events][-2:] == ["message_queued", "message_failed"]
    assert events[-1]["details"]["attempts"] == 3 and events[-1]["details"]["error"] == "SMS webhook answered 503"
    clock.advance(hours=5)
    gateway.down = False
    assert send_round(app).claimed == 0 and gateway.accepted == []


def test_two_senders_never_claim_the_same_message(app, clock, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer: a second sender waits for the first's transaction")
    ids = {_queue(app, clock, "sms", f"+86 138 0000 000{i}") for i in range(4)}
    policy = delivery_policy_from_config(app.config)
    with app.app_context():
        first = db.session
        taken_first = claim_due(first, clock.now, policy, limit=2)  # its transaction stays open
        with db.engine.connect() as connection, Session(bind=connection) as second:
            taken_second = claim_due(second, clock.now, policy)
            second.commit()
        first.commit()
    assert len(taken_first) == 2 and len(taken_second) == 2
    assert {m.id for m in taken_first} | {m.id for m in taken_second} == ids


def test_the_completion_email_carries_the_service_report(
    app, smtp_server, dispatcher, technician, world, new_work_order
):
    _, mailbox = smtp_server
    _set_customer(app, world.customer_id, email="li@example.com", preferred_channel="email", language="en")
    wo = new_work_order()
    assert dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    done = {"resolution": "Relay replaced", "first_time_fix": True}
    for action, body in (("accept", {}), ("arrive", {}), ("complete", done)):
        assert technician.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json=body).status_code == 200
    send_round(app)

    mails = [message_from_bytes(m.content, policy=policy.default) for m in mailbox.received]
    [completion] = [m for m in mails if "/confirm/" in m.get_body(("plain",)).get_content()]
    [report] = list(completion.iter_attachments())
    assert report.get_content_type() == "application/pdf" and report.get_filename() == f"{wo['number']}.pdf"
    pdf = report.get_content()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):  # the text itself, where poppler is installed (setup.sh installs it)
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert wo["number"] in text and "Relay replaced" in text
    # The job's other message (assigned) goes without it.
    others = [m for m in mails if m is not completion]
    assert others and all(not list(m.iter_attachments()) for m in others)
