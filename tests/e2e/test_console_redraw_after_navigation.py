"""A live redraw asked for on one screen never falls on the next: the console waits a second before
redrawing a live screen after a change, and a dispatcher who follows a link within that second to a
page of forms (a machine, with its maintenance-plan form) kept what they had typed. The redraw used
to land there anyway and close the form (the equipment test failed so in CI under load)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from backend.api.live import worker_stream_cap
from backend.domain.assets import create_asset
from backend.extensions import db
from backend.models import Customer
from tests.e2e.conftest import log_in_to_console


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
    first_poll = lambda response: "/api/v1/events" in response.url and "/stream" not in response.url  # noqa: E731
    with desk.expect_response(first_poll):
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
