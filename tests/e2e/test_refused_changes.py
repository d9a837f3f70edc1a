"""Work done offline on a job reassigned meanwhile: the phone shows what was refused, with its
content, in the app's language, and sends it to the dispatcher instead of throwing it away. And the
notifications say what happened in words, and are marked read all at once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import add_photo, log_in
from tests.e2e.test_technician_visit import SITE, server_view, synced
from tests.helpers import image_bytes

NOTE = "泵轴承异响 需要更换6204轴承"  # "bearing noise from the pump; the 6204 bearing needs replacing"


def chinese_phone(chromium):
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="zh-CN")
    return context, context.new_page()


def log_in_chinese(page, base_url, email):
    page.goto(base_url + "/")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill("password123")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的工单")).to_be_visible()


def test_a_note_refused_after_a_reassignment_is_shown_in_chinese_and_reaches_the_dispatcher(
    live_server, chromium, dispatcher, world, new_work_order
):
    wo = new_work_order(title="锅炉漏水", priority="urgent", location=SITE)
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    context, page = chinese_phone(chromium)
    log_in_chinese(page, live_server, world.tech_email)
    page.get_by_role("link", name=re.compile("锅炉漏水")).click()
    expect(page.get_by_role("button", name="接单")).to_be_visible()

    context.set_offline(True)
    page.get_by_label("备注", exact=True).fill(NOTE)
    page.get_by_role("button", name="添加备注").click()
    expect(page.get_by_role("list", name="备注和配件")).to_contain_text(NOTE)
    moved = dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id})
    assert moved.status_code == 200, moved.json
    context.set_offline(False)

    refused = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="服务器未接受"))
    item = refused.get_by_role("listitem")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"备注 · {wo['number']}")
    expect(item).to_contain_text(NOTE)  # the words themselves, not only "note · WO-..."
    expect(item).to_contain_text("此工单已不属于您")
    assert server_view(dispatcher, wo)["logs"] == []

    item.get_by_role("button", name="发送给调度").click()
    expect(page.get_by_role("status").filter(has_text="已发送给调度")).to_be_visible()
    expect(page.get_by_role("heading", name="服务器未接受")).to_have_count(0)

    detail = server_view(dispatcher, wo)
    forwarded = [e for e in detail["events"] if e["action"] == "refused_change_forwarded"]
    assert len(forwarded) == 1
    assert forwarded[0]["details"]["text"] == NOTE
    assert forwarded[0]["details"]["kind"] == "note"
    assert forwarded[0]["details"]["refusal"]["status"] == 404
    assert forwarded[0]["actor"]["user_id"] is not None
    assert detail["logs"] == [] and detail["technician"]["id"] == world.other_technician_id
    context.close()


def test_dismissing_a_refused_note_asks_first_and_keeping_it_keeps_it(
    live_server, phone, dispatcher, world, new_work_order
):
    wo = new_work_order(title="Boiler leak", priority="urgent", location=SITE)
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name=re.compile("Boiler leak")).click()
    synced(phone)
    phone.context.set_offline(True)
    phone.get_by_label("Note").fill("Valve seized, ordered a new one")
    phone.get_by_role("button", name="Add note").click()
    dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id})
    phone.context.set_offline(False)

    refused = phone.get_by_role("alert").filter(has=phone.get_by_role("heading", name="Not applied by the server"))
    expect(refused).to_contain_text("Valve seized, ordered a new one")
    refused.get_by_role("button", name="Dismiss").click()
    dialog = phone.get_by_role("dialog")
    expect(dialog).to_contain_text("The note will be lost.")
    dialog.get_by_role("button", name="Keep it").click()
    expect(refused).to_contain_text("Valve seized, ordered a new one")  # still there

    refused.get_by_role("button", name="Dismiss").click()
    phone.get_by_role("dialog").get_by_role("button", name="Delete for good").click()
    expect(phone.get_by_role("heading", name="Not applied by the server")).to_have_count(0)
    assert [e for e in server_view(dispatcher, wo)["events"] if e["action"] == "refused_change_forwarded"] == []


def test_notifications_say_what_happened_and_are_marked_read_all_at_once(
    live_server, phone, dispatcher, technician, world, new_work_order
):
    first = new_work_order(title="Boiler leak", location=SITE)
    second = new_work_order(title="Door closer", location=SITE)
    for wo in (first, second):
        dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name="Notifications (2 new)").click()
    notices = phone.get_by_role("list", name="Notifications")
    expect(notices).to_contain_text(f"{first['number']} Boiler leak: assigned to you by the dispatcher.")
    expect(notices).to_contain_text(f"{second['number']} Door closer: assigned to you by the dispatcher.")

    phone.get_by_role("button", name="Mark all read").click()
    expect(notices.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(phone.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(phone.get_by_role("button", name="Mark all read")).to_have_count(0)
    assert technician.get("/api/v1/me/notifications?unread=true").json["total"] == 0
    assert phone.console_errors == []


def test_a_refused_photo_shows_as_a_thumbnail_and_is_attached_when_sent(
    live_server, phone, dispatcher, world, new_work_order
):
    wo = new_work_order(title="Cracked pipe", priority="urgent", location=SITE)
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name=re.compile("Cracked pipe")).click()
    expect(phone.get_by_role("button", name="Add photo")).to_be_visible()
    phone.context.set_offline(True)
    add_photo(phone, image_bytes("PNG", (800, 600)))
    dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id})
    phone.context.set_offline(False)

    refused = phone.get_by_role("alert").filter(has=phone.get_by_role("heading", name="Not applied by the server"))
    expect(refused.get_by_role("img", name="The refused photo")).to_be_visible()
    expect(refused.get_by_role("listitem")).to_have_count(1)
    refused.get_by_role("button", name="Send to dispatcher").click()
    expect(phone.get_by_role("status").filter(has_text="was sent to the dispatcher")).to_be_visible()

    detail = server_view(dispatcher, wo)
    forwarded = [e for e in detail["events"] if e["action"] == "refused_change_forwarded"]
    assert [e["details"]["kind"] for e in forwarded] == ["photo"]
    assert [a["id"] for a in detail["attachments"]] == [forwarded[0]["details"]["attachment_id"]]
    assert forwarded[0]["details"]["refusal"] == {"status": 404}
