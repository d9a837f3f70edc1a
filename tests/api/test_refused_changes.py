"""A change the server refused a technician (the job was reassigned while they were offline) can be
forwarded to the dispatcher: it lands on the job's timeline, applied to nothing. And a technician
marks all their notifications read at once, each saying what happened to which job."""

from __future__ import annotations

import io

import pytest

from tests.helpers import image_bytes

NOTE = {
    "kind": "note",
    "text": "Bearing noise from the pump; needs a 6204 bearing",
    "minutes": 25,
    "idempotency_key": "0b8a6d52-refused-note",
    "occurred_at": "2026-11-23T08:50:00Z",
    "refusal": {"status": 404, "code": "not_found", "message": "Work order 1 not found."},
}


@pytest.fixture
def taken_from_me(dispatcher, technician, world, new_work_order):
    """A job the test's technician accepted, then the dispatcher gave to the other technician."""
    wo = new_work_order(title="Boiler leak")
    url = f"/api/v1/work-orders/{wo['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    assert technician.post(f"{url}/actions/accept", json={}).status_code == 200
    moved = dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id})
    assert moved.status_code == 200, moved.json
    refused = technician.post(f"{url}/logs", json={"kind": "note", "text": NOTE["text"]})
    assert refused.status_code == 404  # what the phone's replay got
    return wo


def _events(dispatcher, wo, action="refused_change_forwarded"):
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    return detail, [e for e in detail["events"] if e["action"] == action]


def test_a_refused_note_forwarded_by_its_author_reaches_the_dispatcher_on_the_timeline(
    dispatcher, technician, world, taken_from_me
):
    before = dispatcher.get(f"/api/v1/work-orders/{taken_from_me['id']}").json
    response = technician.post(f"/api/v1/work-orders/{taken_from_me['id']}/refused-changes", json=NOTE)
    assert response.status_code == 201, response.json

    detail, forwarded = _events(dispatcher, taken_from_me)
    assert len(forwarded) == 1
    event = forwarded[0]
    assert event["actor"]["user_id"] == technician.user["id"]
    assert event["details"] == {
        "kind": "note",
        "text": NOTE["text"],
        "minutes": 25,
        "idempotency_key": NOTE["idempotency_key"],
        "occurred_at": "2026-11-23T08:50:00Z",
        "refusal": NOTE["refusal"],
    }
    assert response.json["event"]["id"] == event["id"]
    # Delivered, not applied: no log, the job stays with the other technician, in the same status.
    assert detail["logs"] == []
    assert detail["technician"]["id"] == world.other_technician_id
    assert detail["status"] == before["status"] == "assigned"
    assert detail["version"] == before["version"] + 1  # a change to the job, as every event is


def test_parts_and_an_action_keep_what_was_typed(dispatcher, technician, taken_from_me):
    url = f"/api/v1/work-orders/{taken_from_me['id']}/refused-changes"
    parts = {"kind": "part", "parts": [{"sku": "BRG-6204", "name": "Bearing 6204", "qty": 2}]}
    complete = {
        "kind": "action",
        "action": "complete",
        "params": {"resolution": "Replaced the bearing", "first_time_fix": False},
    }
    assert technician.post(url, json=parts).status_code == 201
    assert technician.post(url, json=complete).status_code == 201

    _, forwarded = _events(dispatcher, taken_from_me)
    assert [e["details"] for e in forwarded] == [
        {"kind": "part", "parts": [{"sku": "BRG-6204", "name": "Bearing 6204", "qty": 2.0}]},
        {
            "kind": "action",
            "action": "complete",
            "params": {"resolution": "Replaced the bearing", "first_time_fix": False},
        },
    ]


