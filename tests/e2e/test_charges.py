"""Charges in Chromium: an admin sets the price list on the console (a negative price is refused
and nothing is saved), the technician shows the customer the charges on the phone before they
sign and records the payment there, and the customer sees them on the confirmation page."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, log_in_to_console


def _on_site_with_work(dispatcher, technician, world, new_work_order) -> dict:
    wo = new_work_order(title="Walk-in cooler not cooling")
    url = f"/api/v1/work-orders/{wo['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    fix = {"kind": "fix", "text": "Start capacitor replaced", "minutes": 40}
    assert technician.post(f"{url}/logs", json=fix).status_code == 201
    part = {"kind": "part", "parts": [{"sku": "CAP-35UF", "name": "Capacitor 35uF", "qty": 2}]}
    assert technician.post(f"{url}/logs", json=part).status_code == 201
    return wo


def test_an_admin_sets_the_price_list_on_the_console(live_server, desk, client_for, world, axe):
    log_in_to_console(desk, live_server, world.admin_email)
    desk.get_by_role("link", name="Prices", exact=True).click()
    expect(desk.get_by_role("heading", name="Price list")).to_be_visible()
    expect(desk.get_by_text("No prices set yet")).to_be_visible()
    axe(desk, "the price list")

    desk.get_by_label("Call-out fee per visit (CNY)").fill("-1")
    desk.get_by_label("Labour per hour (CNY)").fill("120")
    desk.get_by_role("button", name="Save prices").click()
    expect(desk.get_by_role("alert")).to_contain_text("callout_fee: must not be negative")
    assert client_for(world.admin_email).get("/api/v1/price-list").json["configured"] is False

    desk.get_by_label("Call-out fee per visit (CNY)").fill("50.00")
    desk.get_by_role("button", name="Add a part").click()
    desk.get_by_label("SKU").fill("CAP-35UF")
    desk.get_by_label("Part", exact=True).fill("Capacitor 35uF")
    desk.get_by_label("Unit price").fill("35.5")
    desk.get_by_role("button", name="Save prices").click()
    expect(desk.get_by_role("status").filter(has_text="Prices saved.")).to_be_visible()

    prices = client_for(world.admin_email).get("/api/v1/price-list").json
    assert (prices["callout_fee"], prices["labour_per_hour"]) == (5000, 12000)
    assert prices["parts"] == [{"sku": "CAP-35UF", "name": "Capacitor 35uF", "unit_price": 3550}]
    assert desk.errors == []


def test_the_technician_shows_the_charges_before_sign_off_and_the_customer_sees_them(
    live_server, phone, client_for, dispatcher, technician, world, new_work_order, axe
):
    admin = client_for(world.admin_email)
    prices = {
        "callout_fee": 5000,
        "labour_per_hour": 12000,
        "parts": [{"sku": "CAP-35UF", "name": "Capacitor 35uF", "unit_price": 3550}],
    }
    assert admin.http.put("/api/v1/price-list", json=prices, headers={"X-CSRF-Token": admin.csrf}).status_code == 200
    wo = _on_site_with_work(dispatcher, technician, world, new_work_order)
    done = {"resolution": "Capacitor replaced", "first_time_fix": True}
    assert technician.post(f"/api/v1/work-orders/{wo['id']}/actions/complete", json=done).status_code == 200

    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("list", name="My jobs").get_by_role("link", name="Walk-in cooler not cooling").click()
    phone.get_by_role("button", name="Sign off").click()
    expect(phone.get_by_role("heading", name="Customer sign-off")).to_be_visible()
    charges = phone.get_by_role("table", name="Charges")
    expect(charges.get_by_role("row", name="Call-out fee")).to_contain_text("50.00")
    expect(charges.get_by_role("row", name="Labour, 45 min")).to_contain_text("90.00")
    expect(charges.get_by_role("row", name="Capacitor 35uF (CAP-35UF) × 2")).to_contain_text("71.00")  # noqa: RUF001
    expect(charges.get_by_role("row", name="Total")).to_contain_text("211.00")
    axe(phone, "the sign-off with charges")
    payment = phone.get_by_role("group", name="Payment")
    expect(payment.get_by_label("Amount (CNY)")).to_have_value("211.00")
    payment.get_by_label("Paid by").select_option("WeChat Pay")
    payment.get_by_role("button", name="Paid on site").click()
    expect(phone.get_by_role("status").filter(has_text="Paid on site: ")).to_contain_text("211.00 by WeChat Pay.")
    # The phone records the payment in its outbox first, then sends it ("All changes synced" may
    # still be showing from before): wait for the server to have it, as the office would see it.
    paid = _charges_once_paid(phone, technician, wo["id"])
    assert paid["payment"]["kind"] == "paid_on_site" and paid["payment"]["method"] == "wechat_pay"
    assert paid["payment"]["amount"] == 21100 and paid["balance"] == 0

    link = technician.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json
    phone.goto(f"{live_server}/confirm/{link['url'].rsplit('/confirm/', 1)[1]}")
    table = phone.get_by_role("table", name="What you pay for this visit")
    expect(table.get_by_role("row", name="Total")).to_contain_text("211.00")
    axe(phone, "the confirmation page with charges")
    assert phone.console_errors == []


def _charges_once_paid(phone, technician, work_order_id: int, seconds: float = 15) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        charges = technician.get(f"/api/v1/work-orders/{work_order_id}/charges").json
        if charges["payment"] is not None or time.monotonic() > deadline:
            return charges
        phone.wait_for_timeout(100)  # the page keeps running (its outbox sends) while we look again


def test_the_console_shows_a_jobs_charges_records_an_invoice_and_links_the_report(
    live_server, desk, client_for, dispatcher, technician, world, new_work_order, axe
):
    admin = client_for(world.admin_email)
    prices = {"callout_fee": 5000, "labour_per_hour": 12000, "parts": []}
    assert admin.http.put("/api/v1/price-list", json=prices, headers={"X-CSRF-Token": admin.csrf}).status_code == 200
    wo = _on_site_with_work(dispatcher, technician, world, new_work_order)
    done = {"resolution": "Capacitor replaced", "first_time_fix": True}
    assert technician.post(f"/api/v1/work-orders/{wo['id']}/actions/complete", json=done).status_code == 200

    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(f"{live_server}/dispatch#/jobs/{wo['id']}")
    panel = desk.get_by_role("region", name="Charges")
    table = panel.get_by_role("table", name="Final, as completed (what the customer signs)")
    expect(table.get_by_role("row", name="Total")).to_contain_text("140.00")  # 50 + 90; the capacitor has no price
    expect(panel).to_contain_text("No price for: CAP-35UF (charged 0)")
    report = panel.get_by_role("link", name="Service report (PDF)")
    expect(report).to_have_attribute("href", f"/api/v1/work-orders/{wo['id']}/report.pdf")
    axe(desk, "the console's job with charges")

    panel.get_by_label("Invoice number").fill("INV-2026-0042")
    panel.get_by_role("button", name="Record as invoiced").click()
    expect(desk.get_by_role("region", name="Charges").get_by_role("status")).to_contain_text(
        "Invoiced: CN¥140.00 (invoice INV-2026-0042)"
    )
    payment = dispatcher.get(f"/api/v1/work-orders/{wo['id']}/charges").json["payment"]
    assert (payment["kind"], payment["amount"], payment["reference"]) == ("invoiced", 14000, "INV-2026-0042")
    pdf = desk.request.get(f"{live_server}/api/v1/work-orders/{wo['id']}/report.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert desk.errors == []
