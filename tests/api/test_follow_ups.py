"""Follow-up calls (回访) through the API, on SQLite and PostgreSQL: which closed jobs get a call
(every complaint, rating of 3 or less and dispute, and a fixed share of the rest), the queue's
statuses, the outcome recorded once, a reopen from the call counting as a repeat visit, roles and
validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.domain.follow_ups import FollowUpPolicy, in_sample
from tests.helpers import signature_data_url

FOLLOW_UPS = "/api/v1/follow-ups"
SECRET = "follow-up-test-secret"
DAY = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"


@pytest.fixture
def app(make_app):
    """No random share unless a test asks for one: each test decides which jobs are sampled."""
    return make_app(FOLLOW_UP_SAMPLE_PCT=0, FOLLOW_UP_DAYS=3, SECRET_KEY=SECRET)


@pytest.fixture
def completed(dispatcher, technician, world, new_work_order):
    """`completed()` → a job completed by the world's technician, waiting for the customer."""

    def make() -> dict:
        wo = new_work_order()
        url = f"/api/v1/work-orders/{wo['id']}"
        assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
        for action in ("accept", "arrive"):
            assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
        done = technician.post(f"{url}/actions/complete", json={"resolution": "Relay replaced", "first_time_fix": True})
        assert done.status_code == 200, done.json
        return done.json

    return make


def _sign(technician, wo: dict, rating: int | None = 5):
    body = {"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": rating}
    response = technician.post(f"/api/v1/work-orders/{wo['id']}/signoff", json=body)
    assert response.status_code == 201, response.json


def _dispute(dispatcher, client_for, wo: dict):
    link = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json
    token = link["url"].rsplit("/confirm/", 1)[1]
    body = {"accepted": False, "signer_name": "Mr Wang", "comment": "Still warm"}
    assert client_for().http.post(f"/api/v1/confirm/{token}", json=body).json["status"] == "new"


def _queue(dispatcher, query: str = "") -> list[dict]:
    response = dispatcher.get(f"{FOLLOW_UPS}?{query}")
    assert response.status_code == 200, response.json
    return response.json["items"]


def _reasons(dispatcher) -> dict[int, str]:
    return {item["work_order"]["id"]: item["reason"] for item in _queue(dispatcher)}


def test_a_low_rating_and_a_dispute_get_a_call_a_good_rating_does_not(
    dispatcher, technician, completed, client_for, clock
):
    happy, unhappy, unrated, disputed = completed(), completed(), completed(), completed()
    _sign(technician, happy, rating=4)
    _sign(technician, unhappy, rating=3)
    _sign(technician, unrated, rating=None)
    _dispute(dispatcher, client_for, disputed)

    assert _reasons(dispatcher) == {unhappy["id"]: "low_rating", disputed["id"]: "dispute"}
    item = next(i for i in _queue(dispatcher) if i["work_order"]["id"] == unhappy["id"])
    assert item["due_at"] == (clock.now + timedelta(days=3)).isoformat().replace("+00:00", "Z")
    assert item["done_at"] is None and item["outcome"] is None and item["overdue"] is False
    assert item["work_order"]["customer"]["phone"] == "+86 21 5555 0101"
    assert item["work_order"]["number"] == unhappy["number"]


def test_a_complaint_always_gets_a_call(dispatcher, technician, completed, app):
    from backend.extensions import db
    from backend.models import WorkOrder

    job = completed()
    with app.app_context():
        db.session.get(WorkOrder, job["id"]).type = "complaint"  # completed as a repair: no closed-loop fields
        db.session.commit()
    _sign(technician, job, rating=5)
    assert _reasons(dispatcher) == {job["id"]: "complaint"}


def test_the_random_share_is_decided_by_the_work_order_id_and_the_secret(dispatcher, technician, completed, app):
    app.config["FOLLOW_UP_SAMPLE_PCT"] = 50
    jobs = [completed() for _ in range(8)]
    for job in jobs:
        _sign(technician, job, rating=5)

    policy = FollowUpPolicy(sample_pct=50, secret=SECRET)
    expected = {job["id"]: "sample" for job in jobs if in_sample(job["id"], policy)}
    assert _reasons(dispatcher) == expected
    assert 0 < len(expected) < len(jobs)  # this secret samples some of these ids, not all
    other_secret = FollowUpPolicy(sample_pct=50, secret="another server's secret")
    assert [in_sample(i, other_secret) for i in range(1, 200)] != [in_sample(i, policy) for i in range(1, 200)]
    assert not any(in_sample(i, FollowUpPolicy(sample_pct=0, secret=SECRET)) for i in range(1, 200))
    assert all(in_sample(i, FollowUpPolicy(sample_pct=100, secret=SECRET)) for i in range(1, 200))


