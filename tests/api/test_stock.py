"""Spare parts and stock through the API, on SQLite and PostgreSQL: the catalogue, receipts and
adjustments, requisitions (warehouse → van) and returns (old parts too), parts logged on a job
consuming van stock (offline replays included: the van may go negative, flagged, until a requisition
settles it), the ledger's sums against the cached balances, roles, and bad input changing nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from backend.domain.parts import cached_balances, ledger_sums
from backend.extensions import db

PARTS = "/api/v1/parts"
STOCK = "/api/v1/stock"
RELAY = {"sku": "RLY-24", "name": "Relay 24V", "unit": "pcs", "price": 3850, "currency": "CNY", "min_stock": 5}
FILTER = {"sku": "FLT-10", "name": "Filter 10in", "price": 1200}


@pytest.fixture
def admin(client_for, world):
    return client_for(world.admin_email)


@pytest.fixture
def catalogue(dispatcher):
    """The relay and the filter in the catalogue, and a warehouse with 10 relays and 4 filters."""
    relay = dispatcher.post(PARTS, json=RELAY)
    assert relay.status_code == 201, relay.json
    assert dispatcher.post(PARTS, json=FILTER).status_code == 201
    store = dispatcher.post(f"{STOCK}/locations", json={"name": "Main warehouse"})
    assert store.status_code == 201, store.json
    lines = [{"sku": "RLY-24", "qty": 10}, {"sku": "FLT-10", "qty": 4}]
    got = dispatcher.post(f"{STOCK}/receipts", json={"location_id": store.json["id"], "lines": lines, "reason": "PO-1"})
    assert got.status_code == 201, got.json
    return {"relay": relay.json, "warehouse": store.json}


@pytest.fixture
def on_site(dispatcher, technician, world, new_work_order):
    """`on_site()` → a job the world's technician has arrived at."""

    def make() -> dict:
        wo = new_work_order()
        url = f"/api/v1/work-orders/{wo['id']}"
        assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
        for action in ("accept", "arrive"):
            assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
        return wo

    return make


def _stock(client, **query) -> list[dict]:
    response = client.get(STOCK, query_string=query)
    assert response.status_code == 200, response.json
    return response.json["items"]


def _row(client, sku: str, location_id: int) -> dict | None:
    return next((r for r in _stock(client, location_id=location_id) if r["part"]["sku"] == sku), None)


def _movements(client, **query) -> list[dict]:
    response = client.get(f"{STOCK}/movements", query_string=query)
    assert response.status_code == 200, response.json
    return response.json["items"]


def _ledger_agrees(app) -> dict:
    with app.app_context():
        truth = ledger_sums(db.session)
        assert truth == cached_balances(db.session)
        return truth


def _van_id(technician) -> int:
    vans = [loc for loc in technician.get(f"{STOCK}/locations").json["items"] if loc["kind"] == "van"]
    assert len(vans) == 1
    return vans[0]["id"]


def _log_parts(technician, wo: dict, parts: list[dict], **extra):
    return technician.post(
        f"/api/v1/work-orders/{wo['id']}/logs", json={"kind": "part", "parts": parts, **extra.pop("body", {})}, **extra
    )


# ---- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_keeps_price_in_minor_units_and_refuses_duplicates_and_bad_prices(dispatcher, technician):
    made = dispatcher.post(PARTS, json=RELAY)
    assert made.status_code == 201
    assert made.json | {"id": 0, "created_at": "", "updated_at": ""} == {
        **RELAY,
        "id": 0,
        "active": True,
        "unlisted": False,
        "created_at": "",
        "updated_at": "",
    }
    assert dispatcher.post(PARTS, json=RELAY).status_code == 409
    bad = dispatcher.post(PARTS, json={**FILTER, "price": -1})
    assert bad.status_code == 422 and "price" in bad.json["error"]["fields"]
    assert dispatcher.post(PARTS, json={**FILTER, "currency": "yuan"}).status_code == 422
    assert technician.post(PARTS, json=FILTER).status_code == 403
    assert [p["sku"] for p in technician.get(PARTS).json["items"]] == ["RLY-24"]  # technicians read it

    changed = dispatcher.patch(f"{PARTS}/{made.json['id']}", json={"price": 4000, "active": False})
    assert changed.status_code == 200 and changed.json["price"] == 4000 and changed.json["active"] is False
    assert technician.patch(f"{PARTS}/{made.json['id']}", json={"price": 1}).status_code == 403
    assert dispatcher.delete(f"{PARTS}/{made.json['id']}").status_code == 204
    assert dispatcher.get(f"{PARTS}/{made.json['id']}").status_code == 404


