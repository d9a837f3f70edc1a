"""Live redraws never throw away what a dispatcher typed. The console redraws a live screen a second
after a change: a redraw due on one screen must not fall on the next (a machine's page, with its
maintenance-plan form), and must wait while a form holds unsent input even when the focus has left
its fields (on the button being pressed). Both failed now and then in CI under load. The page's
clock is Playwright's, so the second passes when the test says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from backend.api.live import worker_stream_cap
from backend.domain.assets import create_asset
from backend.extensions import db
from backend.models import Customer
from tests.e2e.conftest import log_in_to_console
from tests.e2e.test_console_desk import completed_job

POLL_MS = 3_000  # the console's polling interval (dispatch.js)


def _poll(response) -> bool:
    return "/api/v1/events" in response.url and "/stream" not in response.url


def _machine(app, customer_id: int) -> int:
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        asset = create_asset(db.session, customer, {"model": "Gree KFR-35GW", "serial": "SN-7"}, datetime.now(UTC))
        db.session.commit()
        return asset.id


def test_a_redraw_due_on_the_board_does_not_close_the_form_the_dispatcher_moved_to(app, live_server, desk, world):
    asset_id = _machine(app, world.customer_id)
    slots = app.extensions["onsite_stream_slots"]
    while slots.take(worker_stream_cap(app.config)):  # polling: its first answer asks for a redraw
        pass
    start = datetime.now(UTC)
    desk.clock.install(time=start)
    desk.clock.pause_at(start + timedelta(seconds=1))  # the redraw stays due until the test lets time run
    with desk.expect_response(_poll):
        log_in_to_console(desk, live_server, world.dispatcher_email)

    desk.goto(f"{live_server}/dispatch#/assets/{asset_id}")
    desk.get_by_text("New maintenance plan").click()
    plan_form = desk.get_by_role("form", name="New maintenance plan")
    plan_form.get_by_label("Plan").fill("Quarterly filter service")
    plan_form.get_by_label("Repeats (RFC 5545 rule)").fill("FREQ=HOURLY")
    plan_form.get_by_label("Starts on").fill("2030-01-15")
    plan_form.get_by_role("button", name="Create plan").click()
    expect(desk.get_by_role("alert").filter(has_text="more than daily")).to_be_visible()

    desk.clock.run_for(3_000)  # the board's redraw would have come by now

    expect(plan_form.get_by_label("Plan")).to_have_value("Quarterly filter service")
    expect(desk.get_by_role("alert").filter(has_text="more than daily")).to_be_visible()


def test_a_redraw_waits_while_a_form_holds_what_the_dispatcher_typed(
    app, live_server, desk, world, dispatcher, technician, new_work_order
):
    """On a live screen (a job), the dispatcher has typed a reopen reason and is pressing the button
    (the focus is on it, no longer in the field) when a change comes in: the redraw waits, and the
    reason is neither lost nor sent empty (the desk's reopen test failed so now and then under load)."""
    job = completed_job(dispatcher, technician, world, new_work_order, title="Dryer drum noisy")
    slots = app.extensions["onsite_stream_slots"]
    while slots.take(worker_stream_cap(app.config)):  # polling, so that the test says when news comes
        pass
    start = datetime.now(UTC)
    desk.clock.install(time=start)
    desk.clock.pause_at(start + timedelta(seconds=1))
    with desk.expect_response(_poll):
        log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(f"{live_server}/dispatch#/jobs/{job['id']}")
    desk.get_by_label("Reopen reason").fill("Customer called: noise is back")
    desk.get_by_role("button", name="Reopen job").focus()
    job_reads = []
    desk.on("request", lambda r: job_reads.append(r.url) if r.url.endswith(f"/work-orders/{job['id']}") else None)

    new_work_order(title="Meanwhile, another call")  # news for the next poll
    with desk.expect_response(_poll):
        desk.clock.run_for(POLL_MS + 100)
    desk.clock.run_for(3_000)  # the redraw asked for by the news is due
    desk.evaluate("() => fetch('/api/v1/meta').then((r) => r.status)")  # every request before this one seen

    assert job_reads == []
    expect(desk.get_by_label("Reopen reason")).to_have_value("Customer called: noise is back")
