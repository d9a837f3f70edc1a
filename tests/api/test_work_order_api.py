"""Work orders through the API: SLA due times, the list (filters, order, pages), edits, candidates."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from tests.factories import SITE, add_technician


@pytest.mark.parametrize(
    ("priority", "respond_by", "resolve_by"),
    [
        ("urgent", "2026-11-23T11:00:00Z", "2026-11-23T17:00:00Z"),
        ("high", "2026-11-23T13:00:00Z", "2026-11-24T09:00:00Z"),
        ("normal", "2026-11-24T09:00:00Z", "2026-11-26T09:00:00Z"),
        ("low", "2026-11-26T09:00:00Z", "2026-11-30T09:00:00Z"),
    ],
)
def test_due_times_come_from_the_priority_policy(new_work_order, priority, respond_by, resolve_by):
    wo = new_work_order(priority=priority)
    assert (wo["response_due_at"], wo["resolve_due_at"]) == (respond_by, resolve_by)


def test_given_due_times_are_kept_and_must_be_in_order(dispatcher, new_work_order, world):
    wo = new_work_order(response_due_at="2026-11-23T10:00:00+01:00", resolve_due_at="2026-11-23T12:00:00Z")
    assert wo["response_due_at"] == "2026-11-23T09:00:00Z"  # stored and returned in UTC
    body = {"customer_id": world.customer_id, "title": "Backwards", "priority": "low", "channel": "web",
            "location": SITE, "response_due_at": "2026-11-24T10:00:00Z",
            "resolve_due_at": "2026-11-24T09:00:00Z"}  # fmt: skip
    refused = dispatcher.post("/api/v1/work-orders", json=body)
    assert refused.status_code == 422
    assert dispatcher.get("/api/v1/work-orders?q=Backwards").json["total"] == 0


def _ids(page) -> list[int]:
    return [item["id"] for item in page.json["items"]]


def test_list_is_most_urgent_first_with_filters_and_pages(dispatcher, technician, world, new_work_order, clock):
    low = new_work_order(priority="low", title="Squeaky door")
    urgent_later = new_work_order(priority="urgent", title="Gas smell", response_due_at="2026-11-23T10:30:00Z")
    normal = new_work_order(priority="normal", title="Dripping tap")
    high = new_work_order(priority="high", title="Freezer warm")
    urgent_sooner = new_work_order(priority="urgent", title="Lift stuck", response_due_at="2026-11-23T09:30:00Z")
    order = [urgent_sooner["id"], urgent_later["id"], high["id"], normal["id"], low["id"]]
    assert _ids(dispatcher.get("/api/v1/work-orders")) == order

    pages = [dispatcher.get(f"/api/v1/work-orders?per_page=2&page={n}").json for n in (1, 2, 3)]
    assert [[i["id"] for i in p["items"]] for p in pages] == [order[0:2], order[2:4], order[4:]]
    assert {(p["total"], p["per_page"]) for p in pages} == {(5, 2)}

    dispatcher.post(f"/api/v1/work-orders/{high['id']}/assign", json={"technician_id": world.technician_id})
    assert _ids(dispatcher.get("/api/v1/work-orders?status=assigned")) == [high["id"]]
    assert _ids(dispatcher.get("/api/v1/work-orders?status=assigned,new&priority=low")) == [low["id"]]
    assert _ids(dispatcher.get(f"/api/v1/work-orders?technician_id={world.technician_id}")) == [high["id"]]
    assert _ids(technician.get("/api/v1/work-orders")) == [high["id"]]  # a technician sees only theirs
    assert _ids(dispatcher.get("/api/v1/work-orders?q=freezer")) == [high["id"]]
    assert _ids(dispatcher.get(f"/api/v1/work-orders?q={low['number']}")) == [low["id"]]
    assert len(_ids(dispatcher.get("/api/v1/work-orders?q=acme"))) == 5  # the customer's name

    clock.advance(minutes=45)  # 09:45: the sooner urgent job is late; the high one, assigned at 09:00,
    # has waited more than its 30-minute accept timeout
    assert _ids(dispatcher.get("/api/v1/work-orders?overdue=true")) == [urgent_sooner["id"], high["id"]]
    assert dispatcher.get("/api/v1/work-orders?overdue=false").json["total"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=sleeping", "status"),
        ("priority=critical", "priority"),
        ("per_page=201", "per_page"),
        ("page=0", "page"),
        ("technician_id=abc", "technician_id"),
        ("overdue=perhaps", "overdue"),
    ],
)
def test_bad_list_queries_are_422_with_the_field(dispatcher, world, query, field):
    response = dispatcher.get(f"/api/v1/work-orders?{query}")
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_edit_with_the_version_read_and_refuse_a_stale_one(dispatcher, technician, world, new_work_order):
    wo = new_work_order(priority="normal")
    url = f"/api/v1/work-orders/{wo['id']}"
    edited = dispatcher.patch(url, json={"priority": "urgent", "version": wo["version"]})
    assert edited.status_code == 200, edited.json
    assert edited.json["version"] == wo["version"] + 1
    assert edited.json["response_due_at"] == "2026-11-23T11:00:00Z"  # the new priority's policy
    event = dispatcher.get(url).json["events"][-1]
    assert event["action"] == "updated" and event["details"]["changes"]["priority"] == {
        "from": "normal",
        "to": "urgent",
    }

    stale = dispatcher.patch(url, json={"title": "Overwrites the edit", "version": wo["version"]})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    invalid = dispatcher.patch(url, json={"priority": "whenever", "version": edited.json["version"]})
    assert invalid.status_code == 422 and "priority" in invalid.json["error"]["fields"]
    no_version = dispatcher.patch(url, json={"title": "No version"})
    assert no_version.status_code == 422 and "version" in no_version.json["error"]["fields"]
    assert technician.patch(url, json={"title": "Mine now", "version": edited.json["version"]}).status_code in (
        403,
        404,
    )
    after = dispatcher.get(url).json
    assert (after["title"], after["version"]) == (wo["title"], edited.json["version"])


def north(km: float) -> dict:
    point = geodesic(kilometers=km).destination((SITE["lat"], SITE["lon"]), 0)
    return {"lat": point.latitude, "lon": point.longitude}


def test_candidates_rank_skills_then_room_then_distance(app, dispatcher, technician, world, new_work_order):
    with app.app_context():
        near_unskilled = add_technician("near@example.com", skills=["plumbing"], home=north(1)).id
        far_skilled = add_technician("far@example.com", skills=["hvac"], home=north(9)).id
        mid_skilled = add_technician("mid@example.com", skills=["hvac"], home=north(3.95)).id
        full_skilled = add_technician("full@example.com", skills=["hvac"], home=north(2), max_open_jobs=1).id
        add_technician("resting@example.com", skills=["hvac"], home=north(0.5), on_shift=False)
    busy = new_work_order(title="Keeps full busy")
    dispatcher.post(f"/api/v1/work-orders/{busy['id']}/assign", json={"technician_id": full_skilled})
    wo = new_work_order(required_skills=["hvac"])

    ranked = dispatcher.get(f"/api/v1/work-orders/{wo['id']}/candidates")
    assert ranked.status_code == 200
    items = ranked.json["items"]
    ids = [c["technician"]["id"] for c in items]
    # world's technician (hvac, at the site) first; then by distance among the qualified; the full one
    # after everyone with room; those lacking the skill last, nearest first; the off-shift one not at all.
    assert ids == [
        world.technician_id,
        mid_skilled,
        far_skilled,
        full_skilled,
        world.other_technician_id,
        near_unskilled,
    ]
    mid = items[1]
    assert mid["distance_km"] == pytest.approx(3.95, abs=0.001)
    assert mid["eta_minutes"] == 11  # 3.95 km x 1.3 (detour) at 30 km/h is 10.3 min, rounded up
    assert mid["arrival_at"].startswith("2026-11-23T09:10:") and mid["queue_ahead"] == 0 and mid["meets_deadline"]
    assert mid["skills_missing"] == [] and mid["qualified"] is True
    unskilled = next(c for c in items if c["technician"]["id"] == near_unskilled)
    assert unskilled["skills_missing"] == ["hvac"] and unskilled["qualified"] is False
    assert items[0]["score"] > mid["score"] > items[2]["score"]

    assert technician.get(f"/api/v1/work-orders/{wo['id']}/candidates").status_code in (403, 404)


def test_search_takes_percent_and_underscore_literally(dispatcher, new_work_order):
    discount = new_work_order(title="Refund 50% of call-out fee")
    plain = new_work_order(title="Replace 50 bulbs in hall")
    snake = new_work_order(title="Label breaker_7")
    assert _ids(dispatcher.get("/api/v1/work-orders?q=50%25")) == [discount["id"]]
    assert _ids(dispatcher.get("/api/v1/work-orders?q=_")) == [snake["id"]]
    assert plain["id"] in _ids(dispatcher.get("/api/v1/work-orders?q=50"))
    assert dispatcher.get("/api/v1/customers?q=%25").json["total"] == 0  # no customer name has a "%"


def test_the_total_holds_on_a_full_page_a_short_one_and_past_the_end(dispatcher, new_work_order):
    for n in range(4):
        new_work_order(title=f"Job {n}")
    for query, items in (("per_page=4", 4), ("per_page=3&page=2", 1), ("per_page=2&page=3", 0), ("per_page=9", 4)):
        page = dispatcher.get(f"/api/v1/work-orders?{query}").json
        assert (len(page["items"]), page["total"]) == (items, 4), query


def test_the_list_writes_each_work_order_as_its_detail_does(dispatcher, technician, world, new_work_order):
    """The list is written by hand for speed (see schemas/work_orders.work_order_json); the detail goes through
    the schema. Every field they share must read the same, in every state a job passes through."""
    waiting = new_work_order(title="Waiting", required_skills=["hvac"], address="Dock 4")
    closed = new_work_order(priority="urgent", title="Visited")
    url = f"/api/v1/work-orders/{closed['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "depart", "arrive"):
        technician.post(f"{url}/actions/{action}", json={})
    technician.post(f"{url}/actions/complete", json={"resolution": "Reset the relay", "first_time_fix": False})
    cancelled = new_work_order(priority="low", title="Called off")
    dispatcher.post(f"/api/v1/work-orders/{cancelled['id']}/actions/cancel", json={"reason": "Customer fixed it"})

    for reader in (dispatcher, technician):
        items = reader.get("/api/v1/work-orders").json["items"]
        assert items, "the reader sees some jobs"
        for item in items:
            detail = reader.get(f"/api/v1/work-orders/{item['id']}").json
            assert {name: detail[name] for name in item} == item
            assert item["completed_at"] is None or item["completed_at"].endswith("Z")
    listed = {i["id"]: i for i in dispatcher.get("/api/v1/work-orders").json["items"]}
    assert set(listed) == {waiting["id"], closed["id"], cancelled["id"]}
    assert listed[closed["id"]]["technician"]["id"] == world.technician_id
    assert listed[closed["id"]]["status"] == "completed" and listed[cancelled["id"]]["cancelled_at"]


def test_a_dispatchers_assignment_reaches_both_technicians_phones(
    dispatcher, technician, client_for, world, new_work_order
):
    wo = new_work_order(title="Chiller trips")
    url = f"/api/v1/work-orders/{wo['id']}"
    inbox = "/api/v1/me/notifications?unread=true"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    [given] = technician.get(inbox).json["items"]
    assert (given["kind"], given["work_order_id"]) == ("assigned", wo["id"])
    assert wo["number"] in given["message"] and "Chiller trips" in given["message"]

    other = client_for(world.other_tech_email)
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id}).status_code == 200
    assert [n["kind"] for n in technician.get(inbox).json["items"]] == ["unassigned", "assigned"]  # newest first
    assert [n["kind"] for n in other.get(inbox).json["items"]] == ["assigned"]

    refused = dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id})
    assert refused.status_code == 409  # already theirs: nothing changes, nobody is told twice
    assert other.get(inbox).json["total"] == 1
