"""The technician opens the customer's confirmation link on their own phone, where the technician
app is logged in, and hands the phone over: the customer confirms there (issue 13, point 14). The
browser sends the staff session's cookie along, but the signed link is the only credential."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import draw_signature, log_in


@pytest.fixture
def link(live_server, dispatcher, technician, world, new_work_order):
    wo = new_work_order(title="Dishwasher does not drain")
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    assert technician.post(f"{url}/logs", json={"kind": "fix", "text": "Cleared the pump", "minutes": 20}).status_code
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Drains again", "first_time_fix": True})
    assert done.status_code == 200, done.json
    token = technician.post(f"{url}/confirmation-link").json["url"].rsplit("/", 1)[1]
    return {"url": f"{live_server}/confirm/{token}", "number": wo["number"], "id": wo["id"]}


def test_the_customer_confirms_on_the_technicians_logged_in_phone(phone, live_server, world, link, dispatcher):
    log_in(phone, live_server, world.tech_email)  # the technician app holds a session in this browser
    assert any(cookie["name"] == "onsite_session" for cookie in phone.context.cookies())

    phone.goto(link["url"])
    expect(phone.get_by_role("list", name="Work done")).to_have_text("Cleared the pump")
    phone.get_by_label("Signer name").fill("Mr Zhao")
    draw_signature(phone)
    phone.get_by_role("button", name="Confirm").click()

    expect(phone.get_by_role("status")).to_contain_text(f"The work on {link['number']} is confirmed")
    expect(phone.get_by_role("alert")).to_have_count(0)
    assert dispatcher.get(f"/api/v1/work-orders/{link['id']}").json["status"] == "closed"
    assert phone.console_errors == []
