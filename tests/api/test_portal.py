"""The customer portal through the API, on SQLite and PostgreSQL: codes (no enumeration, five
tries, expiry, rate limits per contact and per address), the customer session kept apart from
staff sessions, requests through the desk's intake with channel portal, another customer's
request (404), photos, and published articles."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from backend.domain import portal as portal_rules
from backend.extensions import db
from backend.models import Asset, Message, PortalCode
from tests.conftest import ApiClient
from tests.helpers import image_bytes, signature_data_url

CODE = "246810"
PORTAL = "/api/v1/portal"


@pytest.fixture
def app(make_app):
    return make_app(
        PORTAL_CODE_LIMIT_PER_CONTACT="3 per hour", PORTAL_CODE_LIMIT_PER_ADDRESS="6 per hour", PORTAL_MAX_PHOTOS=2
    )


@pytest.fixture(autouse=True)
def known_code(monkeypatch):
    """The code the server makes, known to the test (delivery is the outbox's, tested there)."""
    monkeypatch.setattr(portal_rules, "new_code", lambda: CODE)


@pytest.fixture
def customer_client(app):
    """`customer_client(phone=..., email=...)` → an ApiClient signed in to the portal with a code."""

    def make(code: str = CODE, **contact) -> ApiClient:
        client = ApiClient(app.test_client())
        assert client.http.post(f"{PORTAL}/codes", json=contact).status_code == 202
        response = client.http.post(f"{PORTAL}/session", json={**contact, "code": code})
        assert response.status_code == 200, response.json
        client.csrf = response.json["csrf_token"]
        client.user = response.json["customer"]
        return client

    return make


REQUEST = {
    "type": "repair",
    "title": "洗衣机不排水",
    "description": "Error E21",
    "address": "上海市黄浦区南京东路 1 号",
    "location": {"lat": 31.235, "lon": 121.48},
}


def test_a_code_is_asked_for_alike_whether_the_contact_is_known_or_not(app, client_for, world, clock):
    http = client_for().http
    known = http.post(f"{PORTAL}/codes", json={"phone": "+86 21 5555 0101"})
    unknown = http.post(f"{PORTAL}/codes", json={"phone": "13800138000", "language": "en"})
    assert known.status_code == unknown.status_code == 202
    assert known.json == unknown.json == {"expires_at": "2026-11-23T09:10:00Z"}
    with app.app_context():
        sent = db.session.scalars(select(Message).order_by(Message.id)).all()
        assert [(m.channel, m.recipient, m.template, m.language) for m in sent] == [
            ("sms", "+86 21 5555 0101", "portal_code", "zh-CN"),
            ("sms", "13800138000", "portal_code", "en"),
        ]
        assert all(CODE in m.body for m in sent)  # through the outbox, to be sent after commit
        stored = db.session.scalars(select(PortalCode.code_hash)).all()
        assert len(stored) == 2 and not any(CODE in value for value in stored)  # kept only as an HMAC


def test_the_right_code_signs_a_known_customer_in_by_their_phone_however_typed(client_for, world):
    http = client_for().http
    http.post(f"{PORTAL}/codes", json={"phone": "021-5555-0101"})
    response = http.post(f"{PORTAL}/session", json={"phone": "+86 (21) 5555 0101", "code": CODE})
    assert response.status_code == 200, response.json
    assert response.json["customer"]["id"] == world.customer_id
    assert response.json["csrf_token"]
    me = http.get(f"{PORTAL}/me")
    assert me.status_code == 200 and me.json["name"] == "Acme Bakery" and me.json["assets"] == []


def test_a_code_works_once(client_for, world):
    http = client_for().http
    http.post(f"{PORTAL}/codes", json={"email": "li@example.com"})
    assert http.post(f"{PORTAL}/session", json={"email": "LI@example.com", "code": CODE}).status_code == 200
    again = client_for().http.post(f"{PORTAL}/session", json={"email": "li@example.com", "code": CODE})
    assert again.status_code == 401 and again.json["error"]["code"] == "unauthorized"


def test_five_wrong_tries_burn_the_code(client_for, world):
    http = client_for().http
    http.post(f"{PORTAL}/codes", json={"phone": "13800138000"})
    for _ in range(5):
        wrong = http.post(f"{PORTAL}/session", json={"phone": "13800138000", "code": "000000"})
        assert wrong.status_code == 401
    right = http.post(f"{PORTAL}/session", json={"phone": "13800138000", "code": CODE})
    assert right.status_code == 401  # burnt: the right code no longer opens anything
    http.post(f"{PORTAL}/codes", json={"phone": "13800138000"})
    assert http.post(f"{PORTAL}/session", json={"phone": "13800138000", "code": CODE}).status_code == 200


def test_four_wrong_tries_leave_the_fifth(client_for, world):
    http = client_for().http
    http.post(f"{PORTAL}/codes", json={"phone": "13800138000"})
    for _ in range(4):
        assert http.post(f"{PORTAL}/session", json={"phone": "13800138000", "code": "111111"}).status_code == 401
    assert http.post(f"{PORTAL}/session", json={"phone": "13800138000", "code": CODE}).status_code == 200


def test_a_code_expires_after_ten_minutes(client_for, world, clock):
    http = client_for().http
    http.post(f"{PORTAL}/codes", json={"phone": "13800138000"})
    clock.advance(minutes=10)
    assert http.post(f"{PORTAL}/session", json={"phone": "13800138000", "code": CODE}).status_code == 401


def test_codes_are_rate_limited_per_contact_and_per_address(client_for, world, clock):
    http = client_for().http
    for _ in range(3):
        assert http.post(f"{PORTAL}/codes", json={"phone": "13800138000"}).status_code == 202
    refused = http.post(f"{PORTAL}/codes", json={"phone": "+86 138 0013 8000"})
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    # The same for an unknown contact as for a known one: the limit tells nobody anything.
    for _ in range(3):
        assert http.post(f"{PORTAL}/codes", json={"phone": "+86 21 5555 0101"}).status_code == 202
    assert http.post(f"{PORTAL}/codes", json={"phone": "+86 21 5555 0101"}).status_code == 429
    # Six codes from this address: a seventh contact is refused too.
    assert http.post(f"{PORTAL}/codes", json={"email": "new@example.com"}).status_code == 429
    clock.advance(hours=1, seconds=1)
    assert http.post(f"{PORTAL}/codes", json={"phone": "13800138000"}).status_code == 202


def test_bad_contacts_are_422(client_for, world):
    http = client_for().http
    for body, field in (
        ({}, "phone"),
        ({"phone": "13800138000", "email": "a@example.com"}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "1" * 41}, "phone"),
    ):
        response = http.post(f"{PORTAL}/codes", json=body)
        assert response.status_code == 422, body
        assert field in response.json["error"]["fields"], response.json


