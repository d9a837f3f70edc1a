"""A whole visit in the technician app, in Chromium on a phone viewport: online, offline, a
network that fails halfway through the replay, and a job reassigned while the phone was offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import add_photo, draw_signature, log_in, screenshot
from tests.helpers import action_events, image_bytes

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
    return [e["action"] for e in action_events(detail["events"])]  # the customer's messages aside


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
    synced(phone)
    screenshot(phone, "technician-job-detail")
    phone.get_by_role("button", name="Complete").click()

    expect(phone.get_by_role("heading", name="Customer sign-off")).to_be_visible()
    phone.get_by_label("Signer name").fill("Mrs Chen")
    draw_signature(phone)
    phone.get_by_label("Rating").select_option("5")
    screenshot(phone, "technician-sign-off")
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


def start_visit_then_go_offline(phone, live_server, world, wo, actions=("Accept", "Depart")):
    """Online: log in, open the job (the phone keeps a copy), accept and depart; then lose signal."""
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name=re.compile(wo["title"])).click()
    for action in actions:
        phone.get_by_role("button", name=action).click()
        expect(phone.get_by_role("button", name=action)).to_have_count(0)
    synced(phone)
    phone.context.set_offline(True)


def work_the_visit_offline(phone):
    phone.get_by_role("button", name="Arrive").click()
    phone.get_by_label("Note").fill("Fan belt worn")
    phone.get_by_role("button", name="Add note").click()
    expect(phone.get_by_role("list", name="Notes and parts")).to_contain_text("Fan belt worn")
    add_photo(phone, image_bytes("PNG", (800, 600)))
    expect(phone.get_by_role("group", name="Photos").get_by_role("img")).to_have_count(1)
    phone.get_by_label("Resolution").fill("Belt replaced")
    phone.get_by_role("button", name="Complete").click()
    phone.get_by_label("Signer name").fill("Mr Wang")
    draw_signature(phone)
    phone.get_by_role("button", name="Sign off").click()
    expect(phone.get_by_text("Signed off. The job is closed.")).to_be_visible()
    expect(phone.get_by_role("status").first).to_have_text("5 changes waiting to sync")


def assert_applied_once_in_order(detail, deadline):
    assert detail["status"] == "closed"
    assert actions_in_order(detail)[4:] == ["arrive", "log_added", "attachment_added", "complete", "close"]
    assert [log["text"] for log in detail["logs"]] == ["Fan belt worn"]
    assert len(detail["attachments"]) == 1 and len(detail["signoffs"]) == 1
    arrival = next(e for e in detail["events"] if e["action"] == "arrive")
    # The time of the deed: the arrival counts when it happened, not when the signal came back.
    assert arrival["occurred_at"] < deadline <= arrival["recorded_at"]
    assert detail["arrived_at"] == arrival["occurred_at"]


def test_work_done_offline_survives_a_reload_and_reaches_the_server_once_in_order(
    live_server, phone, dispatcher, world, job, clock
):
    wo = job()
    start_visit_then_go_offline(phone, live_server, world, wo)
    work_the_visit_offline(phone)

    phone.reload()  # the app and its queue come back from the phone itself
    expect(phone.get_by_role("status").first).to_have_text("5 changes waiting to sync")
    expect(phone.get_by_text("Offline: your changes are kept on this phone")).to_be_visible()
    phone.goto(live_server + "/#/")
    expect(phone.get_by_role("list", name="My jobs")).to_contain_text(wo["title"])
    assert server_view(dispatcher, wo)["status"] == "en_route"  # nothing reached the server yet
    phone.get_by_role("button", name="Log out").click()  # would wipe the phone's copy: refused
    expect(phone.get_by_role("alert")).to_contain_text("Some changes have not reached the server yet")

    back_online = clock().isoformat().replace("+00:00", "Z")
    phone.context.set_offline(False)
    synced(phone)
    assert_applied_once_in_order(server_view(dispatcher, wo), back_online)
    assert phone.console_errors == []


def test_an_answer_lost_halfway_through_the_replay_does_not_apply_twice(
    live_server, phone, dispatcher, world, job, clock
):
    wo = job()
    start_visit_then_go_offline(phone, live_server, world, wo)
    work_the_visit_offline(phone)

    cut = []

    def fail_the_network_once(route):
        """The upload reaches the server but its answer is lost; the completion never leaves."""
        kind = "upload" if route.request.url.endswith("/attachments") else "complete"
        if kind in cut:
            route.continue_()
            return
        cut.append(kind)
        if kind == "upload":
            route.fetch()  # applied on the server ...
        route.abort("connectionreset")  # ... and the phone hears nothing

    # On the context: the page and the service worker (Background Sync) both replay.
    phone.context.route("**/api/v1/work-orders/*/attachments", fail_the_network_once)
    phone.context.route("**/api/v1/work-orders/*/actions/complete", fail_the_network_once)
    back_online = clock().isoformat().replace("+00:00", "Z")
    phone.context.set_offline(False)
    synced(phone)  # the app retries by itself and goes on where it stopped
    assert cut == ["upload", "complete"]
    assert_applied_once_in_order(server_view(dispatcher, wo), back_online)


def test_a_change_to_a_job_reassigned_while_offline_comes_back_refused_and_is_shown(
    live_server, phone, dispatcher, world, job
):
    wo = job()
    start_visit_then_go_offline(phone, live_server, world, wo, actions=("Accept",))  # still assignable
    phone.get_by_role("button", name="Arrive").click()
    phone.get_by_label("Note").fill("Started work")
    phone.get_by_role("button", name="Add note").click()
    reassigned = dispatcher.post(
        f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.other_technician_id}
    )
    assert reassigned.status_code == 200, reassigned.json

    phone.context.set_offline(False)
    refused = phone.get_by_role("alert").filter(has=phone.get_by_role("heading", name="Not applied by the server"))
    expect(refused.get_by_role("listitem")).to_have_count(2)
    expect(refused.get_by_role("listitem").first).to_contain_text("This job is no longer yours")
    expect(refused.get_by_role("listitem").first).to_contain_text(f"Action: Arrive · {wo['number']}")
    phone.goto(live_server + "/#/")
    expect(phone.get_by_role("list", name="My jobs")).not_to_contain_text(wo["title"])

    detail = server_view(dispatcher, wo)
    assert detail["technician"]["id"] == world.other_technician_id
    assert detail["status"] == "assigned" and detail["logs"] == []
    assert "arrive" not in actions_in_order(detail)

    for _ in range(2):  # kept until the technician deletes it, after saying so twice
        refused.get_by_role("button", name="Dismiss").first.click()
        phone.get_by_role("dialog").get_by_role("button", name="Delete for good").click()
    expect(phone.get_by_role("heading", name="Not applied by the server")).to_have_count(0)
