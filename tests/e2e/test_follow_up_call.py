"""A follow-up call in Chromium: a job signed off with a low rating joins the follow-up queue; the
dispatcher opens the call (the customer's phone as a call link, the job and its history on one
screen), records that the customer is still unhappy, and the call reopens the job as a repeat visit."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_to_console
from tests.helpers import signature_data_url

TITLE = "Air conditioner blows warm air"


def _signed_unhappy(dispatcher, technician, world, new_work_order) -> dict:
    job = new_work_order(title=TITLE)
    url = f"/api/v1/work-orders/{job['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    done = {"resolution": "Start capacitor replaced", "first_time_fix": True}
    assert technician.post(f"{url}/actions/complete", json=done).status_code == 200
    sign = {"signer_name": "Mrs Li", "signature": signature_data_url(), "rating": 2}
    assert technician.post(f"{url}/signoff", json=sign).status_code == 201
    return job


def test_a_follow_up_call_reopens_the_job_as_a_repeat_visit(
    live_server, desk, dispatcher, technician, world, new_work_order, axe
):
    job = _signed_unhappy(dispatcher, technician, world, new_work_order)
    log_in_to_console(desk, live_server, world.dispatcher_email)

    expect(desk.get_by_role("link", name="Follow-up calls: 1 due, 0 overdue")).to_be_visible()  # on the board
    desk.get_by_role("link", name="Follow-up calls", exact=True).click()
    queue = desk.get_by_role("table", name="Follow-up queue")
    row = queue.get_by_role("row").filter(has_text=job["number"])
    expect(row).to_contain_text("Low rating")
    expect(row.get_by_role("link", name="Call Acme Bakery on +86 21 5555 0101")).to_have_attribute(
        "href", "tel:+862155550101"
    )
    axe(desk, "the follow-up queue")

    row.get_by_role("link", name=f"{job['number']} {TITLE}").click()
    expect(desk.get_by_role("heading", name=f"Follow-up call for {job['number']}")).to_be_visible()
    history = desk.get_by_role("list", name="History")
    expect(history).to_contain_text("Closed: signed by Mrs Li")
    expect(history).to_contain_text("rating 2/5")
    axe(desk, "a follow-up call")

    # Keyboard only: tick, choose, type, submit.
    desk.get_by_label("The customer answered").focus()
    desk.keyboard.press("Space")
    desk.get_by_label("Satisfaction (1-5)").select_option("2")
    desk.get_by_label("What the customer said").fill("Warm air again since yesterday")
    desk.get_by_label("The problem is back: reopen the job (a repeat visit)").check()
    desk.get_by_role("button", name="Record the outcome").press("Enter")

    expect(desk.get_by_role("status").filter(has_text="Recorded")).to_contain_text("job reopened")
    expect(history).to_contain_text("Reopened by Dana Dispatcher")
    expect(history).to_contain_text("Follow-up call recorded by Dana Dispatcher: reached, satisfaction 2/5")
    expect(desk.get_by_text("(new)")).to_be_visible()

    detail = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json
    assert detail["status"] == "new" and detail["reopen_count"] == 1 and detail["first_time_fix"] is False

    desk.get_by_role("link", name="← Follow-up calls").click()
    desk.get_by_role("link", name="Done").click()
    expect(desk.get_by_role("table", name="Follow-up queue")).to_contain_text("reached, satisfaction 2/5, job reopened")
    assert desk.errors == []