def test_the_catalogue_keeps_who_changed_a_price_and_from_what(dispatcher, admin, technician, world):
    made = dispatcher.post(PARTS, json=RELAY).json
    assert admin.patch(f"{PARTS}/{made['id']}", json={"price": 4100, "name": "Relay 24V"}).status_code == 200
    trail = dispatcher.get(f"{PARTS}/{made['id']}/changes")
    assert trail.status_code == 200
    created, updated = trail.json["items"]
    assert created["action"] == "created" and created["changes"]["price"] == [None, 3850]
    assert updated["action"] == "updated" and updated["changes"] == {"price": [3850, 4100]}  # the name did not change
    assert updated["actor_user_id"] == admin.user["id"]
    assert technician.get(f"{PARTS}/{made['id']}/changes").status_code == 403


def test_a_part_with_stock_history_cannot_be_deleted_only_retired(dispatcher, catalogue):
    assert dispatcher.delete(f"{PARTS}/{catalogue['relay']['id']}").status_code == 409
    assert dispatcher.get(f"{PARTS}/{catalogue['relay']['id']}").status_code == 200


# ---- receipts, adjustments, the ledger -------------------------------------------------------


def test_receipts_and_adjustments_are_movements_and_the_low_flag_follows_min_stock(app, dispatcher, catalogue):
    store = catalogue["warehouse"]["id"]
    relay = _row(dispatcher, "RLY-24", store)
    assert relay["qty"] == 10 and relay["low"] is False and relay["negative"] is False
    counted = dispatcher.post(
        f"{STOCK}/adjustments", json={"location_id": store, "sku": "RLY-24", "qty": -6, "reason": "Counted 4 on shelf"}
    )
    assert counted.status_code == 201, counted.json
    assert counted.json["kind"] == "adjustment" and counted.json["balance_after"] == 4
    assert _row(dispatcher, "RLY-24", store)["low"] is True  # 4 < min_stock 5
    assert [r["part"]["sku"] for r in _stock(dispatcher, location_id=store, low="true")] == ["RLY-24"]
    kinds = [(m["kind"], m["qty"]) for m in _movements(dispatcher, part_id=catalogue["relay"]["id"])]
    assert kinds == [("adjustment", -6), ("receipt", 10)]  # newest first; the wrong count stays
    _ledger_agrees(app)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{"sku": "RLY-24", "qty": 0}]}, "lines"),
        ({"lines": [{"sku": "RLY-24", "qty": -2}]}, "lines"),
        ({"lines": [{"sku": "RLY-24", "qty": 3}, {"sku": "NOPE-1", "qty": 1}]}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "RLY-24", "qty": 0.0001}]}, "lines.0.qty"),
    ],
)
def test_a_bad_receipt_is_422_and_books_nothing(app, dispatcher, catalogue, body, field):
    before = _ledger_agrees(app)
    response = dispatcher.post(f"{STOCK}/receipts", json={"location_id": catalogue["warehouse"]["id"], **body})
    assert response.status_code == 422, response.json
    assert any(name.startswith(field) for name in response.json["error"]["fields"])
    assert _ledger_agrees(app) == before


def test_adjustments_need_a_reason_and_a_quantity_and_staff(app, dispatcher, technician, catalogue):
    store = catalogue["warehouse"]["id"]
    base = {"location_id": store, "sku": "RLY-24", "qty": 2, "reason": "found"}
    assert dispatcher.post(f"{STOCK}/adjustments", json={**base, "qty": 0}).status_code == 422
    assert dispatcher.post(f"{STOCK}/adjustments", json={**base, "reason": "  "}).status_code == 422
    assert dispatcher.post(f"{STOCK}/adjustments", json={**base, "sku": "NOPE"}).status_code == 422
    assert technician.post(f"{STOCK}/adjustments", json=base).status_code == 403
    assert technician.post(f"{STOCK}/receipts", json={"location_id": store, "lines": [base]}).status_code == 403
    assert _row(dispatcher, "RLY-24", store)["qty"] == 10


