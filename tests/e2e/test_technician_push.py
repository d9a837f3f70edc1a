"""Push on the technician's phone (Chromium): the notifications screen offers push beside the list,
and when the phone cannot reach its push service (as many Chinese phones cannot, and as headless
Chromium cannot) it says so and the list still shows every job given or taken away."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import log_in


def test_push_that_cannot_be_reached_leaves_the_list(live_server, phone, world, dispatcher, new_work_order):
    wo = new_work_order(title="Chiller alarm in basement")
    url = f"/api/v1/work-orders/{wo['id']}/assign"
    assert dispatcher.post(url, json={"technician_id": world.technician_id}).status_code == 200
    phone.context.grant_permissions(["notifications"], origin=live_server)
    log_in(phone, live_server, world.tech_email)
    phone.goto(f"{live_server}/#/notifications")
    status = phone.get_by_role("status").filter(has_text="Push notifications")
    expect(status).to_contain_text("Push notifications are off for this phone")
    phone.get_by_role("button", name="Turn on push notifications").click()
    # The browser first waits for the service worker to be active, then for its push service: on a
    # loaded machine that takes longer than the default five seconds.
    expect(status).to_contain_text("could not be turned on", timeout=20_000)
    expect(phone.get_by_role("list", name="Notifications")).to_contain_text(f"{wo['number']} Chiller alarm in basement")
