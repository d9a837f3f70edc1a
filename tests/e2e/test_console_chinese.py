"""The dispatcher console in Chinese, in Chromium: a dispatcher whose browser asks for zh-CN logs in, sees
the board, a job with its timeline and the KPI page in Chinese (found by their Chinese roles and labels,
dates in the Chinese way; axe-core finds nothing serious on them), switches to English, and the choice
holds after a reload. A browser that
asks for English is covered by every other console test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot


@pytest.fixture
def chinese_desk(chromium):
    """A dispatcher's desktop browser that asks for Chinese; script errors land in `page.errors`."""
    _, browser = chromium
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_a_chinese_dispatcher_works_in_chinese_and_can_switch_to_english(
    live_server, chinese_desk, world, dispatcher, technician, new_work_order, axe
):
    job = new_work_order(title="空调不制冷", priority="urgent")
    assert dispatcher.post(f"/api/v1/work-orders/{job['id']}/assign", json={"technician_id": world.technician_id})
    assert technician.post(f"/api/v1/work-orders/{job['id']}/actions/accept", json={}).status_code == 200
    desk = chinese_desk

    # The login page speaks Chinese before anyone is known.
    desk.goto(live_server + "/dispatch")
    expect(desk.get_by_role("heading", name="OnSite 派工调度")).to_be_visible()
    expect(desk).to_have_title("OnSite 派工调度")
    desk.get_by_label("电子邮箱").fill(world.dispatcher_email)
    desk.get_by_label("密码").fill("password123")
    desk.get_by_role("button", name="登录").click()

    # The board: navigation, columns by status, the card's words.
    nav = desk.get_by_role("navigation", name="控制台")
    expect(nav.get_by_role("link", name="工单看板")).to_have_attribute("aria-current", "page")
    expect(desk.get_by_role("heading", name="已接单 (1)")).to_be_visible()
    card = desk.get_by_role("list", name="已接单").get_by_role("listitem")
    expect(card).to_contain_text("紧急 · 电话")
    expect(card).to_contain_text("内响应")  # the SLA timer: "… 分钟内响应"
    expect(desk.get_by_role("search").get_by_label("按优先级筛选")).to_be_visible()
    expect(desk.get_by_role("status").filter(has_text="未完成工单 1 个")).to_be_visible()
    expect(desk.get_by_label("语言")).to_have_value("zh-CN")
    assert desk.evaluate("document.documentElement.lang") == "zh-CN"
    axe(desk, "the board in Chinese")
    screenshot(desk, "dispatch-board-zh")

    # A job: its status, the candidates, the timeline in sentences, dates written the Chinese way.
    card.get_by_role("link").click()
    expect(desk.locator("#job-status")).to_have_text("已接单")
    expect(desk.get_by_role("heading", name="改派给")).to_be_visible()
    expect(desk.get_by_role("table", name="候选技师").get_by_role("columnheader", name="缺少技能")).to_be_visible()
    timeline = desk.get_by_role("list", name="时间线")
    expect(timeline).to_contain_text("Dana Dispatcher 创建（电话，紧急）")  # noqa: RUF001 (Chinese punctuation)
    expect(timeline).to_contain_text("Dana Dispatcher 派工给 Tom Tech")
    expect(timeline).to_contain_text("Tom Tech 已接单")
    first_time = timeline.locator("time").first.inner_text()
    assert re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}", first_time), first_time
    expect(desk.get_by_label("取消原因")).to_be_visible()
    expect(desk.get_by_role("button", name="取消工单")).to_be_visible()
    axe(desk, "a job in Chinese")
    screenshot(desk, "dispatch-job-zh")

    # The KPI page: its figures by their Chinese names and definitions, the period form.
    nav.get_by_role("link", name="KPI 指标").click()
    expect(desk.get_by_role("heading", name="服务 KPI 指标")).to_be_visible()
    figures = desk.get_by_label("KPI 数据")
    expect(figures.get_by_role("term").filter(has_text="首次修复率")).to_contain_text("一次上门即关闭且未重开")
    expect(figures.locator('[data-kpi="created"] dd')).to_have_text("1")
    expect(desk.get_by_label("开始日期")).to_be_visible()
    expect(desk.get_by_role("table", name="技师")).to_be_visible()
    expect(desk.get_by_role("button", name="查询")).to_be_visible()
    axe(desk, "the KPI page in Chinese")
    screenshot(desk, "dispatch-kpis-zh")

    # The switch: English at once, and still English after a reload.
    desk.get_by_label("语言").select_option("en")
    expect(desk.get_by_role("heading", name="Service KPIs")).to_be_visible()
    expect(desk).to_have_title("OnSite dispatch")
    expect(desk.get_by_label("KPI figures").get_by_role("term").filter(has_text="First-time fix rate")).to_be_visible()
    desk.reload()
    english_nav = desk.get_by_role("navigation", name="Console")
    expect(english_nav.get_by_role("link", name="Board")).to_be_visible()
    expect(desk.get_by_label("Language")).to_have_value("en")
    assert desk.evaluate("document.documentElement.lang") == "en"
    english_nav.get_by_role("link", name="Board").click()
    expect(desk.get_by_role("heading", name="Accepted (1)")).to_be_visible()
    assert desk.errors == []