def test_no_endpoint_changes_or_removes_a_movement(dispatcher, admin, catalogue):
    movement = _movements(dispatcher)[0]
    for client in (dispatcher, admin):
        assert client.patch(f"{STOCK}/movements/{movement['id']}", json={"qty": 1}).status_code in (404, 405)
        assert client.delete(f"{STOCK}/movements/{movement['id']}").status_code in (404, 405)
        assert client.http.put(f"{STOCK}/movements/{movement['id']}", json={}).status_code in (403, 404, 405)
    assert _movements(dispatcher)[-1] == _movements(dispatcher)[-1]


# ---- requisitions ----------------------------------------------------------------------------


def test_a_requisition_moves_stock_only_when_issued(app, dispatcher, technician, client_for, world, catalogue):
    store = catalogue["warehouse"]["id"]
    asked = technician.post(
        "/api/v1/requisitions", json={"warehouse_id": store, "lines": [{"sku": "RLY-24", "qty": 3}], "note": "for Fri"}
    )
    assert asked.status_code == 201, asked.json
    req = asked.json
    assert req["status"] == "requested" and req["van"]["technician_id"] == world.technician_id
    van = req["van"]["id"]
    assert _row(dispatcher, "RLY-24", store)["qty"] == 10

    other = client_for(world.other_tech_email)
    assert other.get(f"/api/v1/requisitions/{req['id']}").status_code == 404
    assert other.post(f"/api/v1/requisitions/{req['id']}/cancel", json={}).status_code == 404
    assert technician.post(f"/api/v1/requisitions/{req['id']}/issue", json={}).status_code == 403
    assert dispatcher.post(f"/api/v1/requisitions/{req['id']}/approve", json={}).json["status"] == "approved"
    issued = dispatcher.post(f"/api/v1/requisitions/{req['id']}/issue", json={})
    assert issued.status_code == 200, issued.json
    assert issued.json["status"] == "issued" and issued.json["done_at"] is not None
    assert _row(dispatcher, "RLY-24", store)["qty"] == 7
    assert _row(technician, "RLY-24", van)["qty"] == 3
    assert {m["kind"] for m in _movements(dispatcher, part_id=catalogue["relay"]["id"])} >= {
        "requisition_out",
        "requisition_in",
    }
    assert dispatcher.post(f"/api/v1/requisitions/{req['id']}/issue", json={}).status_code == 409  # once
    assert technician.post(f"/api/v1/requisitions/{req['id']}/cancel", json={}).status_code == 409
    _ledger_agrees(app)


def test_issuing_more_than_the_warehouse_has_is_409_and_moves_nothing(app, dispatcher, technician, catalogue):
    store = catalogue["warehouse"]["id"]
    lines = [{"sku": "RLY-24", "qty": 2}, {"sku": "FLT-10", "qty": 5}]
    req = technician.post("/api/v1/requisitions", json={"warehouse_id": store, "lines": lines}).json
    before = _ledger_agrees(app)
    refused = dispatcher.post(f"/api/v1/requisitions/{req['id']}/issue", json={})
    assert refused.status_code == 409 and "FLT-10" in refused.json["error"]["message"]
    assert _ledger_agrees(app) == before
    assert dispatcher.get(f"/api/v1/requisitions/{req['id']}").json["status"] == "requested"


def test_bad_requisitions_are_422(dispatcher, technician, catalogue):
    store = catalogue["warehouse"]["id"]
    for body, field in [
        ({"warehouse_id": store, "lines": [{"sku": "RLY-24", "qty": -1}]}, "lines"),
        ({"warehouse_id": store, "lines": [{"sku": "GHOST", "qty": 1}]}, "lines"),
        ({"warehouse_id": 999, "lines": [{"sku": "RLY-24", "qty": 1}]}, "warehouse_id"),
        ({"warehouse_id": store, "lines": []}, "lines"),
    ]:
        response = technician.post("/api/v1/requisitions", json=body)
        assert response.status_code == 422, (body, response.json)
        assert any(name.startswith(field) for name in response.json["error"]["fields"])
    body = {"warehouse_id": store, "lines": [{"sku": "RLY-24", "qty": 1}]}
    no_one = dispatcher.post("/api/v1/requisitions", json=body)
    assert no_one.status_code == 422 and "technician_id" in no_one.json["error"]["fields"]
    assert technician.get("/api/v1/requisitions").json["total"] == 0


