"""Technicians' Web Push, on SQLite and PostgreSQL, against a push service on loopback that does what
the browser vendors' do: it checks the VAPID signature (RFC 8292) of every push, decrypts the payload
(RFC 8291, aes128gcm) with the browser's keys, and answers 410 for a subscription it has forgotten."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from backend.extensions import db
from backend.messaging import push_round
from backend.models import Notification, PushSubscription


def b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    def __init__(self):
        self.browsers: dict[str, tuple] = {}
        self.received: list[dict] = []
        self.refused: list[str] = []
        self.forgotten: set[str] = set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = service.take(self.path, self.headers, body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscription(self, name: str) -> dict:
        """A browser's subscription, as `PushSubscription.toJSON()` gives it."""
        key, auth = ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
        self.browsers[f"/push/{name}"] = (key, auth)
        public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.origin}/push/{name}", "keys": {"p256dh": b64u(public), "auth": b64u(auth)}}

    def take(self, path: str, headers, body: bytes) -> int:
        if path in self.forgotten or path not in self.browsers:
            return 410
        problem = self._vapid_problem(headers.get("Authorization", ""))
        if problem or headers.get("Content-Encoding") != "aes128gcm" or not headers.get("TTL"):
            self.refused.append(problem or "headers")
            return 403
        key, auth = self.browsers[path]
        payload = json.loads(http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm"))
        self.received.append({"to": path.rsplit("/", 1)[1], **payload})
        return 201

    def _vapid_problem(self, header: str) -> str | None:
        """Why the VAPID header does not hold, or None: an ES256 JWT for this origin, signed by `k`."""
        found = re.fullmatch(r"vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)", header)
        if not found:
            return "no vapid header"
        token, k = found.groups()
        signed, signature = token.rsplit(".", 1)
        raw = unb64u(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(k))
        try:
            r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
            public.verify(encode_dss_signature(r, s), signed.encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad signature"
        claims = json.loads(unb64u(signed.split(".")[1]))
        if claims.get("aud") != self.origin or claims.get("exp", 0) <= time.time():
            return f"bad claims {claims}"
        if not str(claims.get("sub", "")).startswith("mailto:"):
            return "no subject"
        self.public_key = k
        return None


@pytest.fixture
def service():
    service = PushService()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(VAPID_PRIVATE_KEY_FILE=str(tmp_path / "vapid.pem"), VAPID_SUBJECT="mailto:ops@acme.example")


def _subscribe(client, subscription: dict) -> dict:
    response = client.post("/api/v1/me/push/subscriptions", json=subscription)
    assert response.status_code == 201, response.json
    return response.json


def _assign(dispatcher, wo, technician_id):
    url = f"/api/v1/work-orders/{wo['id']}/assign"
    assert dispatcher.post(url, json={"technician_id": technician_id}).status_code == 200


def test_the_key_is_made_once_and_only_technicians_read_it(app, technician, dispatcher, tmp_path):
    first = technician.get("/api/v1/me/push/key")
    assert first.status_code == 200 and len(unb64u(first.json["public_key"])) == 65
    assert (tmp_path / "vapid.pem").exists() and oct((tmp_path / "vapid.pem").stat().st_mode)[-3:] == "600"
    assert technician.get("/api/v1/me/push/key").json == first.json
    assert dispatcher.get("/api/v1/me/push/key").status_code == 403


def test_a_new_job_and_a_job_taken_away_are_pushed_once_each(
    app, service, technician, client_for, dispatcher, world, new_work_order
):
    key = technician.get("/api/v1/me/push/key").json["public_key"]
    _subscribe(technician, service.subscription("toms-phone"))
    _subscribe(client_for(world.other_tech_email), service.subscription("olgas-phone"))
    wo = new_work_order(title="Chiller alarm in basement")
    _assign(dispatcher, wo, world.technician_id)

    summary = push_round(app)
    assert (summary.notifications, summary.pushed, summary.failed) == (1, 1, 0)
    [pushed] = service.received
    assert pushed == {
        "to": "toms-phone",
        "kind": "assigned",
        "number": wo["number"],
        "title": "Chiller alarm in basement",
        "message": pushed["message"],
        "url": f"/#/jobs/{wo['id']}",
        "notification_id": pushed["notification_id"],
    }
    assert service.public_key == key and service.refused == []
    assert push_round(app).notifications == 0 and len(service.received) == 1  # never twice

    _assign(dispatcher, wo, world.other_technician_id)
    push_round(app)
    assert sorted((p["to"], p["kind"]) for p in service.received[1:]) == [
        ("olgas-phone", "assigned"),
        ("toms-phone", "unassigned"),
    ]
    # The in-app list has them all, pushed or not.
    assert technician.get("/api/v1/me/notifications").json["total"] == 2


def test_a_forgotten_subscription_is_dropped_and_a_phone_without_one_still_has_its_list(
    app, service, technician, dispatcher, world, new_work_order
):
    _subscribe(technician, service.subscription("old-phone"))
    service.forgotten.add("/push/old-phone")
    _assign(dispatcher, new_work_order(), world.technician_id)
    assert push_round(app).gone == 1
    with app.app_context():
        assert db.session.scalars(select(PushSubscription)).all() == []
    assert technician.get("/api/v1/me/notifications").json["total"] == 1


def test_old_news_is_not_pushed(app, service, technician, dispatcher, world, new_work_order, clock):
    _subscribe(technician, service.subscription("phone"))
    _assign(dispatcher, new_work_order(), world.technician_id)
    clock.advance(hours=2)  # the sender was down for two hours
    assert push_round(app).pushed == 0 and service.received == []
    with app.app_context():
        assert db.session.scalars(select(Notification.pushed_at)).all() == [clock.now]


def test_subscriptions_are_validated_and_owned(app, service, technician, client_for, world):
    good = service.subscription("phone")
    for bad, field in [
        ({**good, "endpoint": "not a url"}, "endpoint"),
        ({**good, "keys": {"p256dh": "short", "auth": good["keys"]["auth"]}}, "keys.p256dh"),
        ({"endpoint": good["endpoint"]}, "keys"),
    ]:
        response = technician.post("/api/v1/me/push/subscriptions", json=bad)
        assert response.status_code == 422 and field in response.json["error"]["fields"], response.json
    mine = _subscribe(technician, good)
    other = client_for(world.other_tech_email)
    assert other.delete(f"/api/v1/me/push/subscriptions/{mine['id']}").status_code == 404
    assert technician.delete(f"/api/v1/me/push/subscriptions/{mine['id']}").status_code == 204
    assert technician.delete(f"/api/v1/me/push/subscriptions/{mine['id']}").status_code == 404
