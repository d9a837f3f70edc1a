"""The console's customer messages (Chromium): a dispatcher sees what the customer was told and
whether it went out, from the menu and from a job's timeline, in English and in Chinese."""

from __future__ import annotations

from playwright.sync_api import expect

from backend.messaging import send_round
from tests.e2e.conftest import log_in_to_console


def _assigned(dispatcher, world, new_work_order, title):
    wo = new_work_order(title=title)
    url = f"/api/v1/work-orders/{wo['id']}/assign"
    assert dispatcher.post(url, json={"technician_id": world.technician_id}).status_code == 200
    return wo


def test_a_dispatcher_sees_each_message_and_its_delivery(
    app, live_server, desk, axe, world, dispatcher, new_work_order
):
    sent = _assigned(dispatcher, world, new_work_order, "Chiller alarm in basement")
    send_round(app)
    waiting = _assigned(dispatcher, world, new_work_order, "Walk-in cooler not cooling")

    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.get_by_role("link", name="Messages", exact=True).click()
    table = desk.get_by_role("table", name="Customer messages")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two messages
    first = table.get_by_role("row").filter(has_text=sent["number"])
    expect(first).to_contain_text("Technician assigned")
    expect(first).to_contain_text("Sent")
    expect(first).to_contain_text("via log")
    expect(table.get_by_role("row").filter(has_text=waiting["number"])).to_contain_text("waiting for the sender")
    axe(desk, "the console's messages")

    desk.get_by_role("link", name="Sent", exact=True).click()
    expect(table.get_by_role("row")).to_have_count(2)
    desk.get_by_role("link", name=sent["number"]).click()
    expect(desk.get_by_text("Message to the customer sent (SMS to +86 21 5555 0101, via log)")).to_be_visible()


def test_the_messages_in_chinese(app, live_server, desk, world, dispatcher, new_work_order):
    wo = _assigned(dispatcher, world, new_work_order, "Chiller alarm in basement")
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.evaluate("localStorage.setItem('onsite.language', 'zh-CN')")
    desk.goto(f"{live_server}/dispatch#/messages?work_order_id={wo['id']}")
    desk.reload()
    expect(desk.get_by_role("heading", name=f"{wo['number']} 的客户消息")).to_be_visible()
    expect(desk.get_by_role("table", name="客户消息")).to_contain_text("等待发送")


def test_a_dispatcher_changes_how_a_customer_hears_from_us(live_server, desk, axe, world, dispatcher):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(f"{live_server}/dispatch#/customers/{world.customer_id}")
    form = desk.get_by_role("form", name="Messages to this customer")
    expect(form.get_by_label("Send messages by")).to_have_value("sms")
    expect(form.get_by_label("Tell them about their jobs (assigned, on the way, done)")).to_be_checked()
    axe(desk, "the console's customer")

    form.get_by_label("Send messages by").select_option("email")
    with desk.expect_response(lambda r: r.request.method == "PATCH") as refused:
        form.get_by_role("button", name="Save").click()
    assert refused.value.status == 422
    expect(form.get_by_role("alert")).to_contain_text("preferred_channel")  # no email yet: refused, kept
    assert dispatcher.get(f"/api/v1/customers/{world.customer_id}").json["preferred_channel"] == "sms"

    form.get_by_label("Email").fill("li@example.com")
    form.get_by_label("Language of their messages").select_option("en")
    form.get_by_label("Tell them about their jobs (assigned, on the way, done)").uncheck()
    with desk.expect_response(lambda r: r.request.method == "PATCH") as answer:
        form.get_by_role("button", name="Save").click()
    assert answer.value.status == 200
    saved = dispatcher.get(f"/api/v1/customers/{world.customer_id}").json
    assert (saved["preferred_channel"], saved["language"], saved["notify"]) == ("email", "en", False)
    assert saved["phone"] == "+86 21 5555 0101"