# ---- consumption on jobs, offline ------------------------------------------------------------


def test_an_offline_part_log_takes_the_van_negative_and_a_requisition_settles_it(
    app, dispatcher, technician, catalogue, on_site, clock
):
    wo = on_site()
    clock.advance(hours=3)  # the phone was offline; the log is sent three hours after the deed
    deed = (clock.now - timedelta(hours=2)).isoformat()
    headers = {"Idempotency-Key": "offline-part-1", "X-Offline-Since": (clock.now - timedelta(hours=3)).isoformat()}
    parts = [{"sku": "RLY-24", "name": "Relay 24V", "qty": 2}]
    logged = _log_parts(technician, wo, parts, body={"occurred_at": deed}, headers=headers)
    assert logged.status_code == 201, logged.json
    replay = _log_parts(technician, wo, parts, body={"occurred_at": deed}, headers=headers)
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"

    van = _van_id(technician)
    row = _row(technician, "RLY-24", van)
    assert row["qty"] == -2 and row["negative"] is True  # once, though sent twice
    used = _movements(technician, location_id=van)
    assert len(used) == 1
    assert used[0]["kind"] == "consumption" and used[0]["flags"] == ["negative"]
    assert used[0]["work_order_id"] == wo["id"] and used[0]["log_id"] == logged.json["id"]
    assert used[0]["occurred_at"].startswith(deed[:16])  # the time of the deed, not of the sync
    timeline = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["events"]
    assert next(e for e in timeline if e["action"] == "log_added")["details"]["stock_negative"] == ["RLY-24"]
    assert [r["part"]["sku"] for r in _stock(dispatcher, low="true", location_id=van)] == ["RLY-24"]

    store = catalogue["warehouse"]["id"]
    req = technician.post("/api/v1/requisitions", json={"warehouse_id": store, "lines": [{"sku": "RLY-24", "qty": 5}]})
    assert dispatcher.post(f"/api/v1/requisitions/{req.json['id']}/issue", json={}).status_code == 200
    row = _row(technician, "RLY-24", van)
    assert row["qty"] == 3 and row["negative"] is False
    assert _movements(dispatcher, location_id=van, flagged="true")[0]["flags"] == ["negative"]  # history stays
    truth = _ledger_agrees(app)
    assert truth[(catalogue["relay"]["id"], van)] == (3000, 0)
    assert truth[(catalogue["relay"]["id"], store)] == (5000, 0)


def test_a_part_log_with_an_unknown_sku_is_accepted_and_counted_against_an_unlisted_part(
    app, dispatcher, technician, on_site
):
    wo = on_site()
    logged = _log_parts(technician, wo, [{"sku": "ODD-9", "name": "Odd gasket", "qty": 0.5}])
    assert logged.status_code == 201, logged.json
    unlisted = dispatcher.get(PARTS, query_string={"unlisted": "true"}).json["items"]
    assert [(p["sku"], p["name"], p["active"], p["price"]) for p in unlisted] == [("ODD-9", "Odd gasket", False, 0)]
    movement = _movements(dispatcher, work_order_id=wo["id"])[0]
    assert movement["qty"] == -0.5 and movement["flags"] == ["unlisted_part", "negative"]
    timeline = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["events"]
    assert next(e for e in timeline if e["action"] == "log_added")["details"]["stock_unlisted_part"] == ["ODD-9"]
    listed = dispatcher.patch(f"{PARTS}/{unlisted[0]['id']}", json={"price": 250, "active": True})
    assert listed.json["unlisted"] is False
    _ledger_agrees(app)


# ---- returns ---------------------------------------------------------------------------------


