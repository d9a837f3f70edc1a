"""A whole visit through the API, as the dispatcher and the technician would do it."""

from __future__ import annotations

import io

from tests.helpers import image_bytes, signature_data_url


def test_full_visit_leaves_a_complete_timeline(dispatcher, technician, world, new_work_order, clock):
    wo = new_work_order()
    assert wo["number"] == f"WO-{wo['id']:06d}"
    assert wo["status"] == "new"
    assert wo["response_due_at"] == "2026-11-23T13:00:00Z"  # high: respond within 4 h

    url = f"/api/v1/work-orders/{wo['id']}"
    assigned = dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    assert assigned.status_code == 200, assigned.json
    assert assigned.json["technician"]["id"] == world.technician_id

    for action in ("accept", "depart", "arrive"):
        clock.advance(minutes=10)
        response = technician.post(f"{url}/actions/{action}", json={})
        assert response.status_code == 200, response.json

    note = technician.post(f"{url}/logs", json={"kind": "note", "text": "Compressor relay burnt", "minutes": 20})
    assert note.status_code == 201, note.json
    part = technician.post(
        f"{url}/logs", json={"kind": "part", "parts": [{"sku": "RLY-24", "name": "Relay 24V", "qty": 1}]}
    )
    assert part.status_code == 201, part.json
    photo = technician.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(image_bytes("JPEG")), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.json
    assert photo.json["content_type"] == "image/jpeg"
    assert technician.get(photo.json["url"]).data[:3] == b"\xff\xd8\xff"

    done = technician.post(f"{url}/actions/complete", json={"resolution": "Replaced relay", "first_time_fix": True})
    assert done.status_code == 200, done.json
    signed = technician.post(
        f"{url}/signoff", json={"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": 5}
    )
    assert signed.status_code == 201, signed.json

    detail = dispatcher.get(url).json
    assert detail["status"] == "closed"
    assert [e["action"] for e in detail["events"]] == [
        "created",
        "assign",
        "message_queued",  # the customer hears who will come
        "accept",
        "depart",
        "message_queued",  # ... that they are on the way, with the ETA and the tracking link
        "arrive",
        "log_added",
        "log_added",
        "attachment_added",
        "complete",
        "confirmation_link_created",  # ... and gets a link to confirm the work
        "message_queued",
        "close",
    ]
    assert detail["signoff"]["record_valid"] is True
    assert detail["signoff"]["rating"] == 5
    assert len(detail["logs"]) == 2 and len(detail["attachments"]) == 1