def test_the_queue_shows_due_overdue_and_done(dispatcher, technician, completed, clock):
    early, late = completed(), completed()
    _sign(technician, early, rating=1)
    clock.advance(days=2)
    _sign(technician, late, rating=2)
    clock.advance(days=1, hours=1)  # the early call is now an hour past due, the late one due in 2 days

    def ids(status):
        return [i["work_order"]["id"] for i in _queue(dispatcher, f"status={status}")]

    assert ids("overdue") == [early["id"]] and ids("due") == [late["id"]] and ids("done") == []
    first = _queue(dispatcher, "status=overdue")[0]
    assert first["overdue"] is True
    done = dispatcher.post(f"{FOLLOW_UPS}/{first['id']}/outcome", json={"reached": True, "satisfaction": 4})
    assert done.status_code == 200, done.json
    assert ids("overdue") == [] and ids("done") == [early["id"]]
    assert [i["work_order"]["id"] for i in _queue(dispatcher)] == [early["id"], late["id"]]
    # from/to: due_at for open calls, done_at for done ones
    due_late = late_due = _queue(dispatcher, "status=due")[0]["due_at"]
    assert ids(f"due&from={due_late}") == [late["id"]]
    assert ids(f"due&to={late_due}") == []
    assert ids(f"done&{DAY}") == [] and ids("done&from=2026-11-26T00:00:00Z") == [early["id"]]


def test_an_outcome_is_recorded_once_with_an_event_on_the_job(dispatcher, technician, completed):
    job = completed()
    _sign(technician, job, rating=2)
    follow_up = _queue(dispatcher)[0]
    url = f"{FOLLOW_UPS}/{follow_up['id']}/outcome"

    answer = dispatcher.post(url, json={"reached": True, "satisfaction": 4, "comment": " Fine now "})
    assert answer.status_code == 200, answer.json
    assert answer.json["outcome"] == {"reached": True, "satisfaction": 4, "comment": "Fine now", "reopened": False}
    assert answer.json["done_at"] is not None and answer.json["work_order"]["status"] == "closed"

    again = dispatcher.post(url, json={"reached": False})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert dispatcher.get(f"{FOLLOW_UPS}/{follow_up['id']}").json["outcome"]["satisfaction"] == 4
    events = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json["events"]
    recorded = [e for e in events if e["action"] == "follow_up_done"]
    assert len(recorded) == 1 and recorded[0]["details"]["satisfaction"] == 4
    assert recorded[0]["details"]["reason"] == "low_rating"


def test_the_kpis_count_the_calls_done_and_their_satisfaction(dispatcher, technician, completed):
    first, second = completed(), completed()
    _sign(technician, first, rating=2)
    _sign(technician, second, rating=1)
    calls = {i["work_order"]["id"]: i["id"] for i in _queue(dispatcher)}
    dispatcher.post(f"{FOLLOW_UPS}/{calls[first['id']]}/outcome", json={"reached": True, "satisfaction": 3})

    kpis = dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json
    assert kpis["follow_ups_done_pct"] == 50.0 and kpis["follow_up_satisfaction_avg"] == 3.0
    rows = dispatcher.get(f"/api/v1/reports/kpis/breakdown?by=technician&{DAY}").json["rows"]
    tom = next(row for row in rows if row["label"] == "Tom Tech")
    assert tom["follow_ups_done_pct"] == 50.0 and tom["follow_up_satisfaction_avg"] == 3.0


