"""My van on the technician's phone: the van's parts as the ledger counts them, after a requisition
issued by the dispatcher, readable again without signal from the phone's copy."""

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

    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_role("table", name="Parts in my van").get_by_role("row", name="RLY-24")).to_contain_text("3")
    phone.context.set_offline(False)
    assert phone.console_errors == []
