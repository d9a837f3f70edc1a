"""Every screen of the three front ends, checked by axe-core in Chromium: no violation of serious or
critical impact (contrast, names, labels, structure) on the technician app, the dispatcher console
or the customer's confirmation page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, log_in_to_console
from tests.e2e.test_technician_visit import SITE
from tests.helpers import signature_data_url


def assigned_job(dispatcher, world, new_work_order, title):
    wo = new_work_order(title=title, priority="urgent", location=SITE)
    assert dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    return wo


def completed_job(dispatcher, technician, world, new_work_order, title):
    wo = assigned_job(dispatcher, world, new_work_order, title)
    url = f"/api/v1/work-orders/{wo['id']}"
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    part = {"sku": "CAP-45", "name": "Run capacitor 45 µF", "qty": 1}
    technician.post(f"{url}/logs", json={"kind": "part", "parts": [part], "minutes": 20})
    technician.post(f"{url}/logs", json={"kind": "fix", "text": "Replaced the capacitor", "minutes": 40})
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Capacitor replaced", "first_time_fix": True})
    assert done.status_code == 200, done.json
    return wo


def test_the_technician_app(live_server, phone, axe, world, dispatcher, technician, new_work_order):
    open_job = assigned_job(dispatcher, world, new_work_order, "Chiller alarm in basement")
    done = completed_job(dispatcher, technician, world, new_work_order, "Door closer")

    phone.goto(live_server + "/")
    expect(phone.get_by_label("Password")).to_be_visible()
    axe(phone, "the technician's login")
    log_in(phone, live_server, world.tech_email)
    expect(phone.get_by_role("link", name=re.compile("Chiller alarm"))).to_be_visible()
    axe(phone, "My jobs")
    phone.get_by_role("link", name=re.compile("Chiller alarm")).click()
    expect(phone.get_by_role("button", name="Accept")).to_be_visible()
    axe(phone, f"the job {open_job['number']}")
    phone.goto(f"{live_server}/#/jobs/{done['id']}/signoff")
    expect(phone.get_by_label("Signer name")).to_be_visible()
    axe(phone, "the sign-off")
    phone.goto(f"{live_server}/#/notifications")
    expect(phone.get_by_role("heading", name="Notifications")).to_be_visible()
    axe(phone, "the notifications")


def test_the_dispatcher_console(live_server, desk, axe, world, dispatcher, technician, new_work_order):
    job = completed_job(dispatcher, technician, world, new_work_order, "Walk-in cooler not cooling")
    assigned_job(dispatcher, world, new_work_order, "Chiller alarm in basement")

    desk.goto(live_server + "/dispatch")
    expect(desk.get_by_label("Password")).to_be_visible()
    axe(desk, "the console's login")
    log_in_to_console(desk, live_server, world.dispatcher_email)
    expect(desk.get_by_role("list", name="Assigned")).to_contain_text("Chiller alarm")
    axe(desk, "the board")
    screens = [
        ("Map", lambda: expect(desk.locator(".leaflet-interactive").first).to_be_attached()),
        ("New work order", lambda: expect(desk.get_by_label("Title")).to_be_visible()),
        ("Roster", lambda: expect(desk.get_by_role("table", name="Roster")).to_contain_text("Tom Tech")),
        ("Skills", lambda: expect(desk.get_by_role("heading", name="Add a skill")).to_be_visible()),
        ("Escalations", lambda: expect(desk.get_by_role("heading", name="Escalations")).to_be_visible()),
        ("KPIs", lambda: expect(desk.get_by_label("KPI figures")).to_be_visible()),
        ("Messages", lambda: expect(desk.get_by_role("heading", name="Customer messages")).to_be_visible()),
        ("Prices", lambda: expect(desk.get_by_role("heading", name="Price list")).to_be_visible()),
    ]
    for link, shown in screens:
        desk.get_by_role("link", name=link, exact=True).click()
        shown()
        axe(desk, f"the console's {link}")
    desk.goto(f"{live_server}/dispatch#/jobs/{job['id']}")
    expect(desk.locator("#job-status")).to_have_text("Completed")
    axe(desk, "the console's job")
    desk.goto(f"{live_server}/dispatch#/jobs/{assigned_job(dispatcher, world, new_work_order, 'Leak')['id']}")
    candidates = desk.get_by_role("table", name="Candidates")
    expect(candidates).to_contain_text("Tom Tech")
    expect(candidates.get_by_role("columnheader")).to_have_text(
        ["Technician", "Distance", "ETA", "Arrives", "Load", "Missing skills", "Score", "Action"]
    )  # every column named (axe counts an empty header as minor only)
    axe(desk, "the console's job with candidates")


def test_the_customer_page(live_server, phone, axe, world, dispatcher, technician, new_work_order, client_for):
    job = completed_job(dispatcher, technician, world, new_work_order, "Walk-in cooler not cooling")
    token = technician.post(f"/api/v1/work-orders/{job['id']}/confirmation-link").json["url"].rsplit("/", 1)[1]

    phone.goto(f"{live_server}/confirm/{token}")
    expect(phone.get_by_text("Capacitor replaced")).to_be_visible()
    axe(phone, "the confirmation page")
    answer = {"accepted": True, "signer_name": "Mr Wang", "signature": signature_data_url()}
    assert client_for().http.post(f"/api/v1/confirm/{token}", json=answer).status_code == 200
    phone.reload()
    expect(phone.get_by_role("alert")).to_contain_text("already been used")
    axe(phone, "the used link's page")


def test_the_tracking_page_and_the_portal(live_server, phone, axe, world, dispatcher, new_work_order, monkeypatch):
    from backend.domain import portal as portal_rules

    job = assigned_job(dispatcher, world, new_work_order, "Chiller alarm in basement")
    tracking_url = dispatcher.get(f"/api/v1/work-orders/{job['id']}").json["tracking_url"]
    phone.goto(tracking_url.replace("http://localhost", live_server))
    expect(phone.get_by_role("status")).to_contain_text("Tom will come to you")
    axe(phone, "the tracking page")
    phone.goto(f"{live_server}/t/not-a-valid-token")
    expect(phone.get_by_role("heading", name="This tracking link is not valid")).to_be_visible()
    axe(phone, "the tracking page of an altered link")

    monkeypatch.setattr(portal_rules, "new_code", lambda: "112233")
    phone.goto(f"{live_server}/portal")
    phone.get_by_label("Phone number or email").fill("+86 21 5555 0101")
    axe(phone, "the portal's sign-in")
    phone.get_by_role("button", name="Send code").click()
    phone.get_by_label("Code").fill("112233")
    axe(phone, "the portal's code")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", name="Hello, Acme Bakery")).to_be_visible()
    axe(phone, "the portal's home")
    phone.get_by_role("button", name="Request service").click()
    expect(phone.get_by_label("What is the problem?")).to_be_visible()
    axe(phone, "the portal's request form")
