"""The intake desk in Chromium: a Chinese skill picked by its display name in the Chinese console, an
address picked from the geocoder's suggestions (a stub Nominatim on loopback), the map pick alone
when the geocoder is down, the skills vocabulary managed on its own screen, and the board's counts
of open complaints and follow-up calls linking to their lists, and the technician app naming a job's
skills in its language. Each console screen is checked by axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from backend.models import WorkOrder
from tests.api.test_geocoding import StubNominatim, _closed_port_url
from tests.e2e.conftest import log_in, log_in_to_console


@pytest.fixture
def nominatim():
    with StubNominatim() as stub:
        yield stub


@pytest.fixture
def geocoder_up() -> bool:
    return True  # a test parametrized with False gets a geocoder that nobody answers for


@pytest.fixture
def app(make_app, nominatim, geocoder_up):
    url = nominatim.url if geocoder_up else _closed_port_url()
    return make_app(GEOCODER="nominatim", GEOCODER_URL=url, GEOCODER_TIMEOUT_SECONDS=2)


def _jobs(app) -> list[WorkOrder]:
    with app.app_context():
        jobs = db.session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
        db.session.expunge_all()
        return jobs


def test_a_chinese_skill_is_picked_by_its_name_at_intake(app, live_server, desk, world, dispatcher, axe):
    washer = {"code": "washer", "name_en": "Washing machines", "name_zh": "洗衣机维修"}
    assert dispatcher.post("/api/v1/skills", json=washer).status_code == 201
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.select_option("#language", "zh-CN")
    desk.goto(live_server + "/dispatch#/new")
    desk.get_by_label("客户", exact=True).fill("周敏")
    desk.get_by_label("电话").fill("139 1234 5678")
    desk.get_by_label("标题").fill("洗衣机不脱水")
    skills = desk.get_by_role("group", name="所需技能")
    skills.get_by_label("洗衣机维修").check()
    desk.get_by_label("纬度").fill("31.2304")
    desk.get_by_label("经度").fill("121.4737")
    axe(desk, "intake with the skill picker (zh-CN)")
    desk.get_by_role("button", name="创建工单").click()
    desk.locator("#job-status").wait_for()
    [job] = _jobs(app)
    assert job.required_skills == ["washer"]


def test_an_address_picked_from_the_suggestions_sets_the_location(app, live_server, desk, world, nominatim, axe):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(live_server + "/dispatch#/new")
    desk.get_by_label("Customer", exact=True).fill("Zhou Min")
    desk.get_by_label("Phone").fill("139 1234 5678")
    desk.get_by_label("Title").fill("Washing machine leaks")
    desk.get_by_label("Address").fill("南京东路1号")
    suggestions = desk.get_by_role("list", name="Suggested places")
    place = suggestions.get_by_role("button", name="1, 南京东路, 黄浦区, 上海市, 200001, 中国")
    expect(place).to_be_visible()
    axe(desk, "intake with address suggestions")
    place.click()
    expect(desk.get_by_label("Latitude")).to_have_value("31.240092")
    expect(desk.get_by_label("Longitude")).to_have_value("121.486837")
    expect(desk.get_by_label("Address")).to_have_value("1, 南京东路, 黄浦区, 上海市, 200001, 中国")
    expect(desk.get_by_role("status").filter(has_text="Location set from")).to_be_visible()
    expect(suggestions).to_be_hidden()
    desk.get_by_role("button", name="Create work order").click()
    desk.locator("#job-status").wait_for()
    [job] = _jobs(app)
    assert (job.lat, job.lon, job.address) == (31.240092, 121.486837, "1, 南京东路, 黄浦区, 上海市, 200001, 中国")
    assert [q["q"] for q in nominatim.queries] == ["南京东路1号"]  # asked once, after the typing paused


def test_the_keyboard_reaches_the_suggestions(live_server, desk, world):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(live_server + "/dispatch#/new")
    address = desk.get_by_label("Address")
    address.fill("1 Nanjing East Road Shanghai")
    suggestion = desk.get_by_role("button", name="1, Nanjing East Road, Huangpu, Shanghai, China")
    expect(suggestion).to_be_visible()
    address.press("ArrowDown")
    expect(suggestion).to_be_focused()
    desk.keyboard.press("Enter")
    expect(desk.get_by_label("Latitude")).to_have_value("31.240092")


@pytest.mark.parametrize("geocoder_up", [False])
def test_with_the_geocoder_down_the_form_says_so_and_the_map_pick_remains(live_server, desk, world):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(live_server + "/dispatch#/new")
    desk.get_by_label("Address").fill("南京东路1号")
    expect(desk.get_by_role("status").filter(has_text="unavailable right now")).to_be_visible()
    expect(desk.get_by_role("list", name="Suggested places")).to_be_hidden()
    desk.get_by_role("application", name="Click the map to set the location").click(position={"x": 200, "y": 120})
    expect(desk.get_by_label("Latitude")).not_to_have_value("")


def test_the_vocabulary_is_managed_on_its_screen(app, live_server, desk, world, dispatcher, axe):
    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Skills").click()
    desk.get_by_label("Code").fill("洗衣机维修")
    desk.get_by_label("English name").fill("Washing machines")
    desk.get_by_role("button", name="Add skill").click()
    table = desk.get_by_role("table", name="Skills")
    expect(table.get_by_role("row").filter(has_text="洗衣机维修")).to_contain_text("Washing machines")
    axe(desk, "the skills vocabulary")

    table.get_by_role("link", name="Edit Washing machines").click()
    expect(desk.get_by_label("Code")).to_have_value("洗衣机维修")
    desk.get_by_label("English name").fill("Washers and dryers")
    desk.get_by_label("In use (offered in the lists)").uncheck()
    desk.get_by_role("button", name="Save skill").click()
    row = table.get_by_role("row").filter(has_text="Washers and dryers")
    expect(row).to_contain_text("Retired")

    desk.get_by_label("Code").fill("washer")
    desk.get_by_label("English name").fill("Washers and dryers")  # another skill's name: refused
    desk.get_by_role("button", name="Add skill").click()
    expect(desk.get_by_role("alert")).to_contain_text("name_en")
    skills = dispatcher.get("/api/v1/skills").json["items"]
    assert [(s["code"], s["name_en"], s["active"]) for s in skills] == [("洗衣机维修", "Washers and dryers", False)]


def test_the_board_counts_open_complaints_and_links_to_them(live_server, desk, world, new_work_order):
    new_work_order(type="complaint", title="Technician was rude")
    new_work_order(title="Boiler pressure low")
    log_in_to_console(desk, live_server, world.dispatcher_email)
    complaints = desk.get_by_role("link", name="Open complaints: 1 (0 late)")
    expect(complaints).to_be_visible()
    expect(desk.get_by_role("link", name="Follow-up calls: 0 due, 0 overdue")).to_be_visible()
    complaints.click()
    expect(desk.get_by_label("Type")).to_have_value("complaint")
    board = desk.locator(".board")
    expect(board).to_contain_text("Technician was rude")
    expect(board).not_to_contain_text("Boiler pressure low")

    new_work_order(type="complaint", title="Invoice wrong")  # live: the count follows the board's refresh
    expect(desk.get_by_role("link", name="Open complaints: 2 (0 late)")).to_be_visible()


def test_the_technician_app_shows_a_jobs_skills_by_name_in_its_language(
    live_server, phone, world, dispatcher, new_work_order
):
    washer = {"code": "washer", "name_en": "Washing machines", "name_zh": "洗衣机维修"}
    assert dispatcher.post("/api/v1/skills", json=washer).status_code == 201
    wo = new_work_order(title="洗衣机不脱水", required_skills=["洗衣机维修"])
    assert wo["required_skills"] == ["washer"]
    assigned = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    assert assigned.status_code == 200, assigned.json
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name=re.compile(wo["title"])).click()
    expect(phone.get_by_text("Required skills: Washing machines")).to_be_visible()
    phone.evaluate("localStorage.setItem('onsite.language', 'zh-CN')")
    phone.reload()
    expect(phone.get_by_text("所需技能: 洗衣机维修")).to_be_visible()
