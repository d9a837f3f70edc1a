"""Who answered for the customer: every sign-off records the answering device's address and
browser, whether a staff session was present, and (on the phone) how far from the site it was
given; answers that look given by staff are flagged."""

from __future__ import annotations

from tests.helpers import signature_data_url

PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0"}


def _completed(dispatcher, technician, world, new_work_order) -> dict:
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        technician.post(f"{url}/actions/{action}", json={})
    technician.post(f"{url}/actions/complete", json={"resolution": "Fixed", "first_time_fix": True})
    return wo


def _link_token(client, wo) -> str:
    return client.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json["url"].rsplit("/", 1)[1]


def _signoff(dispatcher, wo) -> dict:
    return dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["signoff"]


def test_the_customers_own_answer_is_recorded_unflagged(dispatcher, technician, world, new_work_order, client_for):
    wo = _completed(dispatcher, technician, world, new_work_order)
    token = _link_token(technician, wo)
    answer = {"accepted": True, "signer_name": "Mrs Li", "rating": 5}
    assert client_for().http.post(f"/api/v1/confirm/{token}", json=answer, headers=PHONE).status_code == 200
    signoff = _signoff(dispatcher, wo)
    assert signoff["answered_from"] == {
        "address": "127.0.0.1",
        "user_agent": PHONE["User-Agent"],
        "staff_user_id": None,
    }
    assert signoff["flags"] == [] and signoff["distance_km"] is None


def test_a_technician_answering_their_own_link_is_flagged(dispatcher, technician, world, new_work_order):
    wo = _completed(dispatcher, technician, world, new_work_order)
    token = _link_token(technician, wo)
    answer = {"accepted": True, "signer_name": "Mrs Li", "rating": 5}
    assert technician.post(f"/api/v1/confirm/{token}", json=answer).status_code == 200
    signoff = _signoff(dispatcher, wo)
    assert signoff["flags"] == ["staff_session", "own_technician"]
    assert signoff["answered_from"]["staff_user_id"] == technician.user["id"]
    seen_by_technician = technician.get(f"/api/v1/work-orders/{wo['id']}").json
    assert "flags" not in seen_by_technician["signoff"] and "answered_from" not in seen_by_technician["signoff"]
    assert "flags" not in seen_by_technician["events"][-1]["details"]


def test_a_signature_on_the_phone_far_from_the_site_is_flagged(dispatcher, technician, world, new_work_order):
    far, near = (_completed(dispatcher, technician, world, new_work_order) for _ in range(2))
    body = {"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": 5}
    away = {"lat": 31.68, "lon": 121.4737}  # 50 km north of the site
    assert (
        technician.post(f"/api/v1/work-orders/{far['id']}/signoff", json={**body, "location": away}).status_code == 201
    )
    at_site = {"lat": 31.2306, "lon": 121.4738}
    signed = technician.post(f"/api/v1/work-orders/{near['id']}/signoff", json={**body, "location": at_site})
    assert signed.status_code == 201
    far_signoff, near_signoff = _signoff(dispatcher, far), _signoff(dispatcher, near)
    assert far_signoff["flags"] == ["away_from_site"] and 49 < far_signoff["distance_km"] < 51
    assert near_signoff["flags"] == [] and near_signoff["distance_km"] < 0.05


def test_flagged_answers_are_counted_and_left_out_of_satisfaction(
    dispatcher, technician, world, new_work_order, client_for
):
    own, customers = (_completed(dispatcher, technician, world, new_work_order) for _ in range(2))
    technician.post(
        f"/api/v1/confirm/{_link_token(technician, own)}", json={"accepted": True, "signer_name": "Li", "rating": 5}
    )
    client_for().http.post(
        f"/api/v1/confirm/{_link_token(technician, customers)}",
        json={"accepted": True, "signer_name": "Wu", "rating": 2},
    )
    kpis = dispatcher.get("/api/v1/reports/kpis?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z").json
    assert kpis["flagged_answers"] == 1 and kpis["csat_avg"] == 2.0
