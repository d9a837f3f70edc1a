"""Equipment: assets per customer, their history, the warranty a job records at creation, the 三包
repeat flag, and the QR label's link."""

from __future__ import annotations

import io

import segno
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Asset, WorkOrder

# The test clock starts on 2026-11-23 09:00 UTC (17:00 in Shanghai).
ASSET = {
    "model": "Gree KFR-35GW",
    "serial": "SN-0001",
    "installed_at": "2025-06-01",
    "purchased_at": "2025-05-20",
    "warranty_until": "2026-12-31",
    "contract_until": "2028-12-31",
    "place": "2F server room",
}


def add_asset(client, customer_id, **overrides):
    response = client.post(f"/api/v1/customers/{customer_id}/assets", json={**ASSET, **overrides})
    assert response.status_code == 201, response.json
    return response.json


def test_an_asset_is_registered_found_by_serial_and_changed(dispatcher, world):
    asset = add_asset(dispatcher, world.customer_id)
    assert asset["customer"]["id"] == world.customer_id
    assert asset["warranty_until"] == "2026-12-31"
    assert asset["warranty_today"] == "in_warranty"
    assert asset["label_url"] == f"/api/v1/assets/{asset['id']}/label.png"
    assert "/a/" in asset["link"]

    found = dispatcher.get("/api/v1/assets?serial=sn-0001").json
    assert [a["id"] for a in found["items"]] == [asset["id"]] and found["total"] == 1
    assert dispatcher.get("/api/v1/assets?q=kfr").json["total"] == 1
    assert dispatcher.get("/api/v1/assets?q=Acme").json["total"] == 1
    assert dispatcher.get("/api/v1/assets?serial=SN-0002").json["total"] == 0

    changed = dispatcher.patch(f"/api/v1/assets/{asset['id']}", json={"notes": "Filter replaced yearly"})
    assert changed.status_code == 200 and changed.json["notes"] == "Filter replaced yearly"


def test_a_serial_is_unique_per_model(dispatcher, world, app):
    first = add_asset(dispatcher, world.customer_id)
    again = dispatcher.post(f"/api/v1/customers/{world.customer_id}/assets", json={**ASSET, "serial": " sn-0001 "})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    add_asset(dispatcher, world.customer_id, model="Midea KFR-26GW")  # the same serial, another model
    other = add_asset(dispatcher, world.customer_id, serial="SN-0002")
    clash = dispatcher.patch(f"/api/v1/assets/{other['id']}", json={"serial": "SN-0001"})
    assert clash.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Asset)) == 3
        assert db.session.get(Asset, first["id"]).serial == "SN-0001"


def test_bad_asset_input_is_422_and_writes_nothing(dispatcher, world, app):
    url = f"/api/v1/customers/{world.customer_id}/assets"
    missing = dispatcher.post(url, json={"model": "X"})
    assert missing.status_code == 422 and "serial" in missing.json["error"]["fields"]
    bad_day = dispatcher.post(url, json={**ASSET, "warranty_until": "2026-13-40"})
    assert bad_day.status_code == 422 and "warranty_until" in bad_day.json["error"]["fields"]
    backwards = dispatcher.post(url, json={**ASSET, "warranty_until": "2024-01-01"})
    assert backwards.status_code == 422 and "warranty_until" in backwards.json["error"]["fields"]
    assert dispatcher.post("/api/v1/customers/999/assets", json=ASSET).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


def test_technicians_see_an_asset_but_do_not_manage_them(technician, dispatcher, world):
    asset = add_asset(dispatcher, world.customer_id)
    assert technician.get(f"/api/v1/assets/{asset['id']}").status_code == 200
    assert technician.post(f"/api/v1/customers/{world.customer_id}/assets", json=ASSET).status_code == 403
    assert technician.get("/api/v1/assets").status_code == 403
    assert technician.patch(f"/api/v1/assets/{asset['id']}", json={"notes": "x"}).status_code == 403


