"""The customer's confirmation page on their phone, in Chromium: whom to call, the work and the parts
(never the technician's notes), and a copy of the record to keep, before and after confirming."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import draw_signature

COMPANY = "Cool Breeze Service"
PHONE = "+86 21 5555 0100"
NOTE = "Door code 4711; customer was rude about the price"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def link(app, live_server, dispatcher, technician, world, new_work_order):
    """A confirmation link for a completed job with a note, a part and a fix logged."""
    app.config.update(COMPANY_NAME=COMPANY, COMPANY_PHONE=PHONE)
    wo = new_work_order(title="Walk-in cooler not cooling")
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    for log in (
        {"kind": "note", "text": NOTE, "minutes": 10},
        {"kind": "part", "parts": [{"sku": "CAP-45", "name": "Run capacitor 45 µF", "qty": 2}], "minutes": 5},
        {"kind": "fix", "text": "Replaced the capacitor", "minutes": 60},
    ):
        assert technician.post(f"{url}/logs", json=log).status_code == 201
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Cooling restored", "first_time_fix": True})
    assert done.status_code == 200, done.json
    token = technician.post(f"{url}/confirmation-link").json["url"].rsplit("/", 1)[1]
    return {"url": f"{live_server}/confirm/{token}", "number": wo["number"]}


def keep_a_copy(page, number: str, saved_as: str) -> None:
    """Keep a copy: a picture of the record to press and hold, and the same picture downloaded."""
    page.get_by_role("button", name="Keep a copy").click()
    picture = page.get_by_role("img", name=f"Service record {number}")
    expect(picture).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", picture.element_handle()) == 1080
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the record").click()
    assert download.value.suggested_filename == saved_as
    assert Path(download.value.path()).read_bytes().startswith(PNG)


def test_the_customer_sees_whom_to_call_and_the_work_and_keeps_a_copy(phone, link):
    phone.goto(link["url"])

    expect(phone.get_by_text(COMPANY, exact=True)).to_be_visible()
    call = phone.get_by_role("link", name=PHONE)
    expect(call).to_have_attribute("href", "tel:+862155550100")
    expect(phone.get_by_role("list", name="Parts used")).to_have_text("2 × Run capacitor 45 µF (CAP-45)")  # noqa: RUF001
    expect(phone.get_by_role("list", name="Work done")).to_have_text("Replaced the capacitor")
    expect(phone.get_by_text("Cooling restored")).to_be_visible()
    expect(phone.get_by_text("1 h 15 min")).to_be_visible()  # every minute logged
    expect(phone.get_by_text(NOTE)).to_have_count(0)
    keep_a_copy(phone, link["number"], f"{link['number']}-record.png")

    phone.get_by_label("Signer name").fill("Mrs Lin")
    draw_signature(phone)
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_role("status")).to_contain_text(f"The work on {link['number']} is confirmed")
    keep_a_copy(phone, link["number"], f"{link['number']}-confirmed.png")
    expect(phone.get_by_role("list", name="Parts used")).to_be_visible()  # the record stays on screen

    phone.goto(link["url"])  # used: the page still says whom to call
    expect(phone.get_by_role("alert")).to_contain_text("already been used")
    expect(phone.get_by_role("link", name=PHONE)).to_have_attribute("href", "tel:+862155550100")
    assert phone.console_errors == []


def test_a_chinese_phone_reads_the_record_in_chinese(chromium, link):
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="zh-CN")
    page = context.new_page()
    page.goto(link["url"])
    # The Chinese catalogue's own punctuation: full-width brackets and comma, the multiplication sign.
    expect(page.get_by_role("list", name="使用的配件")).to_have_text("Run capacitor 45 µF（CAP-45）× 2")  # noqa: RUF001
    expect(page.get_by_text(re.compile("如有疑问，请致电"))).to_contain_text(COMPANY)  # noqa: RUF001
    page.get_by_role("button", name="保存记录").click()
    expect(page.get_by_role("img", name=f"服务记录 {link['number']}")).to_be_visible()
    context.close()