def test_a_refused_photo_is_attached_with_an_event_saying_it_came_after_a_refusal(
    dispatcher, technician, taken_from_me
):
    response = technician.post(
        f"/api/v1/work-orders/{taken_from_me['id']}/refused-changes/photo",
        data={
            "file": (io.BytesIO(image_bytes("JPEG")), "photo.jpg"),
            "idempotency_key": "refused-photo-key",
            "refusal_status": "404",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json

    detail, forwarded = _events(dispatcher, taken_from_me)
    assert [a["id"] for a in detail["attachments"]] == [response.json["attachment"]["id"]]
    assert forwarded[0]["details"] == {
        "kind": "photo",
        "attachment_id": response.json["attachment"]["id"],
        "idempotency_key": "refused-photo-key",
        "refusal": {"status": 404},
    }
    assert dispatcher.get(detail["attachments"][0]["url"]).data[:3] == b"\xff\xd8\xff"


def test_a_repeated_send_with_the_same_key_forwards_once(dispatcher, technician, taken_from_me):
    url = f"/api/v1/work-orders/{taken_from_me['id']}/refused-changes"
    headers = {"Idempotency-Key": "forward-of-0b8a6d52"}
    first = technician.post(url, json=NOTE, headers=headers)
    again = technician.post(url, json=NOTE, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(_events(dispatcher, taken_from_me)[1]) == 1


def test_only_a_technician_who_held_the_job_may_forward_to_it(
    app, client_for, dispatcher, world, taken_from_me, new_work_order
):
    url = f"/api/v1/work-orders/{taken_from_me['id']}/refused-changes"
    current_holder = client_for(world.other_tech_email)  # holds it now: may forward too
    assert current_holder.post(url, json=NOTE).status_code == 201

    never_held = new_work_order(title="Someone else's job")
    technician = client_for(world.tech_email)
    for path in (
        f"/api/v1/work-orders/{never_held['id']}/refused-changes",
        "/api/v1/work-orders/999999/refused-changes",
    ):
        response = technician.post(path, json=NOTE)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    photo = technician.post(
        f"/api/v1/work-orders/{never_held['id']}/refused-changes/photo",
        data={"file": (io.BytesIO(image_bytes("PNG")), "p.png")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 404
    assert dispatcher.post(url, json=NOTE).status_code == 403  # dispatchers see the job anyway
    anonymous = client_for()
    assert anonymous.post(url, json=NOTE).status_code == 401
    assert len(_events(dispatcher, taken_from_me)[1]) == 1
    assert _events(dispatcher, never_held)[1] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "note", "text": "   "}, "text"),
        ({"kind": "part", "parts": []}, "parts"),
        ({"kind": "action"}, "action"),
        ({"kind": "sticker"}, "kind"),
        ({"kind": "part", "parts": [{"sku": "A", "name": "B", "qty": 0}]}, "parts.0.qty"),
    ],
)
def test_an_empty_or_malformed_change_is_refused_and_changes_nothing(
    dispatcher, technician, taken_from_me, body, field
):
    before = dispatcher.get(f"/api/v1/work-orders/{taken_from_me['id']}").json
    response = technician.post(f"/api/v1/work-orders/{taken_from_me['id']}/refused-changes", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert dispatcher.get(f"/api/v1/work-orders/{taken_from_me['id']}").json["version"] == before["version"]


# ---- notifications ------------------------------------------------------------------------------


def test_mark_all_read_marks_only_my_unread_notifications(client_for, dispatcher, technician, world, taken_from_me):
    other = client_for(world.other_tech_email)
    mine = technician.get("/api/v1/me/notifications").json["items"]
    assert [n["kind"] for n in mine] == ["unassigned", "assigned"]
    assert mine[0]["work_order_number"] == taken_from_me["number"]
    assert mine[0]["work_order_title"] == "Boiler leak"
    assert mine[0]["by"] == "dispatcher"
    assert mine[0]["message"].startswith(f"{taken_from_me['number']} Boiler leak")  # the fallback stays

    response = technician.post("/api/v1/me/notifications/read-all")
    assert response.status_code == 200, response.json
    assert response.json == {"marked": 2}
    assert technician.get("/api/v1/me/notifications?unread=true").json["total"] == 0
    assert technician.post("/api/v1/me/notifications/read-all").json == {"marked": 0}
    assert other.get("/api/v1/me/notifications?unread=true").json["total"] == 1  # not theirs to mark
    assert client_for().post("/api/v1/me/notifications/read-all").status_code == 401


def test_mark_all_read_up_to_what_was_shown_leaves_later_ones_unread(dispatcher, technician, world, taken_from_me):
    shown = technician.get("/api/v1/me/notifications").json["items"]
    later = dispatcher.post(
        "/api/v1/work-orders",
        json={
            "customer_id": world.customer_id, "title": "Arrived after the tap", "priority": "high",
            "channel": "phone", "location": {"lat": 31.23, "lon": 121.47},
        },
    ).json  # fmt: skip
    dispatcher.post(f"/api/v1/work-orders/{later['id']}/assign", json={"technician_id": world.technician_id})
    replayed = technician.post("/api/v1/me/notifications/read-all", json={"up_to_id": max(n["id"] for n in shown)})
    assert replayed.json == {"marked": len(shown)}
    unread = technician.get("/api/v1/me/notifications?unread=true").json["items"]
    assert [n["work_order_id"] for n in unread] == [later["id"]]


def test_a_photo_is_not_forwarded_into_a_signed_or_cancelled_job(dispatcher, technician, taken_from_me):
    url = f"/api/v1/work-orders/{taken_from_me['id']}"
    assert dispatcher.post(f"{url}/actions/cancel", json={"reason": "Customer called it off"}).status_code == 200
    photo = technician.post(
        f"{url}/refused-changes/photo",
        data={"file": (io.BytesIO(image_bytes("JPEG")), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 409 and photo.json["error"]["code"] == "conflict"
    assert dispatcher.get(url).json["attachments"] == []
    assert technician.post(f"{url}/refused-changes", json=NOTE).status_code == 201  # words still reach them