def test_warranty_is_decided_at_creation_and_kept(dispatcher, world, new_work_order, clock):
    in_warranty = add_asset(dispatcher, world.customer_id)
    contract = add_asset(dispatcher, world.customer_id, serial="SN-2", warranty_until="2026-01-01")
    expired = add_asset(
        dispatcher, world.customer_id, serial="SN-3", warranty_until="2026-01-01", contract_until="2026-06-30"
    )
    no_dates = add_asset(dispatcher, world.customer_id, serial="SN-4", warranty_until=None, contract_until=None)

    jobs = {a["id"]: new_work_order(asset_id=a["id"]) for a in (in_warranty, contract, expired, no_dates)}
    assert [jobs[a["id"]]["warranty"] for a in (in_warranty, contract, expired, no_dates)] == [
        "in_warranty",
        "under_contract",
        "out_of_warranty",
        "unknown",
    ]
    assert new_work_order()["warranty"] == "unknown"  # no asset

    # The warranty ends, and the asset's dates change: the job keeps what was decided.
    dispatcher.patch(f"/api/v1/assets/{in_warranty['id']}", json={"warranty_until": "2025-12-31"})
    job = dispatcher.get(f"/api/v1/work-orders/{jobs[in_warranty['id']]['id']}").json
    assert job["warranty"] == "in_warranty" and job["asset_id"] == in_warranty["id"]
    assert (job["asset"]["model"], job["asset"]["serial"], job["asset"]["place"]) == (
        "Gree KFR-35GW",
        "SN-0001",
        "2F server room",
    )
    by_label = dispatcher.get(f"/api/v1/assets/by-label/{job['asset']['label_token']}").json
    assert by_label["id"] == in_warranty["id"]
    assert dispatcher.get(f"/api/v1/work-orders/{new_work_order()['id']}").json["asset"] is None
    assert new_work_order(asset_id=in_warranty["id"])["warranty"] == "under_contract"

    listed = dispatcher.get(f"/api/v1/work-orders?asset_id={in_warranty['id']}").json["items"]
    assert sorted(j["warranty"] for j in listed) == ["in_warranty", "under_contract"]
    created = next(e for e in job["events"] if e["action"] == "created")
    assert created["details"]["warranty"] == "in_warranty"


def test_the_last_day_of_warranty_is_the_company_day(dispatcher, world, new_work_order, clock):
    asset = add_asset(dispatcher, world.customer_id, warranty_until="2026-11-23", contract_until=None)
    assert new_work_order(asset_id=asset["id"])["warranty"] == "in_warranty"  # 17:00 in Shanghai
    clock.advance(hours=15)  # 2026-11-24 08:00 in Shanghai, still the 23rd in UTC
    assert new_work_order(asset_id=asset["id"])["warranty"] == "out_of_warranty"


def test_an_asset_of_another_customer_is_422(dispatcher, world, app):
    other = dispatcher.post("/api/v1/customers", json={"name": "Other Shop"}).json
    asset = add_asset(dispatcher, other["id"])
    body = {
        "customer_id": world.customer_id,
        "title": "Broken",
        "priority": "normal",
        "channel": "phone",
        "location": {"lat": 31.23, "lon": 121.47},
        "asset_id": asset["id"],
    }
    response = dispatcher.post("/api/v1/work-orders", json=body)
    assert response.status_code == 422 and "asset_id" in response.json["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0


def _later(clock, dispatcher, technician, world, **delta):
    """Move the clock on, and log in again (sessions end after a while idle)."""
    clock.advance(**delta)
    dispatcher.login(world.dispatcher_email)
    technician.login(world.tech_email)


def _complete(dispatcher, technician, world, job_id):
    assigned = dispatcher.post(f"/api/v1/work-orders/{job_id}/assign", json={"technician_id": world.technician_id})
    assert assigned.status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"/api/v1/work-orders/{job_id}/actions/{action}", json={}).status_code == 200
    done = technician.post(
        f"/api/v1/work-orders/{job_id}/actions/complete", json={"resolution": "Replaced fan", "first_time_fix": True}
    )
    assert done.status_code == 200, done.json


def test_the_sanbao_repeat_flag_counts_earlier_completed_repairs_in_warranty(
    dispatcher, technician, world, new_work_order, clock
):
    asset = add_asset(dispatcher, world.customer_id)
    first = new_work_order(asset_id=asset["id"])
    assert (first["repeat_repair"], first["earlier_repairs"]) == (False, 0)
    # Not completed yet: the next one is no repeat.
    assert new_work_order(asset_id=asset["id"])["repeat_repair"] is False
    _complete(dispatcher, technician, world, first["id"])

    _later(clock, dispatcher, technician, world, days=20)
    second = new_work_order(asset_id=asset["id"])
    assert (second["repeat_repair"], second["earlier_repairs"]) == (True, 1)
    assert new_work_order(asset_id=asset["id"], type="maintenance")["repeat_repair"] is False  # not a repair
    _complete(dispatcher, technician, world, second["id"])

    _later(clock, dispatcher, technician, world, days=10)
    third = new_work_order(asset_id=asset["id"])
    assert (third["repeat_repair"], third["earlier_repairs"]) == (True, 2)
    detail = dispatcher.get(f"/api/v1/assets/{asset['id']}").json
    assert detail["repairs_in_warranty"] == 2
    assert detail["work_orders"][0]["id"] == third["id"]  # newest first
    assert len(detail["work_orders"]) == 5

    # Out of warranty the 三包 count no longer applies.
    _later(clock, dispatcher, technician, world, days=60)  # 2027-01-22: past warranty_until, under the contract
    later = new_work_order(asset_id=asset["id"])
    assert (later["warranty"], later["repeat_repair"]) == ("under_contract", False)


