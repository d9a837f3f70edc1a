"""The KPIs of a small day, computed by hand."""

from __future__ import annotations

from tests.helpers import signature_data_url

DAY = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"


# The figures of `work_a_day`, computed by hand (see the comments there).
DAY_FIGURES = {
    "created": 4,
    "completed": 2,  # A and B
    "closed": 1,  # A
    "avg_response_minutes": 120.0,  # (60 + 180) / 2
    "avg_resolution_minutes": 180.0,  # (120 + 240) / 2
    "response_sla_met_pct": 50.0,  # A on time, B late; D not due yet, C cancelled
    "resolution_sla_met_pct": 100.0,  # both completed before their resolve due times
    "first_time_fix_rate": 50.0,  # of A and B (completed), A: one visit, never reopened
    "repeat_visit_rate": 50.0,  # B reopened by the customer's dispute
    "csat_avg": 5.0,
    "complaint_rate": 50.0,  # one dispute out of two customer answers
    "reassigned": 1,  # D
    "late_deeds": 0,  # every deed of the day was sent live
    "flagged_deeds": 0,
    "mean_gap_minutes": None,
    "flagged_answers": 0,  # both answers came from the customer's own browser
    "remote_resolution_rate": 0.0,  # A and B were both fixed on site
    "complaints": 0,
    "complaints_closed_in_time_pct": None,
    "repeat_repairs": 0,  # no job is on an asset
    "follow_ups_done_pct": 0.0,  # B's dispute opened a follow-up call, not made yet
    "follow_up_satisfaction_avg": None,
    "quality_score": None,
}


def work_a_day(dispatcher, technician, world, new_work_order, client_for, clock):
    """Four jobs on 2026-11-23 (the clock starts at 09:00): A fixed on time and signed, B late and
    disputed, C cancelled, D moved to another technician."""

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


def test_kpis_of_a_day_match_the_hand_computed_figures(
    dispatcher, technician, world, new_work_order, client_for, clock
):
    work_a_day(dispatcher, technician, world, new_work_order, client_for, clock)
    kpis = dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json
    assert {k: v for k, v in kpis.items() if k not in ("from", "to", "clock")} == DAY_FIGURES

    by_priority = rows_by_label(dispatcher.get(f"/api/v1/reports/kpis/breakdown?by=priority&{DAY}").json)
    assert list(by_priority) == ["urgent", "high", "normal", "low"]
    assert figures(by_priority["high"]) == {
        **EMPTY, "created": 1, "completed": 1, "closed": 1, "avg_response_minutes": 60.0,
        "avg_resolution_minutes": 120.0, "response_sla_met_pct": 100.0, "resolution_sla_met_pct": 100.0,
        "first_time_fix_rate": 100.0, "repeat_visit_rate": 0.0, "csat_avg": 5.0, "complaint_rate": 0.0,
        "remote_resolution_rate": 0.0,
    }  # fmt: skip
    assert figures(by_priority["urgent"]) == {
        **EMPTY, "created": 1, "completed": 1, "avg_response_minutes": 180.0, "avg_resolution_minutes": 240.0,
        "response_sla_met_pct": 0.0, "resolution_sla_met_pct": 100.0, "first_time_fix_rate": 0.0,
        "repeat_visit_rate": 100.0, "complaint_rate": 100.0, "remote_resolution_rate": 0.0,
        "follow_ups_done_pct": 0.0,
    }  # fmt: skip
    assert figures(by_priority["normal"]) == {**EMPTY, "created": 1}  # cancelled: counted in created only
    assert figures(by_priority["low"]) == {**EMPTY, "created": 1, "reassigned": 1}

    by_technician = rows_by_label(dispatcher.get(f"/api/v1/reports/kpis/breakdown?by=technician&{DAY}").json)
    # A and B were completed by Tom (B is unassigned since its reopening), D is Olga's now, C nobody's.
    assert {label: row["created"] for label, row in by_technician.items()} == {"Tom Tech": 2, "Olga Other": 1, None: 1}
    assert by_technician["Tom Tech"]["complaint_rate"] == 50.0 and by_technician["Tom Tech"]["csat_avg"] == 5.0

    csv = dispatcher.get(f"/api/v1/reports/kpis.csv?by=priority&{DAY}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("priority,label,created,completed,closed,avg_response_minutes")
    assert lines[1].startswith("urgent,urgent,1,1,0,180.0,240.0,0.0,100.0,0.0,100.0,,100.0,0")
    assert lines[-1] == (  # no late deeds
        "total,,4,2,1,120.0,180.0,50.0,100.0,50.0,50.0,5.0,50.0,1,0,0,,0,0.0,0,,0.0,,,0"
    )


EMPTY = {
    "created": 0, "completed": 0, "closed": 0, "avg_response_minutes": None, "avg_resolution_minutes": None,
    "response_sla_met_pct": None, "resolution_sla_met_pct": None, "first_time_fix_rate": None,
    "repeat_visit_rate": None, "csat_avg": None, "complaint_rate": None, "reassigned": 0,
    "late_deeds": 0, "flagged_deeds": 0, "mean_gap_minutes": None, "flagged_answers": 0,
    "remote_resolution_rate": None, "complaints": 0, "complaints_closed_in_time_pct": None,
    "follow_ups_done_pct": None, "follow_up_satisfaction_avg": None, "quality_score": None,
    "repeat_repairs": 0,
}  # fmt: skip


def rows_by_label(breakdown):
    return {row["label"]: row for row in breakdown["rows"]}


def figures(row):
    return {k: v for k, v in row.items() if k not in ("key", "label")}


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