def test_a_customer_session_reaches_no_staff_endpoint(customer_client, world):
    client = customer_client(phone="+86 21 5555 0101")
    for path in ("/api/v1/work-orders", "/api/v1/customers", "/api/v1/auth/me", "/api/v1/technicians"):
        response = client.get(path)
        assert response.status_code == 401, path
    response = client.post("/api/v1/work-orders", json={"title": "x"})
    assert response.status_code == 401


def test_a_staff_session_is_not_a_customer_session(dispatcher, world):
    for path in (f"{PORTAL}/me", f"{PORTAL}/requests"):
        assert dispatcher.get(path).status_code == 401


def test_changes_need_the_customer_csrf_token(customer_client, world):
    client = customer_client(phone="+86 21 5555 0101")
    response = client.http.post(f"{PORTAL}/requests", json=REQUEST)
    assert response.status_code == 403 and response.json["error"]["code"] == "csrf_failed"
    assert client.post(f"{PORTAL}/requests", json=REQUEST).status_code == 201


def test_logout_ends_the_session(customer_client, world):
    client = customer_client(phone="+86 21 5555 0101")
    assert client.post(f"{PORTAL}/logout").status_code == 204
    assert client.get(f"{PORTAL}/me").status_code == 401


def test_a_new_contact_s_first_request_creates_the_customer(customer_client, dispatcher, world):
    client = customer_client(phone="139 1234 5678")
    assert client.user is None
    me = client.get(f"{PORTAL}/me").json
    assert me["id"] is None and me["phone"] == "139 1234 5678"

    nameless = client.post(f"{PORTAL}/requests", json=REQUEST)
    assert nameless.status_code == 422 and "name" in nameless.json["error"]["fields"]
    assert dispatcher.get("/api/v1/customers?q=13912345678").json["total"] == 0  # nothing half-written

    created = client.post(
        f"{PORTAL}/requests",
        json={
            **REQUEST,
            "name": "李女士",
            "preferred_from": "2026-11-24T01:00:00Z",
            "preferred_to": "2026-11-24T04:00:00Z",
        },
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "new" and body["channel"] == "portal" and body["title"] == "洗衣机不排水"
    assert body["window"] == {"from": "2026-11-24T01:00:00Z", "to": "2026-11-24T04:00:00Z"}
    assert body["tracking_url"].startswith("http://localhost/t/")
    staff_view = dispatcher.get(f"/api/v1/work-orders/{body['id']}").json
    assert staff_view["channel"] == "portal" and staff_view["customer"]["name"] == "李女士"
    assert staff_view["priority"] == "normal"
    created_event = staff_view["events"][0]
    assert created_event["action"] == "created" and created_event["actor"]["kind"] == "customer"
    assert client.get(f"{PORTAL}/me").json["name"] == "李女士"


def test_a_known_contact_s_request_is_theirs(customer_client, dispatcher, world):
    client = customer_client(phone="+86 21 5555 0101")
    body = client.post(f"{PORTAL}/requests", json={k: v for k, v in REQUEST.items() if k != "location"}).json
    wo = dispatcher.get(f"/api/v1/work-orders/{body['id']}").json
    assert wo["customer"]["id"] == world.customer_id
    assert wo["location"] == {"lat": 31.2304, "lon": 121.4737}  # the customer's own location


def test_requests_are_listed_newest_first_and_another_customer_s_is_404(customer_client, clock, world):
    mine = customer_client(phone="+86 21 5555 0101")
    first = mine.post(f"{PORTAL}/requests", json=REQUEST).json
    clock.advance(minutes=1)
    second = mine.post(f"{PORTAL}/requests", json={**REQUEST, "title": "Dryer is loud"}).json
    listed = mine.get(f"{PORTAL}/requests").json
    assert [item["id"] for item in listed["items"]] == [second["id"], first["id"]]
    assert mine.get(f"{PORTAL}/requests/{first['id']}").json["number"] == first["number"]

    stranger = customer_client(phone="13700000000")
    assert stranger.get(f"{PORTAL}/requests").json["items"] == []
    response = stranger.get(f"{PORTAL}/requests/{first['id']}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    photo = stranger.post(
        f"{PORTAL}/requests/{first['id']}/attachments",
        data={"file": (io.BytesIO(image_bytes()), "x.png")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 404


def test_a_photo_of_the_problem(customer_client, dispatcher, world):
    client = customer_client(phone="+86 21 5555 0101")
    body = client.post(f"{PORTAL}/requests", json=REQUEST).json
    url = f"{PORTAL}/requests/{body['id']}/attachments"
    sent = client.post(
        url, data={"file": (io.BytesIO(image_bytes("JPEG")), "a.jpg")}, content_type="multipart/form-data"
    )
    assert sent.status_code == 201, sent.json
    assert sent.json["content_type"] == "image/jpeg"
    bad = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4"), "a.jpg")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "file" in bad.json["error"]["fields"]
    staff_view = dispatcher.get(f"/api/v1/work-orders/{body['id']}").json
    assert len(staff_view["attachments"]) == 1
    assert [e["action"] for e in staff_view["events"]][-1] == "attachment_added"
    assert client.get(f"{PORTAL}/requests/{body['id']}").json["photos"] == 1
    second = client.post(url, data={"file": (io.BytesIO(image_bytes()), "b.png")}, content_type="multipart/form-data")
    assert second.status_code == 201
    third = client.post(url, data={"file": (io.BytesIO(image_bytes()), "c.png")}, content_type="multipart/form-data")
    assert third.status_code == 422 and "at most 2 photos" in third.json["error"]["fields"]["file"][0]
    assert client.get(f"{PORTAL}/requests/{body['id']}").json["photos"] == 2


def test_request_bodies_are_bounded(customer_client, world):
    client = customer_client(phone="+86 21 5555 0101")
    response = client.post(f"{PORTAL}/requests", json={**REQUEST, "description": "x" * 4001, "title": ""})
    assert response.status_code == 422
    assert {"description", "title"} <= set(response.json["error"]["fields"])
    response = client.post(f"{PORTAL}/requests", json={**REQUEST, "location": {"lat": 91, "lon": 0}})
    assert response.status_code == 422 and "location.lat" in response.json["error"]["fields"]


def test_the_profile_can_be_changed(customer_client, world):
    client = customer_client(phone="+86 21 5555 0101")
    response = client.patch(f"{PORTAL}/me", json={"address": "2 Nanjing Rd", "location": {"lat": 31.24, "lon": 121.49}})
    assert response.status_code == 200, response.json
    me = client.get(f"{PORTAL}/me").json
    assert me["address"] == "2 Nanjing Rd" and me["location"] == {"lat": 31.24, "lon": 121.49}


def test_published_articles_only(app, dispatcher, client_for, world):
    for title, published in (("洗衣机 E21 排水故障", True), ("Draft: E21 internals", False)):
        body = {"title": title, "symptoms": "E21", "cause": "filter", "fix": "clean the filter", "published": published}
        assert dispatcher.post("/api/v1/articles", json=body).status_code == 201
    found = client_for().http.get(f"{PORTAL}/articles?q=E21").json
    assert [a["title"] for a in found["items"]] == ["洗衣机 E21 排水故障"]


def test_the_customer_s_machines_and_a_request_on_one_of_them(app, customer_client, world, clock):
    with app.app_context():
        for customer_id, serial in ((world.customer_id, "SN-1"), (None, "SN-2")):
            if customer_id is None:
                from tests.factories import add_customer

                customer_id = add_customer("Other Bakery").id
            db.session.add(
                Asset(customer_id=customer_id, model="WM-8", serial=serial, created_at=clock.now, updated_at=clock.now)
            )
        db.session.commit()
        mine, theirs = db.session.scalars(select(Asset.id).order_by(Asset.id)).all()
    client = customer_client(phone="+86 21 5555 0101")
    assert [a["serial"] for a in client.get(f"{PORTAL}/me").json["assets"]] == ["SN-1"]
    refused = client.post(f"{PORTAL}/requests", json={**REQUEST, "asset_id": theirs})
    assert refused.status_code == 422 and "asset_id" in refused.json["error"]["fields"]
    assert client.post(f"{PORTAL}/requests", json={**REQUEST, "asset_id": mine}).status_code == 201


def test_address_suggestions_for_a_signed_in_customer(make_app, client_for, world):
    from tests.api.test_geocoding import StubNominatim

    with StubNominatim() as nominatim:
        app = make_app(GEOCODER="nominatim", GEOCODER_URL=nominatim.url, GEOCODER_TIMEOUT_SECONDS=1)
        anonymous = ApiClient(app.test_client())
        assert anonymous.get(f"{PORTAL}/geocode?q=南京东路1号").status_code == 401
        client = ApiClient(app.test_client())
        client.http.post(f"{PORTAL}/codes", json={"phone": "+86 21 5555 0101"})
        client.csrf = client.http.post(f"{PORTAL}/session", json={"phone": "+86 21 5555 0101", "code": CODE}).json[
            "csrf_token"
        ]
        found = client.get(f"{PORTAL}/geocode?q=南京东路1号")
        assert found.status_code == 200, found.json
        assert found.json["items"][0] == {
            "label": "1, 南京东路, 黄浦区, 上海市, 200001, 中国",
            "lat": 31.240092,
            "lon": 121.486837,
        }
        assert client.get(f"{PORTAL}/geocode?q=x").status_code == 422


def test_without_a_geocoder_the_customer_gets_no_suggestions(customer_client, world):
    client = customer_client(phone="+86 21 5555 0101")
    found = client.get(f"{PORTAL}/geocode?q=南京东路1号")
    assert found.status_code == 200 and found.json["items"] == [] and found.json["available"] is False


def test_a_new_customer_hears_from_us_in_their_phone_s_language_by_how_they_signed_in(customer_client, world):
    client = customer_client(email="Jane@Example.com")
    created = client.post(
        f"{PORTAL}/requests", json={**REQUEST, "name": "Jane Doe"}, headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert created.status_code == 201, created.json
    me = client.get(f"{PORTAL}/me").json
    assert (me["email"], me["language"], me["preferred_channel"]) == ("jane@example.com", "en", "email")
    changed = client.patch(f"{PORTAL}/me", json={"language": "zh-CN", "preferred_channel": "sms"})
    assert changed.status_code == 422 and "preferred_channel" in changed.json["error"]["fields"]  # no phone
    assert client.patch(f"{PORTAL}/me", json={"language": "zh-CN"}).json["language"] == "zh-CN"


def test_the_customer_s_photo_is_not_the_technician_s_for_quality(customer_client, dispatcher, technician, world):
    client = customer_client(phone="+86 21 5555 0101")
    body = client.post(f"{PORTAL}/requests", json=REQUEST).json
    photo = {"file": (io.BytesIO(image_bytes()), "leak.png")}
    assert (
        client.post(
            f"{PORTAL}/requests/{body['id']}/attachments", data=photo, content_type="multipart/form-data"
        ).status_code
        == 201
    )
    url = f"/api/v1/work-orders/{body['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    assert (
        technician.post(
            f"{url}/actions/complete", json={"resolution": "Pump cleaned", "first_time_fix": True}
        ).status_code
        == 200
    )
    sign = {"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": 5}
    assert technician.post(f"{url}/signoff", json=sign).status_code == 201
    drawn = dispatcher.post("/api/v1/quality-reviews/sample", json={"period": "2026-11", "per_technician": 1})
    assert drawn.status_code == 201, drawn.json
    (review,) = drawn.json["items"]
    assert review["work_order"]["id"] == body["id"] and review["items"]["photo_attached"] is False


def test_a_scanned_label_names_the_customer_s_own_machine(app, customer_client, world, clock):
    from backend.domain.assets import label_token
    from tests.factories import add_customer

    with app.app_context():
        other = add_customer("Other Bakery").id
        for customer_id, serial in ((world.customer_id, "SN-1"), (other, "SN-2")):
            db.session.add(
                Asset(customer_id=customer_id, model="WM-8", serial=serial, created_at=clock.now, updated_at=clock.now)
            )
        db.session.commit()
        mine, theirs = db.session.scalars(select(Asset.id).order_by(Asset.id)).all()
        secret = app.config["SECRET_KEY"]
        tokens = {"mine": label_token(mine, secret), "theirs": label_token(theirs, secret)}
    client = customer_client(phone="+86 21 5555 0101")
    found = client.get(f"{PORTAL}/assets/by-label/{tokens['mine']}")
    assert found.status_code == 200 and found.json == {
        "id": mine,
        "model": "WM-8",
        "serial": "SN-1",
        "warranty_until": None,
    }
    assert client.get(f"{PORTAL}/assets/by-label/{tokens['theirs']}").status_code == 404
    assert client.get(f"{PORTAL}/assets/by-label/{tokens['mine'][:-2]}xx").status_code == 404
    newcomer = customer_client(phone="13700000000")  # not a customer yet: no machine of theirs
    assert newcomer.get(f"{PORTAL}/assets/by-label/{tokens['mine']}").status_code == 404
