"""Quality sampling (质检) through the API, on SQLite and PostgreSQL: a month's sample per technician
(repeatable, seeded from the period), the same period twice adds none, the items the data answers
filled in, the reviewer's score, roles and validation."""

from __future__ import annotations

import io

import pytest

from backend.domain.quality import pick
from tests.helpers import image_bytes, signature_data_url

REVIEWS = "/api/v1/quality-reviews"
REVIEWER_ANSWERS = {"explained_to_customer": True, "site_left_clean": False, "correct_diagnosis": True}


@pytest.fixture
def closed_job(dispatcher, client_for, world, new_work_order):
    """`closed_job(email, technician_id, photo=False, parts=False)` → the id of a job that technician
    closed (signed on the phone) just now, on time."""

    def make(email, technician_id, *, photo=False, parts=False) -> int:
        technician = client_for(email)
        wo = new_work_order(required_skills=[])
        url = f"/api/v1/work-orders/{wo['id']}"
        assert dispatcher.post(f"{url}/assign", json={"technician_id": technician_id}).status_code == 200
        for action in ("accept", "arrive"):
            assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
        if parts:
            part = {"kind": "part", "parts": [{"sku": "RLY-24", "name": "Relay 24V", "qty": 1}]}
            assert technician.post(f"{url}/logs", json=part).status_code == 201
        if photo:
            upload = {"file": (io.BytesIO(image_bytes()), "unit.png", "image/png")}
            response = technician.post(f"{url}/attachments", data=upload, content_type="multipart/form-data")
            assert response.status_code == 201, response.json
        done = {"resolution": "Relay replaced", "first_time_fix": True}
        assert technician.post(f"{url}/actions/complete", json=done).status_code == 200
        sign = {"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": 5}
        assert technician.post(f"{url}/signoff", json=sign).status_code == 201
        return wo["id"]

    return make


def _jobs(world, closed_job, mine: int, others: int) -> tuple[list[int], list[int]]:
    tom = [closed_job(world.tech_email, world.technician_id) for _ in range(mine)]
    olga = [closed_job(world.other_tech_email, world.other_technician_id) for _ in range(others)]
    return tom, olga


def test_the_sample_takes_per_technician_jobs_of_each_technician_and_repeats(dispatcher, world, closed_job):
    tom, olga = _jobs(world, closed_job, mine=4, others=1)

    drawn = dispatcher.post(f"{REVIEWS}/sample", json={"period": "2026-11", "per_technician": 2})
    assert drawn.status_code == 201, drawn.json
    by_technician = {}
    for review in drawn.json["items"]:
        by_technician.setdefault(review["technician"]["id"], []).append(review["work_order"]["id"])
    assert by_technician == {
        world.technician_id: pick("2026-11", world.technician_id, tom, 2),
        world.other_technician_id: olga,
    }
    assert len(set(by_technician[world.technician_id]) & set(tom)) == 2

    again = dispatcher.post(f"{REVIEWS}/sample", json={"period": "2026-11", "per_technician": 2})
    assert again.status_code == 201 and again.json["items"] == []
    assert dispatcher.get(f"{REVIEWS}?period=2026-11").json["total"] == 3
    mine = dispatcher.get(f"{REVIEWS}?period=2026-11&technician_id={world.technician_id}").json["items"]
    assert sorted(r["work_order"]["id"] for r in mine) == by_technician[world.technician_id]
    assert dispatcher.post(f"{REVIEWS}/sample", json={"period": "2026-12", "per_technician": 2}).json["items"] == []


def test_a_seed_from_the_period_picks_the_same_jobs_each_time_and_others_next_month():
    jobs = list(range(1, 101))
    assert pick("2026-11", 7, jobs, 5) == pick("2026-11", 7, jobs, 5)
    assert pick("2026-11", 7, jobs, 5) != pick("2026-12", 7, jobs, 5)
    assert pick("2026-11", 7, jobs[:3], 5) == jobs[:3]


def test_the_items_the_data_answers_are_filled_in(dispatcher, world, closed_job):
    full = closed_job(world.tech_email, world.technician_id, photo=True, parts=True)
    bare = closed_job(world.other_tech_email, world.other_technician_id)
    reviews = dispatcher.post(f"{REVIEWS}/sample", json={"period": "2026-11", "per_technician": 1}).json["items"]
    items = {r["work_order"]["id"]: r["items"] for r in reviews}
    assert items[full] == {
        "photo_attached": True,
        "parts_recorded": True,
        "signed_by_customer": True,
        "response_on_time": True,
        "resolved_on_time": True,
        "explained_to_customer": None,
        "site_left_clean": None,
        "correct_diagnosis": None,
    }
    assert items[bare]["photo_attached"] is False and items[bare]["parts_recorded"] is False
    assert all(r["score"] is None for r in reviews)


