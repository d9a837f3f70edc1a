"""The dispatcher console as an after-sales desk uses it, in Chromium: a timeline that reads in words,
a search by the caller's phone that finds closed jobs, the customer's page, editing a work order
(and an edit that lost a race), the skill warning before an assignment, the roster's edit form, and
technicians who share a name told apart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in_to_console
from tests.helpers import signature_data_url

CUSTOMER_PHONE = "+86 21 5555 0101"  # tests/factories.py: the world's customer


@pytest.fixture
def console(live_server, desk, world):
    """The console, logged in as Dana Dispatcher; `console(hash)` opens a screen."""
    log_in_to_console(desk, live_server, world.dispatcher_email)

    def open_screen(hash_: str):
        desk.goto(f"{live_server}/dispatch{hash_}")
        return desk

    yield open_screen
    assert desk.errors == []


def act(client, job_id: int, action: str, **body):
    response = client.post(f"/api/v1/work-orders/{job_id}/actions/{action}", json=body)
    assert response.status_code == 200, response.json
    return response.json


def completed_job(dispatcher, technician, world, new_work_order, **overrides) -> dict:
    job = new_work_order(**overrides)
    assert dispatcher.post(f"/api/v1/work-orders/{job['id']}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        act(technician, job["id"], action)
    act(technician, job["id"], "complete", resolution="Seal replaced", first_time_fix=True)
    return job


def closed_job(dispatcher, technician, world, new_work_order, **overrides) -> dict:
    job = completed_job(dispatcher, technician, world, new_work_order, **overrides)
    body = {"signer_name": "Mrs Lin", "signature": signature_data_url(), "rating": 4, "comment": "Quick and tidy"}
    assert technician.post(f"/api/v1/work-orders/{job['id']}/signoff", json=body).status_code == 201
    return job


def test_the_timeline_reads_in_words_and_the_board_flags_the_customers_reopen(
    console, dispatcher, technician, world, new_work_order, client_for
):
    job = new_work_order(title="Boiler leaks")
    url = f"/api/v1/work-orders/{job['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id}).status_code == 200
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        act(technician, job["id"], action)
    assert technician.post(f"{url}/logs", json={"kind": "note", "text": "Valve corroded"}).status_code == 201
    act(technician, job["id"], "complete", resolution="Valve replaced", first_time_fix=True)
    token = dispatcher.post(f"{url}/confirmation-link").json["url"].rsplit("/", 1)[1]
    answer = {"accepted": False, "signer_name": "Mrs Lin", "comment": "still leaking"}
    assert client_for().http.post(f"/api/v1/confirm/{token}", json=answer).status_code == 200

    desk = console(f"#/jobs/{job['id']}")
    timeline = desk.get_by_role("list", name="Timeline")
    expect(timeline).to_contain_text("Created by Dana Dispatcher")
    expect(timeline).to_contain_text("Assigned to Olga Other by Dana Dispatcher")
    expect(timeline).to_contain_text("Reassigned from Olga Other to Tom Tech by Dana Dispatcher")
    expect(timeline).to_contain_text("Note added by Tom Tech")
    expect(timeline).to_contain_text("Completed by Tom Tech (fixed first time): “Valve replaced”")
    expect(timeline).to_contain_text("Confirmation link created by Dana Dispatcher")
    reopened = timeline.get_by_role("listitem").filter(has_text="Reopened")
    expect(reopened).to_contain_text("Reopened by the customer (Mrs Lin): “still leaking”")
    for raw in ("log_added", "assign ", "reopen ", "null"):
        assert raw not in timeline.inner_text()

    desk.get_by_role("link", name="Board", exact=True).click()
    card = desk.get_by_role("list", name="New").get_by_role("listitem").filter(has_text="Boiler leaks")
    expect(card).to_contain_text("Reopened: “still leaking”")


def test_a_search_by_phone_finds_a_closed_job_and_leads_to_the_customer(
    console, dispatcher, technician, world, new_work_order
):
    closed = closed_job(dispatcher, technician, world, new_work_order, title="Fridge door seal")
    desk = console("#/board")
    expect(desk.get_by_role("list", name="Completed")).not_to_contain_text(closed["number"])  # the board: open jobs
    desk.get_by_label("Search").fill("021 5555 0101")  # as the caller says it
    desk.get_by_role("button", name="Filter").click()
    results = desk.get_by_role("table", name="Search results")
    row = results.get_by_role("row").filter(has_text=closed["number"])
    expect(row).to_contain_text("Closed")
    expect(row).to_contain_text(CUSTOMER_PHONE)
    row.get_by_role("link", name="Acme Bakery").click()
    expect(desk.get_by_role("heading", name="Acme Bakery")).to_be_visible()

    desk.get_by_role("link", name="Customers", exact=True).click()
    desk.get_by_label("Phone or name").fill("5555 0101")
    desk.get_by_role("button", name="Search").click()
    expect(desk.get_by_role("table", name="Customers")).to_contain_text("Acme Bakery")


def test_the_customer_page_lists_open_and_closed_jobs_and_starts_a_new_one(
    console, dispatcher, technician, world, new_work_order
):
    closed = closed_job(dispatcher, technician, world, new_work_order, title="Fridge door seal")
    open_ = new_work_order(title="Oven thermostat")
    desk = console(f"#/jobs/{open_['id']}")
    desk.get_by_role("link", name="Acme Bakery").click()  # the job screen's customer name

    jobs = desk.get_by_role("table", name="Jobs")
    expect(jobs.get_by_role("row").filter(has_text=closed["number"])).to_contain_text("Closed")
    expect(jobs.get_by_role("row").filter(has_text=open_["number"])).to_contain_text("New")
    signatures = desk.get_by_role("table", name="Signatures and ratings")
    expect(signatures).to_contain_text("Mrs Lin")
    expect(signatures).to_contain_text("4/5")
    expect(signatures).to_contain_text("Quick and tidy")
    expect(signatures.get_by_role("img", name="Signature of Mrs Lin")).to_be_visible()

    desk.get_by_role("button", name="New job for this customer").click()
    expect(desk).to_have_url(re.compile(rf"#/intake\?customer={world.customer_id}$"))
    expect(desk.get_by_role("heading", name="New work order")).to_be_visible()


def shown_time(desk, iso: str) -> str:
    """A time as the console writes it (the browser's locale and time zone)."""
    script = "(iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })"
    return desk.evaluate(script, iso)


def due_text(desk, job: dict) -> str:
    respond, resolve = (shown_time(desk, job[name]) for name in ("response_due_at", "resolve_due_at"))
    return f"Respond by {respond} · Resolve by {resolve}"


def test_editing_the_priority_moves_the_due_times_shown(console, dispatcher, new_work_order):
    job = new_work_order(priority="low")
    desk = console(f"#/jobs/{job['id']}")
    due = desk.get_by_text(re.compile("^Respond by .* · Resolve by "))
    expect(due).to_have_text(due_text(desk, job))

    desk.get_by_role("link", name="Edit work order").click()
    desk.get_by_label("Priority").select_option("urgent")
    expect(desk.get_by_text("With Urgent priority the due times become")).to_be_visible()
    desk.get_by_role("button", name="Save").click()

    expect(desk.locator("#job-status")).to_have_text("New")
    now = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json
    assert now["priority"] == "urgent" and now["response_due_at"] < job["response_due_at"]
    expect(due).to_have_text(due_text(desk, now))
    expect(desk.get_by_role("list", name="Timeline")).to_contain_text("Edited by Dana Dispatcher: priority")


def test_an_edit_that_lost_a_race_keeps_what_was_typed(console, dispatcher, new_work_order):
    job = new_work_order(priority="normal", address="1 Nanjing Rd")
    desk = console(f"#/jobs/{job['id']}/edit")
    desk.get_by_label("Address").fill("9 Fuxing Rd, back door")
    changed = dispatcher.patch(f"/api/v1/work-orders/{job['id']}", json={"priority": "high", "version": job["version"]})
    assert changed.status_code == 200  # meanwhile, at another desk

    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_role("alert")).to_contain_text(
        "Someone else changed this work order while you were editing it (priority"
    )
    expect(desk.get_by_label("Address")).to_have_value("9 Fuxing Rd, back door")
    expect(desk.get_by_label("Priority")).to_have_value("high")  # their change, where nothing was typed

    desk.get_by_role("button", name="Save").click()
    expect(desk.locator("#job-status")).to_be_visible()
    now = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json
    assert (now["address"], now["priority"]) == ("9 Fuxing Rd, back door", "high")


