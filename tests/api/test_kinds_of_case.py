"""Kinds of case (shared/API.md "Kinds of case"): the type, its SLA policy, remote resolution,
complaints and their closed loop, and the KPIs that read them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.config import type_sla_policy_from_env
from backend.domain.kinds import visit_minutes
from tests.conftest import START
from tests.helpers import action_events

TYPES = ("repair", "installation", "maintenance", "inspection", "inquiry", "complaint")
LOOP = {
    "root_cause": "The technician left without explaining the repair",
    "corrective_action": "Visit script updated; the team briefed",
    "customer_contacted_at": "2026-11-23T09:00:00Z",  # the clock starts at 09:00
}


def act(client, wo, action, **body):
    return client.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json=body)


def detail(client, wo) -> dict:
    return client.get(f"/api/v1/work-orders/{wo['id']}").json


def test_a_work_order_is_a_repair_unless_intake_says_otherwise(new_work_order, dispatcher):
    assert new_work_order()["type"] == "repair"
    for kind in TYPES:
        created = new_work_order(type=kind, title=f"A {kind}")
        assert created["type"] == kind and detail(dispatcher, created)["type"] == kind
        assert detail(dispatcher, created)["events"][0]["details"]["type"] == kind


def test_an_unknown_type_is_refused_and_nothing_is_created(dispatcher, world):
    body = {
        "customer_id": world.customer_id,
        "title": "Odd",
        "priority": "high",
        "channel": "phone",
        "type": "miracle",
        "location": {"lat": 31.2, "lon": 121.4},
    }
    refused = dispatcher.post("/api/v1/work-orders", json=body)
    assert refused.status_code == 422 and "type" in refused.json["error"]["fields"]
    assert dispatcher.get("/api/v1/work-orders").json["total"] == 0


def test_lists_filter_by_type(new_work_order, dispatcher):
    repair = new_work_order()
    inquiry = new_work_order(type="inquiry", title="How do I reset the timer?")
    complaint = new_work_order(type="complaint", title="Rude technician")
    listed = dispatcher.get("/api/v1/work-orders?type=inquiry").json
    assert [item["id"] for item in listed["items"]] == [inquiry["id"]]
    assert listed["items"][0]["type"] == "inquiry"
    everything = {item["id"] for item in dispatcher.get("/api/v1/work-orders").json["items"]}
    assert everything == {repair["id"], inquiry["id"], complaint["id"]}
    bad = dispatcher.get("/api/v1/work-orders?type=miracle")
    assert bad.status_code == 422 and "type" in bad.json["error"]["fields"]


@pytest.mark.parametrize("priority", ["urgent", "low"])
def test_a_complaint_is_due_in_2_hours_and_48_whatever_its_priority(new_work_order, priority):
    complaint = new_work_order(type="complaint", priority=priority)
    assert complaint["response_due_at"] == (START + timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    assert complaint["resolve_due_at"] == (START + timedelta(hours=48)).isoformat().replace("+00:00", "Z")


def test_other_kinds_follow_their_priority(new_work_order):
    inquiry = new_work_order(type="inquiry", priority="low")  # low: 3 days to respond
    assert inquiry["response_due_at"] == (START + timedelta(days=3)).isoformat().replace("+00:00", "Z")


def test_the_type_policy_is_configurable(monkeypatch):
    monkeypatch.setenv("SLA_COMPLAINT", "60/1440")
    monkeypatch.setenv("SLA_INSPECTION", "2880/10080")
    assert type_sla_policy_from_env() == {
        "complaint": {"respond": 60, "resolve": 1440},
        "inspection": {"respond": 2880, "resolve": 10080},
    }


def test_a_visit_takes_its_own_duration_else_its_kinds_else_the_default():
    assert visit_minutes("installation", None, 45) == 120
    assert visit_minutes("inspection", None, 45) == 30
    assert visit_minutes("inquiry", None, 45) == 0
    assert visit_minutes("repair", None, 45) == 45
    assert visit_minutes("installation", 0, 45) == 0 and visit_minutes("repair", 90, 45) == 90


ROADS = {
    "new": [],
    "assigned": [("dispatcher", "assign")],
    "accepted": [("dispatcher", "assign"), ("technician", "accept")],
    "en_route": [("dispatcher", "assign"), ("technician", "accept"), ("technician", "depart")],
    "on_site": [("dispatcher", "assign"), ("technician", "accept"), ("technician", "arrive")],
}
ROADS["on_hold"] = ROADS["on_site"] + [("technician", "pause")]
ROADS["completed"] = ROADS["on_site"] + [("technician", "complete")]


def drive(wo, status, clients, world):
    bodies = {
        "assign": {"technician_id": world.technician_id},
        "pause": {"reason": "Parts"},
        "complete": {"resolution": "Fixed", "first_time_fix": True},
    }
    for who, action in ROADS[status]:
        response = act(clients[who], wo, action, **bodies.get(action, {}))
        assert response.status_code == 200, (action, response.json)


@pytest.mark.parametrize("status,who", [("new", "dispatcher"), ("assigned", "technician"), ("accepted", "dispatcher")])
def test_resolve_remotely_completes_a_job_nobody_drove_to(status, who, new_work_order, dispatcher, technician, world):
    clients = {"dispatcher": dispatcher, "technician": technician}
    wo = new_work_order(type="inquiry", title="Error E4 on the display")
    drive(wo, status, clients, world)
    done = act(clients[who], wo, "resolve_remotely", resolution="Talked the customer through a filter reset")
    assert done.status_code == 200, done.json
    assert (done.json["status"], done.json["resolved_remotely"]) == ("completed", True)
    assert done.json["resolution"] == "Talked the customer through a filter reset"
    event = action_events(detail(dispatcher, wo)["events"])[-1]
    assert (event["action"], event["from_status"], event["to_status"]) == ("resolve_remotely", status, "completed")
    assert event["details"]["remote"] is True


@pytest.mark.parametrize("status", ["en_route", "on_site", "on_hold", "completed"])
def test_resolve_remotely_is_refused_once_someone_is_on_the_way(status, new_work_order, dispatcher, technician, world):
    wo = new_work_order()
    drive(wo, status, {"dispatcher": dispatcher, "technician": technician}, world)
    before = detail(dispatcher, wo)
    refused = act(dispatcher, wo, "resolve_remotely", resolution="By phone")
    assert refused.status_code == 409
    after = detail(dispatcher, wo)
    assert (after["status"], after["version"], after["resolved_remotely"]) == (status, before["version"], False)


def test_resolve_remotely_needs_a_resolution_and_the_right_person(new_work_order, dispatcher, client_for, world):
    wo = new_work_order()
    missing = act(dispatcher, wo, "resolve_remotely")
    assert missing.status_code == 422 and "resolution" in missing.json["error"]["fields"]
    act(dispatcher, wo, "assign", technician_id=world.technician_id)
    other = act(client_for(world.other_tech_email), wo, "resolve_remotely", resolution="Not mine")
    assert other.status_code in (403, 404)
    assert detail(dispatcher, wo)["status"] == "assigned"


def test_a_reopen_clears_the_remote_resolution(new_work_order, dispatcher):
    wo = new_work_order()
    assert act(dispatcher, wo, "resolve_remotely", resolution="By phone").status_code == 200
    assert act(dispatcher, wo, "reopen", reason="It came back").json["resolved_remotely"] is False


def test_a_complaint_names_an_existing_job_and_a_known_category(new_work_order, dispatcher, world):
    repair = new_work_order()
    complaint = new_work_order(type="complaint", related_work_order_id=repair["id"], category="attitude")
    got = detail(dispatcher, complaint)
    assert (got["related_work_order_id"], got["category"]) == (repair["id"], "attitude")
    base = {
        "customer_id": world.customer_id,
        "title": "Complaint",
        "priority": "normal",
        "channel": "phone",
        "location": {"lat": 31.2, "lon": 121.4},
    }
    for extra, field in (
        ({"type": "complaint", "related_work_order_id": 999_999}, "related_work_order_id"),
        ({"type": "complaint", "category": "weather"}, "category"),
        ({"type": "repair", "category": "quality"}, "category"),
    ):
        refused = dispatcher.post("/api/v1/work-orders", json={**base, **extra})
        assert refused.status_code == 422 and field in refused.json["error"]["fields"], extra
    assert dispatcher.get("/api/v1/work-orders").json["total"] == 2


@pytest.mark.parametrize("missing", sorted(LOOP))
def test_completing_a_complaint_requires_its_closed_loop(missing, new_work_order, dispatcher):
    complaint = new_work_order(type="complaint", category="delay")
    body = {k: v for k, v in LOOP.items() if k != missing}
    refused = act(dispatcher, complaint, "resolve_remotely", resolution="Apologised", **body)
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == [missing]
    got = detail(dispatcher, complaint)
    assert (got["status"], got["root_cause"], got["version"]) == ("new", None, complaint["version"])


def test_the_customer_cannot_have_been_contacted_after_the_completion(new_work_order, dispatcher):
    complaint = new_work_order(type="complaint")
    later = {**LOOP, "customer_contacted_at": "2026-11-23T12:00:00Z"}  # the clock says 09:00
    refused = act(dispatcher, complaint, "resolve_remotely", resolution="Apologised", **later)
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["customer_contacted_at"]
    assert detail(dispatcher, complaint)["status"] == "new"


def test_a_complaint_completed_on_site_also_needs_the_loop(new_work_order, dispatcher, technician, world):
    complaint = new_work_order(type="complaint", category="quality")
    drive(complaint, "on_site", {"dispatcher": dispatcher, "technician": technician}, world)
    refused = act(technician, complaint, "complete", resolution="Refitted", first_time_fix=True)
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == set(LOOP)
    done = act(technician, complaint, "complete", resolution="Refitted", first_time_fix=True, **LOOP)
    assert done.status_code == 200, done.json
    assert (done.json["root_cause"], done.json["corrective_action"]) == (LOOP["root_cause"], LOOP["corrective_action"])
    assert done.json["customer_contacted_at"] == LOOP["customer_contacted_at"]
    assert action_events(detail(dispatcher, complaint)["events"])[-1]["details"]["root_cause"] == LOOP["root_cause"]


DAY = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"


def test_the_kpis_of_a_day_with_remote_resolutions_and_complaints(new_work_order, dispatcher, technician, world, clock):
    """09:00: X (inquiry, normal), Y (complaint, normal), Z (complaint, low), W (repair, high) come in.
    X is resolved by phone by the dispatcher at 09:30; Y is resolved remotely by Tom at 10:00;
    W is fixed on site by Tom at 11:00; Z is still open two days later, past its 48 hours."""
    x = new_work_order(type="inquiry", priority="normal", title="X")
    y = new_work_order(type="complaint", priority="normal", title="Y", category="attitude")
    new_work_order(type="complaint", priority="low", title="Z", category="delay")
    w = new_work_order(type="repair", priority="high", title="W")
    clock.advance(minutes=30)
    assert act(dispatcher, x, "resolve_remotely", resolution="Explained the eco mode").status_code == 200
    for wo in (y, w):
        assert act(dispatcher, wo, "assign", technician_id=world.technician_id).status_code == 200
        assert act(technician, wo, "accept").status_code == 200
    clock.advance(minutes=30)
    assert act(technician, y, "resolve_remotely", resolution="Called and apologised", **LOOP).status_code == 200
    assert act(technician, w, "arrive").status_code == 200
    clock.advance(hours=1)
    assert act(technician, w, "complete", resolution="New capacitor", first_time_fix=True).status_code == 200
    clock.advance(days=2)

    kpis = dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json
    assert (kpis["created"], kpis["completed"], kpis["first_time_fix_rate"]) == (4, 3, 100.0)
    assert kpis["remote_resolution_rate"] == 66.7  # X and Y of X, Y, W
    assert kpis["complaints"] == 2  # Y and Z
    assert kpis["complaints_closed_in_time_pct"] == 50.0  # Y in time; Z past its 48 hours

    by_priority = breakdown(dispatcher, "priority")
    assert new_figures(by_priority["normal"]) == (100.0, 1, 100.0)  # X and Y
    assert new_figures(by_priority["low"]) == (None, 1, 0.0)  # Z
    assert new_figures(by_priority["high"]) == (0.0, 0, None)  # W
    by_technician = breakdown(dispatcher, "technician")
    assert new_figures(by_technician["Tom Tech"]) == (50.0, 1, 100.0)  # Y and W
    assert new_figures(by_technician[None]) == (100.0, 1, 0.0)  # X (the dispatcher's) and Z (nobody's)

    csv = dispatcher.get(f"/api/v1/reports/kpis.csv?by=priority&{DAY}").data.decode("utf-8-sig").splitlines()
    header = csv[0].split(",")
    total = dict(zip(header, csv[-1].split(","), strict=True))
    assert (total["remote_resolution_rate"], total["complaints"], total["complaints_closed_in_time_pct"]) == (
        "66.7",
        "2",
        "50.0",
    )


def breakdown(client, by) -> dict:
    return {row["label"]: row for row in client.get(f"/api/v1/reports/kpis/breakdown?by={by}&{DAY}").json["rows"]}


def new_figures(row) -> tuple:
    return row["remote_resolution_rate"], row["complaints"], row["complaints_closed_in_time_pct"]
