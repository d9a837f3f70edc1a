"""My van on the technician's phone: the van's parts as the ledger counts them, after a requisition
issued by the dispatcher; asking the warehouse for more parts; the screen readable again without
signal from the phone's copy."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import log_in


def test_my_van_shows_the_issued_parts_and_opens_offline(live_server, phone, dispatcher, technician, world, axe):
    for part in ({"sku": "RLY-24", "name": "Relay 24V", "min_stock": 5}, {"sku": "FLT-10", "name": "Filter"}):
        assert dispatcher.post("/api/v1/parts", json=part).status_code == 201
    store = dispatcher.post("/api/v1/stock/locations", json={"name": "Main warehouse"}).json
    lines = [{"sku": "RLY-24", "qty": 3}, {"sku": "FLT-10", "qty": 2}]
    assert (
        dispatcher.post("/api/v1/stock/receipts", json={"location_id": store["id"], "lines": lines}).status_code == 201
    )
    asked = technician.post("/api/v1/requisitions", json={"warehouse_id": store["id"], "lines": lines})
    assert dispatcher.post(f"/api/v1/requisitions/{asked.json['id']}/issue", json={}).status_code == 200

    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name="My van").click()
    van = phone.get_by_role("table", name="Parts in my van")
    expect(van.get_by_role("row", name="RLY-24")).to_contain_text("3")
    expect(van.get_by_role("row", name="RLY-24")).to_contain_text("Low")  # 3 < minimum 5
    expect(van.get_by_role("row", name="FLT-10")).to_contain_text("2")
    axe(phone, "my van")

    # Short of relays: ask the warehouse for more (keyboard only); the request waits for a dispatcher.
    phone.get_by_label("From warehouse").select_option(label="Main warehouse")
    phone.get_by_label("Part", exact=True).select_option(label="RLY-24 Relay 24V")
    phone.get_by_label("Quantity").fill("2")
    phone.get_by_role("button", name="Send the request").press("Enter")
    mine = phone.get_by_role("list", name="My requests for parts")
    expect(mine.get_by_role("listitem").filter(has_text="Requested")).to_contain_text("RLY-24 \u00d7 2")
    expect(mine.get_by_role("listitem").filter(has_text="Issued")).to_contain_text("FLT-10 \u00d7 2")

    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_role("table", name="Parts in my van").get_by_role("row", name="RLY-24")).to_contain_text("3")
    phone.context.set_offline(False)
    assert phone.console_errors == []
