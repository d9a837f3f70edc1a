"""What the customer's confirmation link shows: who to call, the work and the parts, and never the
technician's internal notes."""

from __future__ import annotations

import json

PART = {"sku": "CAP-45", "name": "Run capacitor 45 µF", "qty": 2}
NOTE = "Door code 4711; customer was rude about the price"


def _completed_with_a_note(dispatcher, technician, world, new_work_order) -> dict:
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    for log in (
        {"kind": "note", "text": NOTE, "minutes": 10},
        {"kind": "part", "parts": [PART], "minutes": 5},
        {"kind": "fix", "text": "Replaced the capacitor", "minutes": 30},
    ):
        assert technician.post(f"{url}/logs", json=log).status_code == 201
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Capacitor replaced", "first_time_fix": True})
    assert done.status_code == 200, done.json
    return done.json


def test_the_link_names_the_company_and_shows_work_and_parts_but_no_notes(
    app, dispatcher, technician, world, new_work_order, client_for
):
    app.config.update(COMPANY_NAME="Cool Breeze Service", COMPANY_PHONE="+86 21 5555 0100")
    wo = _completed_with_a_note(dispatcher, technician, world, new_work_order)
    token = technician.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json["url"].rsplit("/", 1)[1]

    shown = client_for().get(f"/api/v1/confirm/{token}")

    assert shown.status_code == 200, shown.json
    assert shown.json["company"] == {"name": "Cool Breeze Service", "phone": "+86 21 5555 0100"}
    order = shown.json["work_order"]
    assert order["resolution"] == "Capacitor replaced"
    assert [(log["kind"], log["text"]) for log in order["logs"]] == [("part", None), ("fix", "Replaced the capacitor")]
    assert order["logs"][0]["parts"] == [PART]
    assert order["minutes_logged"] == 45  # how long, the note's time too; not what it said
    assert NOTE not in json.dumps(shown.json)
    assert "note" not in [log["kind"] for log in order["logs"]]


def test_without_a_configured_phone_the_link_offers_no_number(
    app, dispatcher, technician, world, new_work_order, client_for
):
    wo = _completed_with_a_note(dispatcher, technician, world, new_work_order)
    token = technician.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json["url"].rsplit("/", 1)[1]

    shown = client_for().get(f"/api/v1/confirm/{token}")

    assert shown.json["company"] == {"name": "OnSite", "phone": None}
