"""A whole visit in the technician app, in Chromium on a phone viewport: online, offline, a
network that fails halfway through the replay, and a job reassigned while the phone was offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import add_photo, draw_signature, log_in
from tests.helpers import image_bytes

VISIT = [
    "created",
    "assign",
    "accept",
    "depart",
    "arrive",
    "log_added",
    "log_added",
    "attachment_added",
    "complete",
    "close",
]
SITE = {"lat": 31.2304, "lon": 121.4737}
NEAR = {"latitude": 31.2400, "longitude": 121.4900}  # about 1.9 km from the site


@pytest.fixture
def job(dispatcher, world, new_work_order):
    """`job(status)` → a work order assigned to the test's technician and moved to `status`."""

    def make(status="assigned", title="Chiller alarm in basement"):
        wo = new_work_order(title=title, priority="urgent", location=SITE)
        dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
        return wo

    return make


def server_view(dispatcher, wo):
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}")
    assert detail.status_code == 200, detail.json
    return detail.json


def actions_in_order(detail):
    return [e["action"] for e in detail["events"]]


def synced(page):
    expect(page.get_by_role("status").filter(has_text=re.compile("synced|waiting|Syncing"))).to_have_text(
        "All changes synced", timeout=15_000
    )


def test_a_whole_visit_ends_closed_on_the_server_with_everything_attached(live_server, phone, dispatcher, world, job):
    wo = job()
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(NEAR)
    log_in(phone, live_server, world.tech_email)

    card = phone.get_by_role("list", name="My jobs").get_by_role("listitem").first
    expect(card).to_contain_text(re.compile(r"1\.\d km away · about \d+ min"))
    card.get_by_role("link").click()
    expect(phone.get_by_role("heading", name="Chiller alarm in basement")).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile(r"Call \+86"))).to_have_attribute("href", "tel:+862155550101")
    navigate = phone.get_by_role("button", name="Navigate")
    expect(navigate).to_have_attribute("href", "geo:31.2304,121.4737?q=31.2304,121.4737")  # Pixel 7: Android

    expect(phone.get_by_role("button", name="Depart")).to_have_count(0)  # not before accepting
    for action in ("Accept", "Depart", "Arrive"):
        phone.get_by_role("button", name=action).click()
        expect(phone.get_by_role("button", name=action)).to_have_count(0)
    phone.get_by_label("Note").fill("Compressor relay burnt <script>alert(1)</script>")
    phone.get_by_label("Minutes").fill("25")
    phone.get_by_role("button", name="Add note").click()
    phone.get_by_label("SKU").fill("RLY-24")
    phone.get_by_label("Part name").fill("Relay 24V")
    phone.get_by_role("button", name="Add part").click()
    add_photo(phone, image_bytes("PNG", (2400, 1800)))
    expect(phone.get_by_role("group", name="Photos").get_by_role("img")).to_have_count(1)
    phone.get_by_label("Resolution").fill("Replaced the compressor relay")
    phone.get_by_role("button", name="Complete").click()

    expect(phone.get_by_role("heading", name="Customer sign-off")).to_be_visible()
    phone.get_by_label("Signer name").fill("Mrs Chen")
    draw_signature(phone)
    phone.get_by_label("Rating").select_option("5")
    phone.get_by_role("button", name="Sign off").click()
    expect(phone.get_by_text("Signed off. The job is closed.")).to_be_visible()
    synced(phone)

    detail = server_view(dispatcher, wo)
    assert detail["status"] == "closed"
    assert actions_in_order(detail) == VISIT
    assert [(log["kind"], log["text"], log["minutes"]) for log in detail["logs"]] == [
        ("note", "Compressor relay burnt <script>alert(1)</script>", 25),
        ("part", None, None),
    ]
    assert detail["logs"][1]["parts"] == [{"sku": "RLY-24", "name": "Relay 24V", "qty": 1}]
    [photo] = detail["attachments"]
    assert photo["content_type"] == "image/jpeg"  # downscaled and re-encoded on the phone
    assert (photo["width"], photo["height"]) == (1600, 1200)
    assert detail["resolution"] == "Replaced the compressor relay" and detail["first_time_fix"] is True
    assert detail["signoff"]["signer_name"] == "Mrs Chen"
    assert detail["signoff"]["rating"] == 5
    assert detail["signoff"]["record_valid"] is True
    assert phone.console_errors == []