def test_assigning_someone_without_a_required_skill_asks_first(console, dispatcher, world, new_work_order):
    job = new_work_order(required_skills=["hvac"])
    desk = console(f"#/jobs/{job['id']}")
    desk.get_by_role("button", name="Assign to Olga Other").click()
    question = desk.get_by_role("dialog")
    expect(question).to_contain_text("Olga Other lacks: hvac. Assign anyway?")
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_have_count(0)
    unchanged = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json
    assert (unchanged["status"], unchanged["technician"], unchanged["version"]) == ("new", None, job["version"])

    desk.get_by_role("button", name="Assign to Olga Other").click()
    desk.get_by_role("dialog").get_by_role("button", name="Assign anyway").click()
    expect(desk.locator("#job-status")).to_have_text("Assigned")
    assert dispatcher.get(f"/api/v1/work-orders/{job['id']}").json["technician"]["id"] == world.other_technician_id

    desk.get_by_role("button", name="Reassign to Tom Tech").click()  # has every skill: no question
    expect(desk.get_by_role("list", name="Timeline")).to_contain_text("Reassigned from Olga Other to Tom Tech")


def test_the_roster_edit_saves_skills_and_shift(console, dispatcher, world):
    desk = console("#/roster")
    desk.get_by_role("link", name="Edit Olga Other").click()
    skills = desk.get_by_role("group", name="Skills")
    expect(skills.get_by_label("plumbing")).to_be_checked()
    skills.get_by_label("hvac").check()
    desk.get_by_label("On shift").uncheck()
    desk.get_by_role("button", name="Save").click()

    row = desk.get_by_role("table", name="Roster").get_by_role("row").filter(has_text="Olga Other")
    expect(row).to_contain_text("hvac, plumbing")
    expect(row.get_by_role("cell").nth(1)).to_have_text("no")  # On shift
    olga = dispatcher.get(f"/api/v1/technicians/{world.other_technician_id}").json
    assert (olga["skills"], olga["on_shift"], olga["max_open_jobs"]) == (["hvac", "plumbing"], False, 6)


