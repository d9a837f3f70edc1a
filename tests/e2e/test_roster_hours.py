"""Working hours and company days in the console, in Chromium: a dispatcher sets a technician's hours
per weekday on the roster's edit screen; an admin adds and removes a company holiday."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_to_console

OFFICE = ["08:00", "17:00"]


def _edit_olga(desk, base: str):
    desk.goto(f"{base}/dispatch#/roster")
    desk.get_by_role("link", name="Edit Olga Other").click()
    desk.get_by_role("heading", name="Edit Olga Other").wait_for()


def test_a_dispatcher_sets_hours_per_weekday(live_server, desk, dispatcher, world):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    _edit_olga(desk, live_server)
    desk.get_by_label("No working hours set (no time limit)").uncheck()
    desk.get_by_label("Monday start").fill("07:30")
    desk.get_by_label("Monday end").fill("16:00")
    desk.get_by_label("Friday day off").check()
    desk.get_by_label("Saturday day off").uncheck()
    desk.get_by_label("Saturday start").fill("22:00")
    desk.get_by_label("Saturday end").fill("06:00")
    desk.get_by_role("button", name="Save").click()
    desk.get_by_role("table", name="Roster").wait_for()

    olga = dispatcher.get(f"/api/v1/technicians/{world.other_technician_id}").json
    assert olga["hours"] == {
        "mon": ["07:30", "16:00"], "tue": OFFICE, "wed": OFFICE, "thu": OFFICE, "sat": ["22:00", "06:00"],
    }  # fmt: skip
    _edit_olga(desk, live_server)
    expect(desk.get_by_label("Monday start")).to_have_value("07:30")
    expect(desk.get_by_label("Friday day off")).to_be_checked()
    expect(desk.get_by_label("Sunday day off")).to_be_checked()
    expect(desk.get_by_label("Saturday end")).to_have_value("06:00")
    assert desk.errors == []


def test_a_shift_that_ends_when_it_starts_is_refused_and_nothing_is_saved(live_server, desk, dispatcher, world):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    _edit_olga(desk, live_server)
    desk.get_by_label("No working hours set (no time limit)").uncheck()
    desk.get_by_label("Tuesday end").fill("08:00")
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_role("alert")).to_contain_text("tue: start and end must differ")
    assert dispatcher.get(f"/api/v1/technicians/{world.other_technician_id}").json["hours"] is None


def test_an_admin_adds_and_removes_a_company_holiday_from_the_roster(live_server, desk, client_for, world):
    log_in_to_console(desk, live_server, world.admin_email)
    desk.goto(f"{live_server}/dispatch#/roster")
    desk.get_by_role("link", name="Company holidays and working days").click()
    form = desk.get_by_role("form", name="Add a company day")
    form.get_by_label("Date").fill("2026-03-04")
    form.get_by_label("Kind").select_option(label="Holiday")
    form.get_by_label("Name").fill("Company anniversary")
    form.get_by_role("button", name="Add").click()

    table = desk.get_by_role("table", name="Company days")
    expect(table.get_by_role("row").filter(has_text="2026-03-04")).to_contain_text("Holiday")
    admin = client_for(world.admin_email)
    assert [(d["date"], d["kind"]) for d in admin.get("/api/v1/company-days").json["items"]] == [
        ("2026-03-04", "holiday")
    ]
    desk.get_by_role("button", name="Delete Company anniversary (2026-03-04)").click()
    expect(desk.get_by_text("No company days.")).to_be_visible()
    assert admin.get("/api/v1/company-days").json["items"] == []
    assert desk.errors == []


def test_a_dispatcher_reads_company_days_without_changing_them(live_server, desk, client_for, world):
    admin = client_for(world.admin_email)
    admin.post("/api/v1/company-days", json={"date": "2026-10-10", "kind": "working_day", "name": "Make-up day"})
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(f"{live_server}/dispatch#/company-days")
    expect(desk.get_by_role("table", name="Company days")).to_contain_text("Make-up day")
    expect(desk.get_by_role("form", name="Add a company day")).to_have_count(0)
    expect(desk.get_by_role("button", name="Delete Make-up day (2026-10-10)")).to_have_count(0)
