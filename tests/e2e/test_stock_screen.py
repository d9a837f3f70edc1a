"""The console's stock screen in Chromium: a warehouse below its minimum shows Low, a van that used a
part the books did not give it shows Negative; the dispatcher filters to flagged rows, issues the
technician's waiting requisition (the van's count comes back), and opens the part's movements."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_to_console


def _stock_story(dispatcher, technician, world, new_work_order) -> dict:
    relay = {"sku": "RLY-24", "name": "Relay 24V", "price": 3850, "min_stock": 5}
    assert dispatcher.post("/api/v1/parts", json=relay).status_code == 201
    store = dispatcher.post("/api/v1/stock/locations", json={"name": "Main warehouse"}).json
    lines = [{"sku": "RLY-24", "qty": 4}]
    received = dispatcher.post("/api/v1/stock/receipts", json={"location_id": store["id"], "lines": lines})
    assert received.status_code == 201
    job = new_work_order()
    url = f"/api/v1/work-orders/{job['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    used = {"kind": "part", "parts": [{"sku": "RLY-24", "name": "Relay 24V", "qty": 2}]}
    assert technician.post(f"{url}/logs", json=used).status_code == 201
    asked = technician.post("/api/v1/requisitions", json={"warehouse_id": store["id"], "lines": lines[:1]})
    assert asked.status_code == 201
    return {"job": job, "requisition": asked.json}


def test_the_stock_screen_flags_low_and_negative_and_issues_a_requisition(
    live_server, desk, dispatcher, technician, world, new_work_order, axe
):
    story = _stock_story(dispatcher, technician, world, new_work_order)
    log_in_to_console(desk, live_server, world.dispatcher_email)

    desk.get_by_role("link", name="Stock", exact=True).click()
    balances = desk.get_by_role("table", name="Stock balances")
    warehouse = balances.get_by_role("row").filter(has_text="Main warehouse")
    van = balances.get_by_role("row").filter(has_text="Van: Tom Tech")
    expect(warehouse).to_contain_text("Low")  # 4 < minimum 5
    expect(van).to_contain_text("-2")
    expect(van).to_contain_text("Negative")
    axe(desk, "the stock screen")

    desk.get_by_label("Low and negative only").check()
    expect(desk.get_by_role("status").filter(has_text="rows")).to_have_text("2 rows, 2 flagged")
    desk.get_by_role("button", name=f"Issue requisition {story['requisition']['id']}").press("Enter")
    expect(van).to_contain_text("2")
    expect(van).not_to_contain_text("Negative")
    expect(desk.get_by_text("Nothing waiting.")).to_be_visible()

    desk.get_by_label("Low and negative only").uncheck()
    balances.get_by_role("link", name="RLY-24").first.click()
    expect(desk.get_by_role("heading", name="Movements of RLY-24 Relay 24V")).to_be_visible()
    movements = desk.get_by_role("table", name="Movements")
    used = movements.get_by_role("row").filter(has_text="Used on a job")
    expect(used).to_contain_text("Went negative")
    expect(used.get_by_role("link", name=f"#{story['job']['id']}")).to_be_visible()
    expect(movements.get_by_role("row")).to_have_count(5)  # header, receipt, use, requisition out and in
    axe(desk, "a part's movements")

    # Goods in at the warehouse, and a count corrected in the van: both booked from the screen.
    desk.get_by_role("link", name="Back to stock").click()
    receipt = desk.get_by_role("form", name="Goods received")
    receipt.get_by_label("Warehouse").select_option(label="Main warehouse")
    receipt.get_by_label("Part").select_option(label="RLY-24 Relay 24V")
    receipt.get_by_label("Quantity").fill("6")
    receipt.get_by_label("Supplier or delivery note").fill("PO-7")
    receipt.get_by_role("button", name="Book it").click()
    expect(desk.get_by_role("status").filter(has_text="Booked")).to_have_text("Booked: RLY-24 6 at Main warehouse.")
    expect(warehouse).not_to_contain_text("Low")  # 6 now, minimum 5

    count = desk.get_by_role("form", name="Correct a count")
    count.get_by_label("Warehouse or van to correct").select_option(label="Van: Tom Tech")
    count.get_by_label("Part").select_option(label="RLY-24 Relay 24V")
    count.get_by_label("Change (+ found").fill("-1")
    count.get_by_label("Reason").fill("Counted 1 in the van")
    count.get_by_role("button", name="Book it").click()
    expect(desk.get_by_role("status").filter(has_text="Booked")).to_contain_text("at Van: Tom Tech")
    expect(van).to_contain_text("1")
    axe(desk, "the stock screen's forms")