def test_technicians_with_the_same_name_are_told_apart(console, dispatcher, new_work_order):
    for n in (1, 2):
        body = {
            "name": "Li Wei", "email": f"liwei{n}@example.com", "password": "password123", "phone": f"139 0000 000{n}",
            "skills": ["hvac"], "home": {"lat": 31.23, "lon": 121.47}, "on_shift": True,
        }  # fmt: skip
        assert dispatcher.post("/api/v1/technicians", json=body).status_code == 201
    job = new_work_order(required_skills=["hvac"])
    desk = console(f"#/jobs/{job['id']}")
    candidates = desk.get_by_role("table", name="Candidates")
    expect(candidates.get_by_role("rowheader", name="Li Wei (139 0000 0001)")).to_have_count(1)
    expect(candidates.get_by_role("rowheader", name="Li Wei (139 0000 0002)")).to_have_count(1)
    desk.get_by_role("button", name="Assign to Li Wei (139 0000 0002)").click()
    expect(desk.get_by_role("list", name="Timeline")).to_contain_text(
        "Assigned to Li Wei (139 0000 0002) by Dana Dispatcher"
    )

    desk.get_by_role("link", name="Board", exact=True).click()
    options = desk.get_by_label("Technician filter").locator("option")
    expect(options.filter(has_text="Li Wei")).to_have_text(["Li Wei (139 0000 0001)", "Li Wei (139 0000 0002)"])
    expect(desk.get_by_role("list", name="Assigned")).to_contain_text("Li Wei (139 0000 0002)")


def test_the_desks_screens_pass_axe(console, axe, dispatcher, technician, world, new_work_order):
    closed = closed_job(dispatcher, technician, world, new_work_order, title="Fridge door seal")
    job = new_work_order(required_skills=["hvac"])
    desk = console("#/board")
    desk.get_by_label("Search").fill("5555 0101")
    desk.get_by_role("button", name="Filter").click()
    expect(desk.get_by_role("table", name="Search results")).to_contain_text(closed["number"])
    axe(desk, "the board's search results")
    console(f"#/customers/{world.customer_id}").get_by_role("table", name="Signatures and ratings").wait_for()
    axe(desk, "the customer's page")
    console("#/customers").get_by_label("Phone or name").fill("Acme")
    desk.get_by_role("button", name="Search").click()
    desk.get_by_role("table", name="Customers").wait_for()
    axe(desk, "the customers list")
    console(f"#/jobs/{job['id']}/edit").get_by_label("Address").wait_for()
    axe(desk, "the work order's edit form")
    console(f"#/roster/{world.other_technician_id}/edit").get_by_role("group", name="Skills").wait_for()
    axe(desk, "the technician's edit form")
    console(f"#/jobs/{job['id']}").get_by_role("button", name="Assign to Olga Other").click()
    desk.get_by_role("dialog").wait_for()
    axe(desk, "the skill warning")
    desk.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    console(f"#/jobs/{closed['id']}").get_by_label("Reopen reason").wait_for()
    axe(desk, "a closed job with its reopen form")


def test_a_confirmation_link_with_its_qr_code_and_a_reopen_from_the_job_screen(
    console, dispatcher, technician, world, new_work_order
):
    job = completed_job(dispatcher, technician, world, new_work_order, title="Dryer drum noisy")
    desk = console(f"#/jobs/{job['id']}")
    desk.get_by_role("button", name="Create confirmation link").click()
    panel = desk.get_by_role("region", name="Confirmation link")
    expect(panel.get_by_role("link", name=re.compile("confirm"))).to_be_visible()
    expect(panel.get_by_role("img", name="QR code of the confirmation link")).to_be_visible()
    expect(desk.get_by_role("list", name="Timeline")).to_contain_text("Confirmation link created by Dana Dispatcher")

    desk.get_by_label("Reopen reason").fill("Customer called: noise is back")
    desk.get_by_role("button", name="Reopen job").click()
    expect(desk.locator("#job-status")).to_have_text("New")
    expect(desk.get_by_role("list", name="Timeline")).to_contain_text(
        "Reopened by Dana Dispatcher: “Customer called: noise is back”"
    )
