"""What the PWA reads to work offline: the status machine as data, and a site's earlier visits."""

from __future__ import annotations

from backend.domain.workflow import ACTIONS


def test_meta_serves_the_status_machine_the_api_enforces(technician, client_for):
    response = technician.get("/api/v1/meta")
    assert response.status_code == 200, response.json
    actions = {a["name"]: a for a in response.json["actions"]}
    assert list(actions) == list(ACTIONS)
    assert actions["arrive"] == {
        "name": "arrive",
        "roles": ["technician"],
        "from_statuses": ["accepted", "en_route"],
        "to_status": "on_site",
        "required": [],
    }
    assert actions["complete"]["required"] == ["resolution", "first_time_fix"]
    activities = {a["name"]: a for a in response.json["activities"]}
    assert activities["signoff"]["statuses"] == ["completed"]
    assert response.json["average_speed_kmh"] == 30.0
    assert response.json["accept_timeout_minutes"]["urgent"] == 15
    assert client_for().get("/api/v1/meta").status_code == 401


def test_meta_says_which_due_time_the_sla_timer_counts_down_to(dispatcher):
    response = dispatcher.get("/api/v1/meta")
    assert response.status_code == 200, response.json
    assert response.json["sla_countdown"] == {
        "respond": ["new", "assigned", "accepted", "en_route"],
        "resolve": ["on_site", "on_hold"],
    }


def test_meta_says_when_a_done_job_can_be_paid_drafted_as_an_article_and_reported_to_its_customer(dispatcher):
    response = dispatcher.get("/api/v1/meta")
    assert response.status_code == 200, response.json
    activities = {a["name"]: a for a in response.json["activities"]}
    done = ["completed", "closed"]
    assert activities["pay"] == {"name": "pay", "roles": ["admin", "dispatcher", "technician"], "statuses": done}
    assert activities["draft_article"] == {"name": "draft_article", "roles": ["admin", "dispatcher"], "statuses": done}
    assert activities["customer_report"] == {"name": "customer_report", "roles": ["customer"], "statuses": done}


def test_detail_lists_the_customers_earlier_visits_newest_first(dispatcher, technician, world, new_work_order, clock):
    first = new_work_order(title="Boiler leaks")
    clock.advance(days=1)
    second = new_work_order(title="Boiler pressure drops")
    clock.advance(days=1)
    current = new_work_order(title="Boiler again")
    clock.advance(days=1)
    new_work_order(title="Created after: not earlier")
    dispatcher.post(f"/api/v1/work-orders/{current['id']}/assign", json={"technician_id": world.technician_id})

    detail = technician.get(f"/api/v1/work-orders/{current['id']}")
    assert detail.status_code == 200, detail.json
    visits = detail.json["earlier_visits"]
    assert [v["number"] for v in visits] == [second["number"], first["number"]]
    assert visits[0] == {
        "id": second["id"],
        "number": second["number"],
        "title": "Boiler pressure drops",
        "status": "new",
        "created_at": second["created_at"],
        "completed_at": None,
        "resolution": None,
        "technician_name": None,
    }
