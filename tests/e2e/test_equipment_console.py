"""The console's equipment and maintenance screens in Chromium: a dispatcher registers a customer's
machine (a duplicate serial is refused and nothing saved), sees its label and history, plans its
maintenance and pauses the plan; at intake, the serial read off the machine fills in the customer
and ties the job to the machine."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Asset, WorkOrder
from tests.e2e.conftest import log_in_to_console

SLOW = 20_000  # ms: a screen that waits on several requests, on a machine shared with other test runs


def _add_machine(desk, serial: str) -> None:
    desk.get_by_role("button", name="Add a machine").click()
    form = desk.get_by_role("form", name="A new machine for Acme Bakery")
    form.get_by_label("Model").fill("Gree KFR-35GW")
    form.get_by_label("Serial number").fill(serial)
    form.get_by_label("Warranty until").fill("2030-06-30")
    form.get_by_label("Where on the premises").fill("Server room")
    form.get_by_role("button", name="Add machine").click()


def test_a_dispatcher_registers_a_machine_and_plans_its_maintenance(live_server, desk, world, app, axe):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(f"{live_server}/dispatch#/customers/{world.customer_id}")
    expect(desk.get_by_role("heading", name="Machines (0)")).to_be_visible()
    axe(desk, "a customer's page with its machines")
    _add_machine(desk, "SN-9001")

    expect(desk.get_by_role("heading", name="Gree KFR-35GW · SN-9001")).to_be_visible(timeout=SLOW)
    expect(desk.get_by_text("Who pays today: In warranty")).to_be_visible()
    expect(desk.get_by_role("img", name="QR label of serial SN-9001")).to_be_visible()
    expect(desk.get_by_text("No jobs on this machine yet.")).to_be_visible()
    axe(desk, "a machine's page")

    # The same serial again: refused, nothing saved.
    desk.get_by_role("link", name="← Acme Bakery").click()
    expect(desk.get_by_role("heading", name="Machines (1)")).to_be_visible()
    _add_machine(desk, "SN-9001")
    expect(desk.get_by_role("alert").filter(has_text="already registered")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Asset)) == 1

    axe(desk, "the new machine form")
    # A maintenance plan, from the machine's page.
    desk.get_by_role("link", name="← Acme Bakery").click()
    desk.get_by_role("link", name="Gree KFR-35GW · SN-9001").click()
    desk.get_by_text("New maintenance plan").click()
    plan_form = desk.get_by_role("form", name="New maintenance plan")
    plan_form.get_by_label("Plan").fill("Quarterly filter service")
    plan_form.get_by_label("Repeats (RFC 5545 rule)").fill("FREQ=HOURLY")
    plan_form.get_by_label("Starts on").fill("2030-01-15")
    plan_form.get_by_role("button", name="Create plan").click()
    expect(desk.get_by_role("alert").filter(has_text="more than daily")).to_be_visible()
    plan_form.get_by_label("Repeats (RFC 5545 rule)").fill("FREQ=MONTHLY;INTERVAL=3")
    plan_form.get_by_role("button", name="Create plan").click()

    expect(desk.get_by_role("heading", name="Quarterly filter service")).to_be_visible(timeout=SLOW)
    upcoming = desk.get_by_role("list", name="Next dates")
    expect(upcoming.get_by_role("listitem")).to_have_count(5)
    expect(upcoming.get_by_role("listitem").first).to_have_text("2030-01-15")
    expect(desk.get_by_text("No work order made yet.")).to_be_visible()
    axe(desk, "a maintenance plan")
    desk.get_by_role("button", name="Pause: Quarterly filter service").click()
    expect(desk.get_by_role("status").filter(has_text="Paused")).to_be_visible()

    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Maintenance").click()
    row = desk.get_by_role("table", name="Maintenance plans").get_by_role("row").filter(has_text="Quarterly")
    expect(row).to_contain_text("Paused")
    axe(desk, "the maintenance plans")
    row.get_by_role("button", name="Resume: Quarterly filter service").click()
    expect(row).to_contain_text("2030-01-15")
    assert desk.errors == []


def test_at_intake_the_serial_finds_the_machine_and_its_customer(live_server, desk, world, dispatcher, app):
    asset = dispatcher.post(
        f"/api/v1/customers/{world.customer_id}/assets",
        json={"model": "Daikin VRV-X", "serial": "VRV-123", "contract_until": "2031-01-01"},
    ).json
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(f"{live_server}/dispatch#/new")
    desk.get_by_label("Serial number on the machine").fill("vrv-123")
    desk.get_by_role("button", name="Find the machine").click()
    found = desk.get_by_role("status").filter(has_text="Daikin VRV-X · VRV-123 of Acme Bakery")
    expect(found).to_contain_text("Under contract", timeout=SLOW)
    expect(desk.get_by_label("Customer", exact=True)).to_have_value(f"Acme Bakery (#{world.customer_id})")
    desk.get_by_label("Title", exact=True).fill("Outdoor unit rattles")
    desk.get_by_role("button", name="Create work order").click()
    expect(desk.get_by_role("heading", name="Outdoor unit rattles")).to_be_visible(timeout=SLOW)
    with app.app_context():
        job = db.session.scalar(select(WorkOrder))
        assert (job.asset_id, job.warranty) == (asset["id"], "under_contract")
    assert desk.errors == []
