"""A reopened job: the earlier visit stops counting as a first-time fix (in the record, the CSV and
the KPIs alike), its resolution moves into the history, and the SLA clock starts again from the
reopen, so the job is not overdue (and moved away) the moment it comes back."""

from __future__ import annotations

import csv
import io
import json

DAY = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"


def _completed(dispatcher, technician, world, new_work_order) -> dict:
    wo = new_work_order(priority="high")  # respond in 4 h, resolve in 24 h
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Capacitor replaced", "first_time_fix": True})
    assert done.status_code == 200, done.json
    return done.json


def _dispute(dispatcher, client_for, wo: dict, comment="Still warm air"):
    link = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json
    token = link["url"].rsplit("/confirm/", 1)[1]
    answer = client_for().http.post(
        f"/api/v1/confirm/{token}", json={"accepted": False, "signer_name": "Mr Wang", "comment": comment}
    )
    assert answer.status_code == 200 and answer.json["status"] == "new"


def _csv_row(dispatcher, number: str) -> dict:
    text = dispatcher.get("/api/v1/work-orders/export.csv").data.decode("utf-8-sig")
    return next(row for row in csv.DictReader(io.StringIO(text)) if row["number"] == number)


def test_a_dispute_marks_the_visit_not_a_first_time_fix_and_keeps_its_resolution_in_the_history(
    dispatcher, technician, world, new_work_order, client_for, clock
):
    wo = _completed(dispatcher, technician, world, new_work_order)
    clock.advance(hours=2)
    _dispute(dispatcher, client_for, wo)

    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["resolution"] is None and detail["first_time_fix"] is False and detail["reopen_count"] == 1
    complete, reopen = (next(e for e in detail["events"] if e["action"] == a) for a in ("complete", "reopen"))
    assert complete["details"]["resolution"] == "Capacitor replaced"
    assert reopen["details"]["previous_resolution"] == "Capacitor replaced"
    assert reopen["details"]["reason"] == "Still warm air"

    row = _csv_row(dispatcher, wo["number"])
    assert row["resolution"] == "" and row["first_time_fix"] == "false" and row["reopen_count"] == "1"


def test_first_time_fix_and_repeat_visits_count_the_same_jobs(
    dispatcher, technician, world, new_work_order, client_for, clock
):
    fixed = _completed(dispatcher, technician, world, new_work_order)
    link = technician.post(f"/api/v1/work-orders/{fixed['id']}/confirmation-link").json
    token = link["url"].rsplit("/", 1)[1]
    client_for().http.post(f"/api/v1/confirm/{token}", json={"accepted": True, "signer_name": "Li"})
    disputed = _completed(dispatcher, technician, world, new_work_order)
    _dispute(dispatcher, client_for, disputed)

    kpis = dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json
    assert kpis["completed"] == 2
    assert kpis["first_time_fix_rate"] == 50.0 and kpis["repeat_visit_rate"] == 50.0


def test_a_second_completion_after_a_reopen_is_not_a_first_time_fix(
    dispatcher, technician, world, new_work_order, client_for
):
    wo = _completed(dispatcher, technician, world, new_work_order)
    _dispute(dispatcher, client_for, wo)
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        technician.post(f"{url}/actions/{action}", json={})
    again = technician.post(
        f"{url}/actions/complete", json={"resolution": "Compressor replaced", "first_time_fix": True}
    )
    assert again.json["resolution"] == "Compressor replaced" and again.json["first_time_fix"] is False
    assert dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json["first_time_fix_rate"] == 0.0


def test_a_reopened_job_gets_new_due_times_and_is_not_moved_at_once(
    app, dispatcher, technician, world, new_work_order, client_for, clock
):
    wo = _completed(dispatcher, technician, world, new_work_order)
    clock.advance(hours=30)  # past both of the first visit's due times
    _dispute(dispatcher, client_for, wo)
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["response_due_at"] == "2026-11-24T19:00:00Z"  # 15:00 + 4 h (high)
    assert detail["resolve_due_at"] == "2026-11-25T15:00:00Z"  # 15:00 + 24 h
    assert detail["overdue"] is False
    reopen = detail["events"][-1]
    assert reopen["details"]["response_due_at"] == "2026-11-24T19:00:00Z"  # every time written with a Z
    assert detail["events"][0]["details"]["response_due_at"] == "2026-11-23T13:00:00Z"

    result = app.test_cli_runner().invoke(args=["reassign-overdue", "--now", clock.now.isoformat()])
    summary = json.loads(result.output)
    assert (summary["checked"], summary["reassigned"], summary["escalated"]) == (0, 0, 0)


def test_a_dispatchers_reopen_restarts_the_clock_too(dispatcher, technician, world, new_work_order, clock):
    wo = _completed(dispatcher, technician, world, new_work_order)
    clock.advance(days=2)
    reopened = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/actions/reopen", json={"reason": "Fault came back"})
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["response_due_at"] == "2026-11-25T13:00:00Z" and reopened.json["overdue"] is False
    assert reopened.json["first_time_fix"] is False and reopened.json["resolution"] is None
