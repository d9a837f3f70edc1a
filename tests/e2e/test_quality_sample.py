"""A month's quality sample in Chromium: the dispatcher draws it, finds the items the record answers
already filled in, scores the rest, and the sampled job gets its score; drawing again adds none."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_to_console
from tests.helpers import signature_data_url


def _closed_job(dispatcher, technician, world, new_work_order) -> dict:
    job = new_work_order(title="Air conditioner blows warm air")
    url = f"/api/v1/work-orders/{job['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    done = {"resolution": "Start capacitor replaced", "first_time_fix": True}
    assert technician.post(f"{url}/actions/complete", json=done).status_code == 200
    sign = {"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": 5}
    assert technician.post(f"{url}/signoff", json=sign).status_code == 201
    return job


def test_a_month_sample_is_drawn_and_scored(
    live_server, desk, dispatcher, technician, world, new_work_order, clock, axe
):
    job = _closed_job(dispatcher, technician, world, new_work_order)
    period = clock().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")  # the company's month
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.get_by_role("link", name="Quality", exact=True).click()
    desk.goto(f"{live_server}/dispatch#/quality?period={period}")
    expect(desk.get_by_text("No job sampled for this month yet.")).to_be_visible()

    desk.get_by_label("Jobs per technician").fill("1")
    desk.get_by_role("button", name="Draw the sample").click()
    expect(desk.get_by_role("status").filter(has_text="1 job added to the sample.")).to_be_visible()
    review = desk.get_by_role("form", name=f"{job['number']} Air conditioner blows warm air — Tom Tech")
    expect(review.get_by_label("Photo attached")).to_have_value("false")
    expect(review.get_by_label("Signed by the customer")).to_have_value("true")
    expect(review.get_by_label("Responded on time")).to_have_value("true")
    expect(review.get_by_label("Explained to the customer")).to_have_value("")
    expect(review).to_contain_text("Not scored yet")
    axe(desk, "the quality sample")

    review.get_by_label("Explained to the customer").select_option("Yes")
    review.get_by_label("Site left clean").select_option("Yes")
    review.get_by_label("Correct diagnosis").select_option("Yes")
    review.get_by_label("Notes").fill("Clear explanation, tidy site")
    review.get_by_role("button", name="Save the score").click()
    expect(review).to_contain_text("Score 75 / 100")  # 6 of 8: no photo, no parts

    desk.get_by_role("button", name="Draw the sample").click()
    expect(desk.get_by_role("status").filter(has_text="0 jobs added to the sample.")).to_be_visible()
    expect(desk.get_by_role("form", name=f"{job['number']} Air conditioner blows warm air — Tom Tech")).to_have_count(1)
    assert desk.errors == []
