"""The board's counts through the API, on SQLite and PostgreSQL: open complaints (and those past
their 48 h resolve-by time), follow-up calls due and overdue as the follow-up queue counts them,
moving with the clock; staff only."""

from __future__ import annotations

from tests.helpers import signature_data_url

COUNTS = "/api/v1/board/counts"


def _act(client, wo, action, **body):
    response = client.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json=body)
    assert response.status_code == 200, response.json
    return response.json


def _closed_with_rating(dispatcher, technician, world, new_work_order, rating):
    """A job done and signed with this rating (3 or less: a follow-up call is due in 3 days)."""
    wo = new_work_order()
    _act(dispatcher, wo, "assign", technician_id=world.technician_id)
    _act(technician, wo, "accept")
    _act(technician, wo, "arrive")
    _act(technician, wo, "complete", resolution="Relay replaced", first_time_fix=True)
    body = {"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": rating}
    assert technician.post(f"/api/v1/work-orders/{wo['id']}/signoff", json=body).status_code == 201


def test_the_board_counts_open_complaints_and_waiting_follow_up_calls(
    dispatcher, technician, world, new_work_order, clock, client_for
):
    empty = dispatcher.get(COUNTS)
    assert empty.status_code == 200, empty.json
    assert empty.json == {"complaints_open": 0, "complaints_late": 0, "follow_ups_due": 0, "follow_ups_overdue": 0}

    new_work_order(type="complaint", title="Rude technician")
    assigned = new_work_order(type="complaint", title="Came late twice")
    _act(dispatcher, assigned, "assign", technician_id=world.technician_id)
    solved = new_work_order(type="complaint", title="Wrong invoice")
    loop = {
        "root_cause": "Price list out of date",
        "corrective_action": "Price list updated",
        "customer_contacted_at": clock.now.isoformat().replace("+00:00", "Z"),
    }
    _act(dispatcher, solved, "resolve_remotely", resolution="Refunded by phone", **loop)
    _act(dispatcher, new_work_order(type="complaint", title="Entered twice"), "cancel", reason="Duplicate")
    new_work_order(title="Not a complaint")
    _closed_with_rating(dispatcher, technician, world, new_work_order, rating=2)

    counts = dispatcher.get(COUNTS).json
    assert counts == {"complaints_open": 2, "complaints_late": 0, "follow_ups_due": 1, "follow_ups_overdue": 0}

    clock.advance(hours=49)  # past a complaint's 48 h resolve-by time
    counts = dispatcher.get(COUNTS).json
    assert (counts["complaints_open"], counts["complaints_late"]) == (2, 2)

    clock.advance(hours=24)  # the call was due 3 days after the sign-off
    technician = client_for(world.tech_email)
    _closed_with_rating(dispatcher, technician, world, new_work_order, rating=1)
    counts = dispatcher.get(COUNTS).json
    assert (counts["follow_ups_due"], counts["follow_ups_overdue"]) == (1, 1)
    # The same figures as the follow-up queue's own lists.
    for status in ("due", "overdue"):
        assert dispatcher.get(f"/api/v1/follow-ups?status={status}").json["total"] == counts[f"follow_ups_{status}"]
    listed = dispatcher.get("/api/v1/work-orders?type=complaint&status=new,assigned").json["total"]
    assert listed == counts["complaints_open"]


def test_only_staff_see_the_board_counts(technician, client_for, world):
    assert technician.get(COUNTS).status_code == 403
    assert client_for().get(COUNTS).status_code == 401
    assert client_for(world.admin_email).get(COUNTS).status_code == 200