def test_a_return_moves_good_parts_back_and_books_old_parts_apart(
    app, dispatcher, technician, client_for, world, catalogue, on_site
):
    store = catalogue["warehouse"]["id"]
    req = technician.post("/api/v1/requisitions", json={"warehouse_id": store, "lines": [{"sku": "RLY-24", "qty": 3}]})
    dispatcher.post(f"/api/v1/requisitions/{req.json['id']}/issue", json={})
    wo = on_site()
    _log_parts(technician, wo, [{"sku": "RLY-24", "name": "Relay 24V", "qty": 1}])
    lines = [
        {"sku": "RLY-24", "qty": 1},
        {"sku": "RLY-24", "qty": 1, "faulty": True, "work_order_id": wo["id"]},
    ]
    handed = technician.post("/api/v1/returns", json={"warehouse_id": store, "lines": lines})
    assert handed.status_code == 201, handed.json
    assert client_for(world.other_tech_email).get(f"/api/v1/returns/{handed.json['id']}").status_code == 404
    assert technician.post(f"/api/v1/returns/{handed.json['id']}/receive", json={}).status_code == 403
    received = dispatcher.post(f"/api/v1/returns/{handed.json['id']}/receive", json={})
    assert received.status_code == 200 and received.json["status"] == "received"

    van = _van_id(technician)
    assert _row(technician, "RLY-24", van)["qty"] == 1  # 3 issued, 1 used, 1 handed back
    at_store = _row(dispatcher, "RLY-24", store)
    assert at_store["qty"] == 8 and at_store["faulty_qty"] == 1  # the old relay is not sellable stock
    timeline = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["events"]
    old = next(e for e in timeline if e["action"] == "old_part_returned")
    assert old["details"]["sku"] == "RLY-24" and old["details"]["qty"] == 1
    assert technician.post("/api/v1/requisitions", json={"warehouse_id": store, "lines": lines}).status_code == 422
    _ledger_agrees(app)


# ---- who sees what ---------------------------------------------------------------------------


def test_a_technician_sees_their_own_van_and_the_warehouses_only(dispatcher, technician, client_for, world, catalogue):
    store = catalogue["warehouse"]["id"]
    req = technician.post("/api/v1/requisitions", json={"warehouse_id": store, "lines": [{"sku": "RLY-24", "qty": 1}]})
    dispatcher.post(f"/api/v1/requisitions/{req.json['id']}/issue", json={})
    van = _van_id(technician)
    assert [r["part"]["sku"] for r in _stock(technician)] == ["RLY-24"]  # their van by default
    assert technician.get(STOCK, query_string={"location_id": store}).status_code == 404
    other = client_for(world.other_tech_email)
    assert other.get(STOCK, query_string={"location_id": van}).status_code == 404
    assert other.get(f"{STOCK}/movements", query_string={"location_id": van}).status_code == 404
    assert _stock(other) == [] and _movements(other) == []
    assert [loc["kind"] for loc in other.get(f"{STOCK}/locations").json["items"]] == ["warehouse"]
    assert technician.post(f"{STOCK}/locations", json={"name": "Mine"}).status_code == 403
    assert client_for().get(STOCK).status_code == 401


# ---- concurrent use of one van ---------------------------------------------------------------


@pytest.mark.parametrize("sku", ["RLY-24", "NEW-1"])
def test_two_part_logs_at_once_on_one_van_both_count_each_with_its_own_balance(
    app, technician, client_for, world, catalogue, on_site, sku
):
    """The first use of a van (and of an unlisted sku) from two phones at once makes it once, and
    the upsert on the cached balance serialises the two (a row lock on PostgreSQL, the write lock
    on SQLite): neither overwrites the other, and each movement records the count it left."""
    jobs = [on_site(), on_site()]
    phones = [client_for(world.tech_email), client_for(world.tech_email)]
    start = threading.Barrier(2)
    answers = []

    def log(phone, wo):
        start.wait()
        answers.append(_log_parts(phone, wo, [{"sku": sku, "name": "Relay 24V", "qty": 1}]).status_code)

    threads = [threading.Thread(target=log, args=pair) for pair in zip(phones, jobs, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [201, 201]
    van = _van_id(technician)
    used = _movements(technician, location_id=van)
    assert sorted(m["balance_after"] for m in used) == [-2, -1]
    assert _row(technician, sku, van)["qty"] == -2
    _ledger_agrees(app)
