"""What work-order changes tell the customer, through the outbox, on SQLite and PostgreSQL: an
assignment (the technician's first name), a departure (ETA and tracking link), a completion (a
confirmation link); in the customer's language, by their channel, nothing when they opted out; the
timeline's message events."""

from __future__ import annotations

import pytest

from backend.messaging import send_round
from tests.api.test_customer_messages import BASE, _messages, _set_customer, _timeline
from tests.helpers import signature_data_url


@pytest.fixture
def app(make_app):
    return make_app(PUBLIC_BASE_URL=BASE, COMPANY_NAME="Acme Service")


def test_assigning_tells_the_customer_the_technicians_first_name_in_their_language(
    app, dispatcher, world, new_work_order
):
    wo = new_work_order()
    assert (
        dispatcher.post(
            f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id}
        ).status_code
        == 200
    )

    [message] = _messages(app)
    assert (message.channel, message.recipient, message.language) == ("sms", "+86 21 5555 0101", "zh-CN")
    assert message.template == "assigned" and message.status == "queued"
    assert "Tom师傅" in message.body and wo["number"] in message.body and "Tech" not in message.body
    actions = [e["action"] for e in _timeline(dispatcher, wo["id"])]
    assert actions[-1] == "message_queued"

    send_round(app)
    events = _timeline(dispatcher, wo["id"])
    assert events[-1]["action"] == "message_sent"
    assert events[-1]["details"]["message_id"] == message.id and events[-1]["details"]["provider"] == "log"


def test_an_opted_out_customer_hears_nothing(app, dispatcher, world, new_work_order):
    _set_customer(app, world.customer_id, notify=False)
    wo = new_work_order()
    assert (
        dispatcher.post(
            f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id}
        ).status_code
        == 200
    )
    assert _messages(app) == []


def _assign(dispatcher, world, wo):
    url = f"/api/v1/work-orders/{wo['id']}/assign"
    assert dispatcher.post(url, json={"technician_id": world.technician_id}).status_code == 200


def _act(technician, wo, action, **body):
    response = technician.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json=body)
    assert response.status_code == 200, response.json
    return response.json


def test_departing_tells_an_english_customer_the_eta_and_the_tracking_link_by_email(
    app, dispatcher, technician, world, new_work_order, clock
):
    _set_customer(app, world.customer_id, email="li@example.com", preferred_channel="email", language="en")
    # The technician is 6 km north of the site: 6 x 1.3 detour at 30 km/h is about 16 minutes.
    technician.post("/api/v1/me/location", json={"lat": 31.2304 + 6 / 111.2, "lon": 121.4737})
    wo = new_work_order()
    _assign(dispatcher, world, wo)
    _act(technician, wo, "accept")
    _act(technician, wo, "depart")

    assigned, departed = _messages(app)
    assert (departed.channel, departed.recipient, departed.language) == ("email", "li@example.com", "en")
    assert departed.subject == f"Acme Service: your technician is on the way ({wo['number']})"
    assert departed.params["eta_minutes"] == 16 and "about 16 min" in departed.body
    assert departed.params["tracking_url"].startswith(f"{BASE}/t/") and departed.params["tracking_url"] in departed.body
    assert "Tom is on the way" in departed.body and "Tech" not in departed.body
    assert assigned.body == f"Acme Service: technician Tom will handle your job {wo['number']} ({wo['title']})."


def test_completing_sends_a_confirmation_link_that_works(
    app, dispatcher, technician, world, new_work_order, client_for
):
    wo = new_work_order()
    _assign(dispatcher, world, wo)
    for action in ("accept", "arrive"):
        _act(technician, wo, action)
    _act(technician, wo, "complete", resolution="Relay replaced", first_time_fix=True)

    done = _messages(app)[-1]
    assert done.template == "completed" and done.params["confirmation_url"].startswith(f"{BASE}/confirm/")
    token = done.params["confirmation_url"].rsplit("/confirm/", 1)[1]
    answer = {"accepted": True, "signer_name": "Mrs Li", "rating": 5}
    assert client_for().http.post(f"/api/v1/confirm/{token}", json=answer).status_code == 200
    actions = [e["action"] for e in _timeline(dispatcher, wo["id"])]
    assert actions[-4:] == ["complete", "confirmation_link_created", "message_queued", "close"]


def test_a_customer_without_a_contact_for_their_channel_hears_nothing(app, dispatcher, world, new_work_order):
    _set_customer(app, world.customer_id, phone=None, preferred_channel="sms")
    wo = new_work_order()
    _assign(dispatcher, world, wo)
    assert _messages(app) == []


def test_a_phone_replaying_its_offline_visit_after_the_sender_ran_is_not_refused(
    app, dispatcher, technician, world, new_work_order, clock
):
    wo = new_work_order()
    _assign(dispatcher, world, wo)
    send_round(app)  # the assignment's message goes out at 09:00
    clock.advance(hours=2)  # 11:00: the phone comes back online and replays what it did offline
    for action, at in (("accept", "09:30"), ("arrive", "10:00")):
        _act(technician, wo, action, occurred_at=f"2026-11-23T{at}:00Z")
    _act(
        technician, wo, "complete", resolution="Relay replaced", first_time_fix=True, occurred_at="2026-11-23T10:40:00Z"
    )
    send_round(app)  # the completion's message goes out at 11:00, before the phone's last replay
    signoff = {"signer_name": "Mrs Li", "signature": signature_data_url(), "occurred_at": "2026-11-23T10:42:00Z"}
    response = technician.post(f"/api/v1/work-orders/{wo['id']}/signoff", json=signoff)
    assert response.status_code == 201, response.json
    events = _timeline(dispatcher, wo["id"])
    completed = [e for e in events if e["action"] in ("complete", "confirmation_link_created", "message_queued")][-3:]
    assert [e["occurred_at"] for e in completed] == ["2026-11-23T10:40:00Z"] * 3  # as of the deed


def test_a_job_the_scheduler_moves_tells_the_customer_who_comes_now(app, dispatcher, world, new_work_order, clock):
    from backend.scheduler import run_pass

    wo = new_work_order(required_skills=[])
    _assign(dispatcher, world, wo)  # Tom does not accept it in time (30 minutes for a high job)
    summary = run_pass(app, clock.advance(minutes=31))
    assert summary.reassigned == 1

    first, moved = _messages(app)
    assert (first.template, moved.template) == ("assigned", "assigned")
    assert "Tom" in first.body and "Olga师傅" in moved.body and moved.recipient == "+86 21 5555 0101"
    actions = [e["action"] for e in _timeline(dispatcher, wo["id"])]
    assert actions[-2:] == ["auto_reassigned", "message_queued"]


def test_a_chinese_technician_is_named_as_customers_address_them_and_no_eta_is_guessed(
    app, dispatcher, client_for, world, new_work_order
):
    from tests.factories import add_technician

    with app.app_context():
        wang = add_technician("wang@example.com", skills=["hvac"], name="王伟").id
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}/assign"
    assert dispatcher.post(url, json={"technician_id": wang}).status_code == 200
    phone = client_for("wang@example.com")
    _act(phone, wo, "accept")
    _act(phone, wo, "depart")  # no position sent: the tracking page shows no ETA, nor does the SMS

    assigned, departed = _messages(app)
    assert "王师傅将为您处理工单" in assigned.body and "伟" not in assigned.body
    assert departed.template == "departed_no_eta" and "分钟" not in departed.body
    assert departed.params["tracking_url"] in departed.body