def test_repeat_repairs_are_counted_in_the_kpis(dispatcher, technician, world, new_work_order, clock):
    asset = add_asset(dispatcher, world.customer_id)
    first = new_work_order(asset_id=asset["id"])
    _complete(dispatcher, technician, world, first["id"])
    _later(clock, dispatcher, technician, world, days=3)
    new_work_order(asset_id=asset["id"])
    new_work_order()
    kpis = dispatcher.get("/api/v1/reports/kpis?from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z").json
    assert kpis["repeat_repairs"] == 1
    spec = dispatcher.get("/api/v1/openapi.json").json
    assert "repeat_repairs" in spec["paths"]["/api/v1/reports/kpis"]["get"]["description"]


def _matrix_of(png: bytes, size: int, scale: int = 8, border: int = 4) -> list[list[bool]]:
    """Read the QR's modules back from the PNG (one sample at each module's centre)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == ((size + 2 * border) * scale,) * 2

    def dark(x, y):
        return image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)) < 128

    return [[dark(x, y) for x in range(size)] for y in range(size)]


def test_the_label_is_a_qr_code_of_the_assets_link(dispatcher, world, client_for):
    asset = add_asset(dispatcher, world.customer_id)
    response = dispatcher.get(f"/api/v1/assets/{asset['id']}/label.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    expected = segno.make(asset["link"], error="m", micro=False)
    assert _matrix_of(response.data, len(expected.matrix)) == [[bool(m) for m in row] for row in expected.matrix]

    token = asset["link"].rsplit("/a/", 1)[1]
    by_label = dispatcher.get(f"/api/v1/assets/by-label/{token}")
    assert by_label.status_code == 200 and by_label.json["id"] == asset["id"]
    assert dispatcher.get(f"/api/v1/assets/by-label/{token[:-2]}xx").status_code == 404
    assert client_for().get(f"/api/v1/assets/{asset['id']}/label.png").status_code == 401


def test_another_companys_label_is_404(dispatcher, world, make_app, client_for):
    asset = add_asset(dispatcher, world.customer_id)
    token = asset["link"].rsplit("/a/", 1)[1]
    other_company = make_app(SECRET_KEY="another-company")
    assert other_company.test_client().get(f"/a/{token}").status_code == 404
    assert client_for().get(f"/a/{token}x").status_code == 404


def test_the_labels_link_leads_each_reader_to_their_page(dispatcher, technician, world, client_for):
    asset = add_asset(dispatcher, world.customer_id)
    path = "/a/" + asset["link"].rsplit("/a/", 1)[1]
    anyone = client_for().get(path)
    if anyone.status_code == 302:  # the portal is there: its request form for this asset
        assert anyone.headers["Location"].startswith("/portal?asset=")
    else:
        assert anyone.status_code == 200 and "S/N SN-0001" in anyone.get_data(as_text=True)
    staff = dispatcher.get(path)
    assert staff.status_code == 302 and staff.headers["Location"] == f"/dispatch#/assets/{asset['id']}"
    assert technician.get(path).status_code in (200, 503)  # the technician app's shell (503: not built)


def test_a_printable_sheet_holds_every_label_of_a_customer(dispatcher, world):
    add_asset(dispatcher, world.customer_id)
    add_asset(dispatcher, world.customer_id, serial="SN-<2>")
    sheet = dispatcher.get(f"/api/v1/customers/{world.customer_id}/labels")
    assert sheet.status_code == 200 and sheet.mimetype == "text/html"
    html = sheet.get_data(as_text=True)
    assert html.count('class="label"') == 2 and "S/N SN-&lt;2&gt;" in html and "@page" in html