def test_a_reopen_from_the_call_counts_as_a_repeat_visit(dispatcher, technician, completed, clock):
    job = completed()
    _sign(technician, job, rating=3)
    follow_up = _queue(dispatcher)[0]
    clock.advance(days=2)

    body = {"reached": True, "satisfaction": 2, "comment": "Warm air again", "reopen": True}
    answer = dispatcher.post(f"{FOLLOW_UPS}/{follow_up['id']}/outcome", json=body)
    assert answer.status_code == 200, answer.json
    assert answer.json["outcome"]["reopened"] is True
    wo = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json
    assert wo["status"] == "new" and wo["reopen_count"] == 1 and wo["first_time_fix"] is False
    reopen = next(e for e in wo["events"] if e["action"] == "reopen")
    assert reopen["details"]["reason"] == "Warm air again"
    assert reopen["details"]["follow_up_id"] == follow_up["id"]
    # a new SLA round from the reopen, as a dispatcher's reopen gives
    assert wo["response_due_at"] == (clock.now + timedelta(hours=4)).isoformat().replace("+00:00", "Z")
    kpis = dispatcher.get("/api/v1/reports/kpis?from=2026-11-23T00:00:00Z&to=2026-11-26T00:00:00Z").json
    assert kpis["repeat_visit_rate"] == 100.0


def test_a_reopen_of_a_job_already_reopened_is_refused_and_changes_nothing(dispatcher, completed, client_for):
    job = completed()
    _dispute(dispatcher, client_for, job)  # the job is back to new
    follow_up = _queue(dispatcher)[0]
    answer = dispatcher.post(f"{FOLLOW_UPS}/{follow_up['id']}/outcome", json={"reached": True, "reopen": True})
    assert answer.status_code == 409
    assert dispatcher.get(f"{FOLLOW_UPS}/{follow_up['id']}").json["done_at"] is None
    events = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json["events"]
    assert not [e for e in events if e["action"] == "follow_up_done"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reached"),
        ({"reached": "yes"}, "reached"),
        ({"reached": True, "satisfaction": 6}, "satisfaction"),
        ({"reached": True, "satisfaction": 0}, "satisfaction"),
        ({"reached": False, "satisfaction": 3}, "satisfaction"),
        ({"reached": False, "reopen": True}, "reopen"),
        ({"reached": True, "comment": "x" * 2001}, "comment"),
    ],
)
def test_a_bad_outcome_is_refused_with_the_field_and_changes_nothing(dispatcher, technician, completed, body, field):
    job = completed()
    _sign(technician, job, rating=1)
    follow_up = _queue(dispatcher)[0]
    answer = dispatcher.post(f"{FOLLOW_UPS}/{follow_up['id']}/outcome", json=body)
    assert answer.status_code == 422 and field in answer.json["error"]["fields"], answer.json
    assert dispatcher.get(f"{FOLLOW_UPS}/{follow_up['id']}").json["done_at"] is None


def test_a_bad_queue_query_is_refused(dispatcher):
    for query in ("status=late", "from=yesterday", "per_page=500"):
        assert dispatcher.get(f"{FOLLOW_UPS}?{query}").status_code == 422, query


def test_only_dispatchers_and_admins_see_and_record_calls(dispatcher, technician, completed, client_for, world):
    job = completed()
    _sign(technician, job, rating=1)
    follow_up = _queue(dispatcher)[0]
    admin = client_for(world.admin_email)
    assert admin.get(FOLLOW_UPS).json["total"] == 1
    assert technician.get(FOLLOW_UPS).status_code == 403
    refused = technician.post(f"{FOLLOW_UPS}/{follow_up['id']}/outcome", json={"reached": True})
    assert refused.status_code == 403
    assert client_for().get(FOLLOW_UPS).status_code == 401
    assert dispatcher.post(f"{FOLLOW_UPS}/999999/outcome", json={"reached": True}).status_code == 404
    assert admin.post(f"{FOLLOW_UPS}/{follow_up['id']}/outcome", json={"reached": False}).status_code == 200


def test_a_job_disputed_then_closed_again_keeps_its_one_call(dispatcher, technician, completed, client_for, world):
    job = completed()
    _dispute(dispatcher, client_for, job)
    url = f"/api/v1/work-orders/{job['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    done = {"resolution": "Compressor replaced", "first_time_fix": True}
    assert technician.post(f"{url}/actions/complete", json=done).status_code == 200
    _sign(technician, job, rating=1)

    assert _reasons(dispatcher) == {job["id"]: "dispute"}
    assert len(_queue(dispatcher)) == 1
