"""The work-order search as an after-sales desk uses it: a caller's phone number (typed as they say
it), their name, the address, the work-order number; closed jobs are found too when the list asks
for every status (the board's search does)."""

from __future__ import annotations

import pytest

from backend.domain.directory import create_customer
from backend.extensions import db
from tests.helpers import signature_data_url

EVERY_STATUS = "new,assigned,accepted,en_route,on_site,on_hold,completed,closed,cancelled"


@pytest.fixture
def caller(app):
    """A second customer with a phone written the way intake often stores it."""
    with app.app_context():
        customer = create_customer(
            db.session,
            {
                "name": "Zhang Wei Hotpot",
                "phone": "+86 (21) 6288-4471",
                "address": "88 Huaihai Middle Rd",
                "location": {"lat": 31.22, "lon": 121.46},
            },
        )
        db.session.commit()
        return customer.id


def close_job(dispatcher, technician, world, job_id):
    url = f"/api/v1/work-orders/{job_id}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Seal replaced", "first_time_fix": True})
    assert done.status_code == 200, done.json
    signed = technician.post(f"{url}/signoff", json={"signer_name": "Mr Zhang", "signature": signature_data_url()})
    assert signed.status_code == 201, signed.json


def search(client, text, statuses=EVERY_STATUS):
    response = client.get("/api/v1/work-orders", query_string={"q": text, "status": statuses, "per_page": 200})
    assert response.status_code == 200, response.json
    return {item["number"] for item in response.json["items"]}


@pytest.fixture
def jobs(dispatcher, technician, world, new_work_order, caller):
    """A closed job of the caller's, an open job of the caller's at another address, another customer's."""
    closed = new_work_order(customer_id=caller, title="Dishwasher leaks", address="88 Huaihai Middle Rd")
    close_job(dispatcher, technician, world, closed["id"])
    open_ = new_work_order(customer_id=caller, title="Extractor fan noisy", address="12 Fuxing Rd, unit 3")
    other = new_work_order(title="Cold room alarm")
    return {"closed": closed["number"], "open": open_["number"], "other": other["number"]}


@pytest.mark.parametrize("typed", ["62884471", "6288 4471", "021-6288-4471", "+86 21 6288 4471", "(21) 6288"])
def test_a_phone_number_finds_the_callers_jobs_closed_ones_too(dispatcher, jobs, typed):
    assert search(dispatcher, typed) == {jobs["closed"], jobs["open"]}


def test_a_few_digits_are_not_a_phone_number(dispatcher, jobs):
    assert search(dispatcher, "21") == set()  # would be in every Shanghai number


def test_the_address_of_the_job_or_the_customer(dispatcher, jobs):
    assert search(dispatcher, "fuxing rd") == {jobs["open"]}  # the job's own address
    assert search(dispatcher, "HUAIHAI") == {jobs["closed"], jobs["open"]}  # the customer's address


def test_the_customer_name_and_the_number(dispatcher, jobs):
    assert search(dispatcher, "zhang wei") == {jobs["closed"], jobs["open"]}
    assert search(dispatcher, jobs["closed"]) == {jobs["closed"]}
    assert search(dispatcher, jobs["closed"].lower().replace("-", "")) == {jobs["closed"]}


def test_the_status_filter_still_decides_whether_closed_jobs_show(dispatcher, jobs):
    open_statuses = "new,assigned,accepted,en_route,on_site,on_hold,completed"
    assert search(dispatcher, "62884471", open_statuses) == {jobs["open"]}


@pytest.mark.parametrize("typed", ["021-6288", "+86 21 6288", "0086 21 6288 44"])
def test_the_start_of_a_number_with_its_prefixes_finds_the_caller(dispatcher, jobs, typed):
    assert search(dispatcher, typed) == {jobs["closed"], jobs["open"]}
