"""The rest of a technician's day in the app: on shift with position pings, notifications of jobs
the scheduler moved, a confirmation link for the customer, and the Chinese interface."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from playwright.sync_api import expect

from backend.scheduler import run_pass
from tests.e2e.conftest import log_in
from tests.e2e.test_technician_visit import NEAR, SITE, synced

SERVER_WAIT_S = 10
ELSEWHERE = {"latitude": 31.2000, "longitude": 121.4500}
SENT = {"lat": 31.2, "lon": 121.45}


def technician_row(dispatcher, technician_id):
    rows = dispatcher.get("/api/v1/technicians?per_page=200").json["items"]
    return next(row for row in rows if row["id"] == technician_id)


def wait_for_server(check):
    """Poll the server (not the page) until `check()` holds: a ping leaves on the phone's schedule."""
    deadline = time.monotonic() + SERVER_WAIT_S
    while not check():
        assert time.monotonic() < deadline, "the server never saw it"
        time.sleep(0.1)


def test_on_shift_the_phone_sends_its_position(live_server, phone, dispatcher, world):
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(NEAR)
    log_in(phone, live_server, world.tech_email)
    switch = phone.get_by_role("switch", name="On shift")
    expect(switch).to_be_checked()  # the world's technician starts on shift
    switch.uncheck()
    wait_for_server(lambda: technician_row(dispatcher, world.technician_id)["on_shift"] is False)

    phone.context.set_geolocation(ELSEWHERE)
    switch.check()

    def sent_from_elsewhere():
        row = technician_row(dispatcher, world.technician_id)
        return row["on_shift"] and row["location"] == {**SENT, "at": row["location"]["at"]}

    wait_for_server(sent_from_elsewhere)


def test_a_job_the_scheduler_gives_me_shows_as_a_notification(
    live_server, phone, app, dispatcher, world, new_work_order, clock
):
    wo = new_work_order(title="Freezer warm", priority="urgent", location=SITE)
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.other_technician_id})
    log_in(phone, live_server, world.tech_email)
    expect(phone.get_by_role("link", name="Notifications")).to_be_visible()

    summary = run_pass(app, clock() + timedelta(minutes=20))  # not accepted in time
    assert summary.reassigned == 1
    phone.get_by_role("button", name="Refresh").click()
    expect(phone.get_by_role("list", name="My jobs")).to_contain_text("Freezer warm")
    phone.get_by_role("link", name="Notifications (1 new)").click()
    notice = phone.get_by_role("list", name="Notifications").get_by_role("listitem")
    expect(notice).to_contain_text(f"{wo['number']} Freezer warm: assigned to you by the scheduler")
    notice.get_by_role("button", name="Mark read").click()
    expect(notice.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(phone.get_by_role("link", name="Notifications", exact=True)).to_be_visible()


def test_the_customer_gets_a_confirmation_link_and_a_qr_code(
    live_server, phone, dispatcher, world, technician, new_work_order
):
    wo = new_work_order(title="Door closer", priority="normal", location=SITE)
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name=re.compile("Door closer")).click()
    phone.get_by_label("Resolution").fill("Adjusted the closer")
    phone.get_by_role("button", name="Complete").click()
    synced(phone)

    phone.get_by_role("button", name="Send confirmation link").click()
    expect(phone.get_by_role("img", name="QR code of the confirmation link")).to_be_visible()
    link = phone.locator(".link code").inner_text()
    assert re.fullmatch(rf"{re.escape(live_server)}/confirm/[\w.-]+", link)
    token = link.rsplit("/", 1)[1]
    shown = technician.get(f"/api/v1/confirm/{token}")  # what the customer's phone will read
    assert shown.status_code == 200 and shown.json["work_order"]["number"] == wo["number"]
    assert "confirmation_link_created" in [e["action"] for e in dispatcher.get(url).json["events"]]


def test_the_app_speaks_chinese_to_a_chinese_phone(live_server, chromium, world, new_work_order, dispatcher):
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="zh-CN")
    page = context.new_page()
    wo = new_work_order(title="空调不制冷", priority="urgent", location=SITE)
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    page.goto(live_server + "/")
    page.get_by_label("电子邮箱").fill(world.tech_email)
    page.get_by_label("密码").fill("password123")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的工单")).to_be_visible()
    page.get_by_role("link", name=re.compile("空调不制冷")).click()
    expect(page.get_by_role("button", name="接单")).to_be_visible()
    expect(page.get_by_role("button", name="导航")).to_be_visible()
    expect(page.get_by_role("status").first).to_have_text("所有操作已同步")
    context.close()