def test_the_reviewer_scores_the_rest_and_gets_the_share_of_yes(dispatcher, world, closed_job):
    closed_job(world.tech_email, world.technician_id, photo=True)  # no parts: parts_recorded false
    review = dispatcher.post(f"{REVIEWS}/sample", json={"period": "2026-11", "per_technician": 1}).json["items"][0]

    scored = dispatcher.post(f"{REVIEWS}/{review['id']}", json={"items": REVIEWER_ANSWERS, "notes": " Tidy "})
    assert scored.status_code == 200, scored.json
    assert scored.json["score"] == 75  # 6 of 8 items yes
    assert scored.json["notes"] == "Tidy" and scored.json["items"]["site_left_clean"] is False
    corrected = dispatcher.post(f"{REVIEWS}/{review['id']}", json={"items": {"parts_recorded": True}})
    assert corrected.json["score"] == 88 and corrected.json["notes"] == "Tidy"
    listed = dispatcher.get(f"{REVIEWS}?period=2026-11").json["items"][0]
    assert listed["score"] == 88 and listed["reviewed_at"] is not None

    day = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"
    rows = dispatcher.get(f"/api/v1/reports/kpis/breakdown?by=technician&{day}").json["rows"]
    assert {row["label"]: row["quality_score"] for row in rows} == {"Tom Tech": 88.0}
    assert dispatcher.get(f"/api/v1/reports/kpis?{day}").json["quality_score"] == 88.0


@pytest.mark.parametrize(
    "items",
    [
        {"explained_to_customer": True},  # two items still open
        {**REVIEWER_ANSWERS, "smiled": True},
        {**REVIEWER_ANSWERS, "site_left_clean": "yes"},
        {**REVIEWER_ANSWERS, "site_left_clean": None},
    ],
)
def test_a_bad_score_is_refused_and_changes_nothing(dispatcher, world, closed_job, items):
    closed_job(world.tech_email, world.technician_id)
    review = dispatcher.post(f"{REVIEWS}/sample", json={"period": "2026-11", "per_technician": 1}).json["items"][0]
    refused = dispatcher.post(f"{REVIEWS}/{review['id']}", json={"items": items})
    assert refused.status_code == 422 and "items" in refused.json["error"]["fields"], refused.json
    assert dispatcher.get(REVIEWS).json["items"][0] == review


@pytest.mark.parametrize(
    "body",
    [
        {"period": "2026-13", "per_technician": 2},
        {"period": "November", "per_technician": 2},
        {"period": "2026-11", "per_technician": 0},
        {"period": "2026-11"},
        {"per_technician": 2},
    ],
)
def test_a_bad_sample_request_is_refused(dispatcher, body):
    refused = dispatcher.post(f"{REVIEWS}/sample", json=body)
    assert refused.status_code == 422 and refused.json["error"]["fields"], refused.json


def test_only_dispatchers_and_admins_sample_and_review(dispatcher, technician, client_for, world, closed_job):
    closed_job(world.tech_email, world.technician_id)
    admin = client_for(world.admin_email)
    assert technician.post(f"{REVIEWS}/sample", json={"period": "2026-11", "per_technician": 1}).status_code == 403
    assert technician.get(REVIEWS).status_code == 403
    review = admin.post(f"{REVIEWS}/sample", json={"period": "2026-11", "per_technician": 1}).json["items"][0]
    assert technician.post(f"{REVIEWS}/{review['id']}", json={"items": REVIEWER_ANSWERS}).status_code == 403
    assert dispatcher.post(f"{REVIEWS}/999999", json={"items": REVIEWER_ANSWERS}).status_code == 404
    assert dispatcher.get(f"{REVIEWS}?period=2026-1").status_code == 422


def test_a_period_outside_the_calendar_is_422(dispatcher):
    for period in ("0000-01", "9999-12"):
        response = dispatcher.post("/api/v1/quality-reviews/sample", json={"period": period, "per_technician": 1})
        assert response.status_code == 422 and "period" in response.json["error"]["fields"]
