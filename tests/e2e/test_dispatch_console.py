"""The dispatcher console and the customer's confirmation page, in Chromium: intake from a phone
call, ranked candidates, one-click assignment, a live board, the customer's confirmation on their
own phone, the KPI page, and stored markup shown as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.api.test_kpi_report import DAY_FIGURES, work_a_day
from tests.conftest import Clock
from tests.e2e.conftest import draw_signature, log_in_to_console, screenshot

HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture
def customer_phone(chromium):
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 7"])
    yield context.new_page()
    context.close()


def test_from_phone_call_to_confirmed_closed_job(live_server, desk, customer_phone, world, technician, dispatcher):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.get_by_role("button", name="New work order").click()
    desk.get_by_label("Customer", exact=True).fill("Mrs Lin's noodle bar")  # a new caller: created inline
    desk.get_by_label("Title").fill("Walk-in cooler not cooling")
    desk.get_by_label("Priority", exact=True).select_option("urgent")
    expect(desk.locator("#due")).to_contain_text("Respond by")
    desk.get_by_label("Channel", exact=True).select_option("phone")
    desk.get_by_role("group", name="Required skills").get_by_label("hvac").check()
    desk.get_by_label("Latitude").fill("31.2304")
    desk.get_by_label("Longitude").fill("121.4737")
    desk.get_by_role("button", name="Create work order").click()

    candidates = desk.get_by_role("table", name="Candidates").get_by_role("row")
    expect(candidates.nth(1)).to_contain_text("Tom Tech")  # has hvac: ranked first
    expect(candidates.nth(2)).to_contain_text("Olga Other")
    expect(candidates.nth(2)).to_contain_text("hvac")  # the skill she lacks
    desk.get_by_role("button", name="Assign to Tom Tech").click()
    expect(desk.locator("#job-status")).to_have_text("Assigned")
    number = desk.get_by_role("heading", level=2).inner_text().split(" · ")[0]
    job_id = int(number.removeprefix("WO-"))

    desk.get_by_role("link", name="Board", exact=True).click()
    accepted = desk.get_by_role("list", name="Accepted")
    expect(desk.get_by_role("list", name="Assigned")).to_contain_text(number)
    screenshot(desk, "dispatch-board")
    url = f"/api/v1/work-orders/{job_id}"
    assert technician.post(f"{url}/actions/accept", json={}).status_code == 200
    expect(accepted).to_contain_text(number, timeout=10_000)  # live: no reload (by polling when streams are full)
    for action in ("arrive",):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    technician.post(f"{url}/logs", json={"kind": "fix", "text": HOSTILE})  # a fix: the customer sees it (not notes)
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Fan motor replaced", "first_time_fix": True})
    assert done.status_code == 200
    token = technician.post(f"{url}/confirmation-link").json["url"].rsplit("/", 1)[1]
    link = f"{live_server}/confirm/{token}"  # (made through the test client, whose host is "localhost")

    customer_phone.goto(link)
    expect(customer_phone.get_by_role("heading", name="Confirm the work")).to_be_visible()
    expect(customer_phone.get_by_text("Fan motor replaced")).to_be_visible()
    expect(customer_phone.get_by_text(HOSTILE)).to_be_visible()  # markup shown as text
    customer_phone.get_by_label("Signer name").fill("Mrs Lin")
    customer_phone.get_by_role("button", name="Confirm").click()
    expect(customer_phone.get_by_role("alert")).to_have_text("Please sign in the box to confirm.")
    draw_signature(customer_phone)
    customer_phone.get_by_label("Rating").select_option("5")
    screenshot(customer_phone, "customer-confirmation")
    customer_phone.get_by_role("button", name="Confirm").click()
    expect(customer_phone.get_by_role("status")).to_contain_text(f"The work on {number} is confirmed")
    assert customer_phone.evaluate("window.__xss") is None

    desk.goto(f"{live_server}/dispatch#/jobs/{job_id}")
    expect(desk.locator("#job-status")).to_have_text("Closed")
    expect(desk.get_by_role("status").filter(has_text="valid")).to_have_text("valid")
    expect(desk.get_by_role("list", name="Logs")).to_contain_text(HOSTILE)
    assert desk.evaluate("window.__xss") is None
    assert desk.errors == []

    customer_phone.goto(link)  # the link works once
    expect(customer_phone.get_by_role("alert")).to_contain_text("already been used")


def test_the_map_shows_jobs_and_technicians_without_tiles(live_server, desk, world, dispatcher, new_work_order):
    new_work_order(title="Leak on the map", priority="urgent")
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.get_by_role("link", name="Map", exact=True).click()
    expect(desk.get_by_role("status").filter(has_text="on the map")).to_have_text("1 jobs, 2 technicians on the map")
    expect(desk.locator(".leaflet-interactive")).to_have_count(3)  # one job, two technicians
    desk.locator(".leaflet-interactive").first.dispatch_event("click")  # the job (a technician sits on it)
    expect(desk.locator(".leaflet-popup-content")).to_contain_text("Leak on the map")
    screenshot(desk, "dispatch-map")
    desk.get_by_role("link", name="Roster").click()
    expect(desk.get_by_role("table", name="Roster")).to_contain_text("Olga Other")
    assert desk.errors == []


def test_the_confirmation_page_speaks_chinese_and_refuses_a_bad_link(live_server, chromium):
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="zh-CN")
    page = context.new_page()
    page.goto(live_server + "/confirm/not-a-real-token")
    expect(page.get_by_role("alert")).to_contain_text("此链接无效")
    context.close()


def test_a_technician_is_sent_to_their_own_app(live_server, desk, world):
    desk.goto(live_server + "/dispatch")
    desk.get_by_label("Email").fill(world.tech_email)
    desk.get_by_label("Password").fill("password123")
    desk.get_by_role("button", name="Log in").click()
    expect(desk.get_by_role("heading", name="My jobs")).to_be_visible()
    assert (
        desk.url.rstrip("/").endswith(live_server.split("//")[1])
        or desk.url.endswith("/#/")
        or "/dispatch" not in desk.url
    )


class TestKpiPage:
    @pytest.fixture
    def clock(self):
        return Clock()  # the hand-computed day happens on 2026-11-23 from 09:00

    def test_the_page_shows_the_hand_computed_figures_of_a_day(
        self, live_server, desk, world, dispatcher, technician, new_work_order, client_for, clock
    ):
        work_a_day(dispatcher, technician, world, new_work_order, client_for, clock)
        log_in_to_console(desk, live_server, world.dispatcher_email)
        desk.get_by_role("link", name="KPIs").click()
        desk.get_by_label("From").fill("2026-11-23")
        desk.get_by_label("To (exclusive)").fill("2026-11-24")
        desk.get_by_role("button", name="Show").click()
        shown = desk.get_by_role("definition")
        units = {"avg_response_minutes": " min", "avg_resolution_minutes": " min", "mean_gap_minutes": " min"}
        for key, value in DAY_FIGURES.items():
            unit = "%" if key.endswith(("_pct", "_rate")) else units.get(key, "")
            figure = desk.locator(f'[data-kpi="{key}"] dd')
            expect(figure).to_have_text("—" if value is None else f"{value:g}{unit}")  # as JavaScript prints numbers
        assert shown.count() == len(DAY_FIGURES)
        technicians = desk.get_by_role("table", name="Technician")
        expect(technicians.get_by_role("row", name=re.compile("Tom Tech"))).to_contain_text("50%")
        screenshot(desk, "dispatch-kpis")
        with desk.expect_download() as download:
            desk.get_by_role("button", name="Export CSV").click()
        rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
        # the last column is repeat_repairs (三包 repeats)
        assert rows[-1] == "total,,4,2,1,120.0,180.0,50.0,100.0,50.0,50.0,5.0,50.0,1,0,0,,0,0.0,0,,0.0,,,0"
