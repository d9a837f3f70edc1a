"""Customer sign-off: on the technician's phone, or through a signed single-use link."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Log, Signoff
from tests.helpers import signature_data_url


def _completed(dispatcher, technician, world, new_work_order) -> dict:
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    technician.post(f"{url}/logs", json={"kind": "fix", "text": "Replaced the capacitor", "minutes": 30})
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Capacitor replaced", "first_time_fix": True})
    assert done.status_code == 200, done.json
    return done.json


def _token(link: dict) -> str:
    return link["url"].rsplit("/confirm/", 1)[1]


def _signoffs(app, wo_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signoff).where(Signoff.work_order_id == wo_id))


def test_link_shows_the_job_and_an_acceptance_closes_it_once(
    app, dispatcher, technician, world, new_work_order, client_for
):
    wo = _completed(dispatcher, technician, world, new_work_order)
    created = technician.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link")
    assert created.status_code == 201, created.json
    assert created.json["expires_at"] == "2026-11-30T09:00:00Z"  # seven days from now
    token = _token(created.json)

    customer = client_for()  # no login, no CSRF token: the signed link is the credential
    shown = customer.get(f"/api/v1/confirm/{token}")
    assert shown.status_code == 200
    assert shown.json["work_order"]["number"] == wo["number"]
    assert shown.json["work_order"]["technician_name"] == "Tom Tech"
    assert [log["text"] for log in shown.json["work_order"]["logs"]] == ["Replaced the capacitor"]

    answer = {"accepted": True, "signer_name": "Mr Wang", "rating": 4, "signature": signature_data_url()}
    confirmed = customer.http.post(f"/api/v1/confirm/{token}", json=answer)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "closed"
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["status"] == "closed" and detail["signoff"]["rating"] == 4

    reused = customer.http.post(f"/api/v1/confirm/{token}", json=answer)
    assert reused.status_code == 410 and reused.json["error"]["code"] == "gone"
    assert reused.json["error"]["reason"] == "used"
    assert customer.get(f"/api/v1/confirm/{token}").status_code == 410
    assert _signoffs(app, wo["id"]) == 1
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["version"] == detail["version"]


def test_an_expired_link_changes_nothing(app, dispatcher, technician, world, new_work_order, client_for, clock):
    wo = _completed(dispatcher, technician, world, new_work_order)
    token = _token(dispatcher.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json)
    clock.advance(days=7)
    customer = client_for()
    assert customer.get(f"/api/v1/confirm/{token}").status_code == 410
    late = customer.http.post(f"/api/v1/confirm/{token}", json={"accepted": True, "signer_name": "Late"})
    assert late.status_code == 410 and late.json["error"]["reason"] == "expired"
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["status"] == "completed"
    assert _signoffs(app, wo["id"]) == 0


def test_an_altered_token_is_not_found(app, dispatcher, technician, world, new_work_order, client_for):
    wo = _completed(dispatcher, technician, world, new_work_order)
    token = _token(dispatcher.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json)
    customer = client_for()
    # A character inside the signature (the last one carries unused bits: changing it may not change it).
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for bad in (flipped, "x" + token, "not-a-token"):
        assert customer.get(f"/api/v1/confirm/{bad}").status_code == 404
        posted = customer.http.post(f"/api/v1/confirm/{bad}", json={"accepted": True, "signer_name": "Eve"})
        assert posted.status_code == 404 and posted.json["error"]["code"] == "not_found"
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["status"] == "completed"


def test_a_dispute_reopens_the_job_and_counts_as_a_repeat_visit(
    app, dispatcher, technician, world, new_work_order, client_for
):
    wo = _completed(dispatcher, technician, world, new_work_order)
    token = _token(dispatcher.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json)
    disputed = client_for().http.post(
        f"/api/v1/confirm/{token}", json={"accepted": False, "signer_name": "Mr Wang", "comment": "Still warm air"}
    )
    assert disputed.status_code == 200 and disputed.json["status"] == "new"
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    reopen = detail["events"][-1]
    assert reopen["action"] == "reopen" and reopen["actor"]["kind"] == "customer"
    assert reopen["details"]["reason"] == "Still warm air"
    kpis = dispatcher.get("/api/v1/reports/kpis?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z").json
    assert kpis["repeat_visit_rate"] == 100.0 and kpis["complaint_rate"] == 100.0


def test_a_device_signoff_makes_an_open_link_moot(app, dispatcher, technician, world, new_work_order, client_for):
    wo = _completed(dispatcher, technician, world, new_work_order)
    token = _token(technician.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json)
    signed = technician.post(
        f"/api/v1/work-orders/{wo['id']}/signoff", json={"signer_name": "Mrs Li", "signature": signature_data_url()}
    )
    assert signed.status_code == 201
    late = client_for().http.post(f"/api/v1/confirm/{token}", json={"accepted": False, "signer_name": "Mrs Li"})
    assert late.status_code == 410 and late.json["error"]["reason"] == "moot"
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["status"] == "closed"


def test_links_only_for_completed_jobs_and_their_own_technician(
    app, dispatcher, technician, world, new_work_order, client_for
):
    open_job = new_work_order()
    refused = dispatcher.post(f"/api/v1/work-orders/{open_job['id']}/confirmation-link")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "conflict"
    wo = _completed(dispatcher, technician, world, new_work_order)
    stranger = client_for(world.other_tech_email)
    assert stranger.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").status_code == 404


def test_a_bad_signature_is_refused_and_changes_nothing(app, dispatcher, technician, world, new_work_order):
    wo = _completed(dispatcher, technician, world, new_work_order)
    url = f"/api/v1/work-orders/{wo['id']}/signoff"
    for signature, message in (
        ("data:image/jpeg;base64,AAAA", "data:image/png"),
        ("data:image/png;base64,@@@", "base64"),
        ("data:image/png;base64,aGVsbG8=", "PNG"),
    ):
        refused = technician.post(url, json={"signer_name": "Mrs Li", "signature": signature})
        assert refused.status_code == 422, refused.json
        assert message in refused.json["error"]["fields"]["signature"][0]
    for rating in (0, 6):
        refused = technician.post(url, json={"signer_name": "A", "signature": signature_data_url(), "rating": rating})
        assert refused.status_code == 422 and "rating" in refused.json["error"]["fields"]
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["status"] == "completed" and detail["signoff"] is None and detail["version"] == wo["version"]


def test_a_later_change_to_the_signed_record_shows(app, dispatcher, technician, world, new_work_order):
    wo = _completed(dispatcher, technician, world, new_work_order)
    technician.post(
        f"/api/v1/work-orders/{wo['id']}/signoff", json={"signer_name": "Mrs Li", "signature": signature_data_url()}
    )
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["signoff"]["record_valid"] is True
    with app.app_context():  # someone edits the log behind the application's back
        log = db.session.scalars(select(Log).where(Log.work_order_id == wo["id"])).one()
        log.text = "Replaced nothing"
        db.session.commit()
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["signoff"]["record_valid"] is False
