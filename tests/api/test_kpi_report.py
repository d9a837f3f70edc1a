"""The KPIs of a small day, computed by hand."""

from __future__ import annotations

from tests.helpers import signature_data_url

DAY = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"


def test_kpis_of_a_day_match_the_hand_computed_figures(
    dispatcher, technician, world, new_work_order, client_for, clock
):
    def act(wo, action, client=technician, **body):
        response = client.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json=body)
        assert response.status_code == 200, (action, response.json)

    def assign(wo, technician_id):
        dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": technician_id})

    # 09:00: four jobs come in.
    a = new_work_order(priority="high", title="A")  # respond by 13:00, resolve by tomorrow 09:00
    b = new_work_order(priority="urgent", title="B")  # respond by 11:00, resolve by 17:00
    c = new_work_order(priority="normal", title="C")
    d = new_work_order(priority="low", title="D")  # respond in three days: not decided today
    for wo in (a, b, d):
        assign(wo, world.technician_id)
    act(c, "cancel", dispatcher, reason="Duplicate")

    clock.advance(hours=1)  # 10:00: A on site (60 min)
    act(a, "accept")
    act(a, "arrive")
    clock.advance(hours=1)  # 11:00: A done (120 min), signed with 5 stars; D moved to another technician
    act(a, "complete", resolution="Fixed", first_time_fix=True)
    signed = technician.post(
        f"/api/v1/work-orders/{a['id']}/signoff",
        json={"signer_name": "Li", "signature": signature_data_url(), "rating": 5},
    )
    assert signed.status_code == 201
    assign(d, world.other_technician_id)
    act(b, "accept")
    clock.advance(hours=1)  # 12:00: B on site, an hour late (180 min)
    act(b, "arrive")
    clock.advance(hours=1)  # 13:00: B done (240 min), then disputed through the link
    act(b, "complete", resolution="Reset", first_time_fix=True)
    link = technician.post(f"/api/v1/work-orders/{b['id']}/confirmation-link").json
    token = link["url"].rsplit("/", 1)[1]
    disputed = client_for().http.post(f"/api/v1/confirm/{token}", json={"accepted": False, "signer_name": "Wu"})
    assert disputed.status_code == 200

    kpis = dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json
    assert {k: v for k, v in kpis.items() if k not in ("from", "to")} == {
        "created": 4,
        "completed": 2,  # A and B
        "closed": 1,  # A
        "avg_response_minutes": 120.0,  # (60 + 180) / 2
        "avg_resolution_minutes": 180.0,  # (120 + 240) / 2
        "response_sla_met_pct": 50.0,  # A on time, B late; D not due yet, C cancelled
        "resolution_sla_met_pct": 100.0,  # both completed before their resolve due times
        "first_time_fix_rate": 100.0,  # A: closed, one visit, never reopened
        "repeat_visit_rate": 50.0,  # B reopened by the customer's dispute
        "csat_avg": 5.0,
        "complaint_rate": 50.0,  # one dispute out of two customer answers
        "reassigned": 1,  # D
    }


def test_an_empty_period_and_bad_periods(dispatcher, technician):
    empty = dispatcher.get("/api/v1/reports/kpis?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z").json
    assert (empty["created"], empty["avg_response_minutes"], empty["csat_avg"], empty["reassigned"]) == (
        0,
        None,
        None,
        0,
    )
    backwards = dispatcher.get("/api/v1/reports/kpis?from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z")
    assert backwards.status_code == 422 and "from" in backwards.json["error"]["fields"]
    assert dispatcher.get("/api/v1/reports/kpis?from=yesterday").status_code == 422
    assert technician.get(f"/api/v1/reports/kpis?{DAY}").status_code == 403
