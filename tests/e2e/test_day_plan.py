"""The day plan in Chromium: a dispatcher proposes tomorrow's routes on the console (map and
timeline), applies them, and the technician's phone shows each job's planned stop and time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from backend.domain.calendar import company_calendar
from backend.extensions import db
from backend.models import Technician
from tests.e2e.conftest import log_in, log_in_to_console

EVERY_DAY = {day: ["08:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def next_ordinary_day(app) -> str:
    """Tomorrow in the company's time zone, or the first day after it that is no public holiday."""
    with app.app_context():
        cal = company_calendar(db.session, app.config["TIMEZONE"])
        day = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date() + timedelta(days=1)
        while cal.is_holiday(day):
            day += timedelta(days=1)
        for technician in db.session.query(Technician):
            technician.hours = EVERY_DAY
        db.session.commit()
    return day.isoformat()


def test_a_proposed_plan_is_applied_and_the_phone_shows_the_planned_stops(
    live_server, desk, phone, app, axe, dispatcher, world, new_work_order
):
    day = next_ordinary_day(app)
    titles = ["Boiler check", "Radiator bleed", "Thermostat swap"]
    for i, title in enumerate(titles):
        new_work_order(title=title, priority="low", location={"lat": 31.2304 + 0.01 * i, "lon": 121.4737 + 0.01 * i})

    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Day plan").click()
    desk.get_by_label("Day").fill(day)
    desk.get_by_role("button", name="Propose").click()
    expect(desk.get_by_role("status").filter(has_text="jobs planned")).to_contain_text("3 jobs planned on 1 route ")
    route = desk.get_by_role("region", name="Route of Tom Tech")
    expect(route.get_by_role("listitem")).to_have_count(3)
    expect(desk.locator(".leaflet-overlay-pane path")).not_to_have_count(0)  # the route drawn on the map
    assert all(j["status"] == "new" for j in dispatcher.get("/api/v1/work-orders").json["items"])
    axe(desk, "the console's day plan")

    desk.get_by_role("button", name="Apply plan").click()
    expect(desk.get_by_role("status").filter(has_text="Applied")).to_contain_text("3 assigned")
    jobs = {j["title"]: j for j in dispatcher.get("/api/v1/work-orders").json["items"]}
    assert sorted(j["planned_order"] for j in jobs.values()) == [1, 2, 3]
    first_stop = route.get_by_role("listitem").first
    expect(first_stop).to_contain_text(next(t for t, j in jobs.items() if j["planned_order"] == 1))

    log_in(phone, live_server, world.tech_email)
    for title, job in jobs.items():
        card = phone.get_by_role("listitem").filter(has=phone.get_by_role("heading", name=title))
        expect(card).to_contain_text(f"Day plan: stop {job['planned_order']}, arrive about")
    assert desk.errors == [] and phone.console_errors == []
