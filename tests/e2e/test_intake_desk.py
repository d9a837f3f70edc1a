"""Intake at the desk, in Chromium: a refused job leaves no customer behind however often it is
tried, and a caller who is already a customer is offered before a second one is made."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Customer, WorkOrder
from tests.e2e.conftest import log_in_to_console


def _customers(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(c.id, c.name) for c in db.session.scalars(select(Customer).order_by(Customer.id))]


def _job_customer(app) -> int:
    with app.app_context():
        [customer_id] = db.session.scalars(select(WorkOrder.customer_id)).all()
        return customer_id


def _fill_job(page, skill="hvac"):
    page.get_by_label("Title").fill("Washing machine leaks")
    page.get_by_role("group", name="Required skills").get_by_label(skill).check()
    page.get_by_label("Latitude").fill("31.2304")
    page.get_by_label("Longitude").fill("121.4737")


def test_a_refused_intake_creates_no_customer_however_often_it_is_tried(app, live_server, desk, world):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(live_server + "/dispatch#/new")
    desk.get_by_label("Customer", exact=True).fill("Zhou Min")
    desk.get_by_label("Phone").fill("139 1234 5678")
    _fill_job(desk, skill="plumbing")
    desk.get_by_label("Type").select_option("complaint")
    desk.get_by_label("About work order (id)").fill("999")  # no such job: refused by the server
    for _ in range(2):
        desk.get_by_role("button", name="Create work order").click()
        expect(desk.get_by_role("alert")).to_contain_text("related_work_order_id")
    assert _customers(app) == [(world.customer_id, "Acme Bakery")]

    desk.get_by_label("About work order (id)").fill("")
    desk.get_by_role("button", name="Create work order").click()
    expect(desk.locator("#job-status")).to_have_text("New")
    assert [name for _, name in _customers(app)] == ["Acme Bakery", "Zhou Min"]


def test_typing_a_known_name_offers_the_customer_instead_of_making_a_second(app, live_server, desk, world):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(live_server + "/dispatch#/new")
    desk.get_by_label("Customer", exact=True).fill("Acme Bakery")  # typed, no suggestion clicked
    known = desk.get_by_role("region", name="Known customers like this caller")
    expect(known).to_contain_text("+86 21 5555 0101")
    _fill_job(desk)
    desk.get_by_role("button", name="Create work order").click()  # not confirmed as new: refused
    expect(desk.get_by_role("alert")).to_contain_text("may already be a customer")
    assert len(_customers(app)) == 1

    known.get_by_role("button", name=f"Use Acme Bakery (#{world.customer_id})").click()
    expect(desk.get_by_label("Phone")).to_have_value("+86 21 5555 0101")
    desk.get_by_role("button", name="Create work order").click()
    expect(desk.locator("#job-status")).to_have_text("New")
    assert _job_customer(app) == world.customer_id and len(_customers(app)) == 1


def test_a_known_phone_under_another_name_is_offered_and_a_namesake_can_be_confirmed_new(
    app,
    live_server,
    desk,
    world,
):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(live_server + "/dispatch#/new")
    desk.get_by_label("Customer", exact=True).fill("Mr Zhang")
    desk.get_by_label("Phone").fill("021-5555-0101")  # Acme Bakery's number, typed the domestic way
    expect(desk.get_by_role("region", name="Known customers like this caller")).to_contain_text("Acme Bakery")
    desk.get_by_label("This is a new customer, none of the above").check()
    _fill_job(desk)
    desk.get_by_role("button", name="Create work order").click()
    expect(desk.locator("#job-status")).to_have_text("New")
    assert [name for _, name in _customers(app)] == ["Acme Bakery", "Mr Zhang"]


def test_intake_for_a_given_customer_starts_with_them_chosen(app, live_server, desk, world):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(live_server + f"/dispatch#/intake?customer={world.customer_id}")
    expect(desk.get_by_label("Customer", exact=True)).to_have_value(f"Acme Bakery (#{world.customer_id})")
    expect(desk.get_by_label("Latitude")).to_have_value("31.2304")
    desk.get_by_label("Title").fill("Oven thermostat")
    desk.get_by_role("button", name="Create work order").click()
    expect(desk.locator("#job-status")).to_have_text("New")
    assert _job_customer(app) == world.customer_id
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
