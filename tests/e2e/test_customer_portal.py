# The page is read in Chinese: its full-width punctuation is the text.
# ruff: noqa: RUF001
"""The customer's side in Chromium on a phone in Chinese: a customer opens /portal, signs in with the
code the outbox emailed them (a real SMTP server on loopback), reads a self-help article, requests
service with a photo and a map pick, and follows the job on its tracking page (assigned: the
technician's first name; on the way: the ETA; done: the link to confirm, which the completion's
email carries too), confirms and rates; the dispatcher sees the request arrive on the live board
with channel portal."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from backend.messaging import send_round
from tests.api.test_geocoding import StubNominatim
from tests.api.test_message_delivery import Mailbox, _free_port
from tests.e2e.conftest import log_in_to_console, screenshot
from tests.helpers import image_bytes

EMAIL = "li.na@example.com"


@pytest.fixture
def mailbox():
    """A real SMTP server on loopback (aiosmtpd): what the outbox's email provider delivers."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    box.url = f"smtp://{controller.hostname}:{controller.port}"
    yield box
    controller.stop()


@pytest.fixture
def nominatim():
    """A geocoder on loopback answering as Nominatim does (tests/api/test_geocoding.py)."""
    with StubNominatim() as stub:
        yield stub


@pytest.fixture
def app(make_app, mailbox, nominatim):
    return make_app(
        MAIL_URL=mailbox.url,
        MAIL_FROM="OnSite <service@onsite.example>",
        COMPANY_NAME="Qingfeng Service",  # a Chinese name breaks the geocoder (its User-Agent), reported
        GEOCODER="nominatim",
        GEOCODER_URL=nominatim.url,
        GEOCODER_TIMEOUT_SECONDS=2,
    )


def sign(page, label: str) -> None:
    """A signature stroke across the canvas with this label (conftest's draw_signature, in Chinese)."""
    box = page.get_by_label(label).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 18, box["y"] + box["height"] * (0.3 + 0.4 * (step % 2)), steps=3)
    page.mouse.up()


def code_from_email(app, mailbox, says: str = "10 分钟内有效") -> str:
    """Deliver the outbox (the scheduler's round) and read the code from the email that arrived."""
    assert send_round(app).sent == 1
    envelope = mailbox.received.pop()
    assert envelope.rcpt_tos == [EMAIL]
    text = message_from_bytes(envelope.content, policy=policy.default).get_content()
    assert says in text
    return re.search(r"\b(\d{6})\b", text).group(1)


@pytest.fixture
def zh_phone(chromium):
    """A Chinese phone (Pixel 7, zh-CN): script errors and CSP violations collected."""
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="zh-CN")
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and page.console_errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def test_a_customer_asks_for_service_and_follows_it(
    app, mailbox, live_server, zh_phone, desk, dispatcher, technician, world
):
    body = {
        "title": "洗衣机不排水 E21",
        "symptoms": "显示 E21",
        "cause": "排水泵过滤器堵塞",
        "fix": "清洗过滤器",
        "published": True,
    }
    assert dispatcher.post("/api/v1/articles", json=body).status_code == 201
    log_in_to_console(desk, live_server, world.dispatcher_email)

    phone = zh_phone
    phone.goto(f"{live_server}/portal")
    phone.get_by_label("手机号或邮箱").fill(EMAIL)
    phone.get_by_role("button", name="获取验证码").click()
    expect(phone.get_by_role("status")).to_contain_text(f"验证码已发送至 {EMAIL}")
    phone.get_by_label("验证码").fill(code_from_email(app, mailbox))
    phone.get_by_role("button", name="登录").click()

    expect(phone.get_by_role("heading", name="欢迎")).to_be_visible()
    phone.get_by_role("button", name="我要报修").click()
    phone.get_by_label("遇到了什么问题？").fill("洗衣机不排水")
    article = phone.get_by_role("group").filter(has_text="洗衣机不排水 E21")
    expect(article).to_be_visible()
    article.get_by_text("洗衣机不排水 E21").click()
    expect(phone.get_by_text("清洗过滤器")).to_be_visible()
    phone.get_by_label("详细描述（型号、故障代码、发生了什么）").fill("显示 E21，清洗过滤器后仍然不排水")
    phone.get_by_label("您的姓名").fill("李女士")
    phone.get_by_role("application", name="地图：点击选择上门位置").click()  # the map pick
    expect(phone.get_by_text(re.compile("已选位置"))).to_be_visible()
    phone.get_by_label("地址", exact=True).fill("南京东路1号")  # or the geocoder's suggestion
    phone.get_by_role("button", name="查找地址").click()
    suggestion = "1, 南京东路, 黄浦区, 上海市, 200001, 中国"
    phone.get_by_role("list", name="找到的地址").get_by_role("button", name=suggestion).click()
    expect(phone.get_by_text("已选位置：31.24009, 121.48684")).to_be_visible()
    expect(phone.get_by_label("地址", exact=True)).to_have_value(suggestion)
    phone.get_by_label("期望时段").select_option("morning")
    phone.get_by_label("故障照片").set_input_files(
        files=[{"name": "e21.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG")}]
    )
    screenshot(phone, "portal-request")
    phone.get_by_role("button", name="提交报修").click()

    expect(phone.get_by_role("status").first).to_contain_text("已提交")
    expect(phone.get_by_text("已收到您的报修，正在为您安排师傅。")).to_be_visible()
    number = re.search(r"WO-\d+", phone.get_by_text(re.compile(r"工单 WO-\d+")).inner_text()).group(0)
    job_id = int(number.removeprefix("WO-"))

    staff_view = dispatcher.get(f"/api/v1/work-orders/{job_id}").json
    assert staff_view["channel"] == "portal" and staff_view["customer"]["name"] == "李女士"
    assert len(staff_view["attachments"]) == 1
    assert staff_view["location"] == {"lat": 31.240092, "lon": 121.486837}
    assert staff_view["address"] == "1, 南京东路, 黄浦区, 上海市, 200001, 中国"
    board_card = desk.get_by_role("list", name="New").get_by_role("listitem").filter(has_text=number)
    expect(board_card).to_contain_text(re.compile(r"· portal ·", re.IGNORECASE), timeout=10_000)  # live: no reload

    url = f"/api/v1/work-orders/{job_id}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    phone.goto(staff_view["tracking_url"].replace("http://localhost", live_server))
    expect(phone.get_by_role("status")).to_have_text("Tom师傅将为您上门服务。")
    assert technician.post(f"{url}/actions/accept", json={}).status_code == 200
    assert technician.post("/api/v1/me/location", json={"lat": 31.2304 + 6 / 111.2, "lon": 121.4737}).status_code == 204
    assert technician.post(f"{url}/actions/depart", json={}).status_code == 200
    phone.reload()
    expect(phone.get_by_role("status")).to_have_text(re.compile(r"Tom师傅正在赶来，预计约 \d+ 分钟到达。"))
    assert technician.post(f"{url}/actions/arrive", json={}).status_code == 200
    done = technician.post(f"{url}/actions/complete", json={"resolution": "清洗排水泵", "first_time_fix": True})
    assert done.status_code == 200
    phone.reload()
    expect(phone.get_by_role("status")).to_have_text("服务已完成，请确认问题是否已解决。")
    confirm = phone.get_by_role("link", name="确认服务")
    expect(confirm).to_have_attribute("href", re.compile("/confirm/"))
    steps = phone.get_by_role("list", name="进度")
    expect(steps).to_contain_text("已受理")
    expect(steps).to_contain_text("服务完成")
    screenshot(phone, "tracking-page")

    # The outbox told the customer at each step, by email (how they signed in), in Chinese; the
    # completion's email carries the same confirmation link as the tracking page.
    assert send_round(app).sent == 3
    mails = [message_from_bytes(e.content, policy=policy.default) for e in mailbox.received]
    texts = [mail.get_body(("plain",)).get_content() for mail in mails]
    assert [a.get_content_type() for a in mails[-1].iter_attachments()] == ["application/pdf"]  # the report
    assert all(e.rcpt_tos == [EMAIL] for e in mailbox.received)
    link = re.search(r"https?://\S+/confirm/\S+", texts[-1]).group(0)
    assert link.rsplit("/confirm/", 1)[1] == confirm.get_attribute("href").rsplit("/confirm/", 1)[1]

    confirm.click()
    phone.get_by_label("签字人姓名").fill("李女士")
    sign(phone, "签名")
    phone.get_by_label("评分").select_option("5")
    phone.get_by_role("button", name="确认", exact=True).click()
    expect(phone.get_by_role("status")).to_contain_text(f"{number} 的服务已确认")
    assert dispatcher.get(url).json["status"] == "closed"
    phone.goto(staff_view["tracking_url"].replace("http://localhost", live_server))
    expect(phone.get_by_role("status")).to_have_text("工单已关闭，感谢您的信任！")
    assert phone.console_errors == []
    assert desk.errors == []


def test_a_label_on_the_machine_leads_to_a_request_about_it(app, mailbox, live_server, phone, clock, world, dispatcher):
    from backend.domain.assets import label_path
    from backend.extensions import db
    from backend.models import Asset, Customer

    with app.app_context():
        customer = db.session.get(Customer, world.customer_id)
        customer.email = EMAIL
        asset = Asset(customer_id=customer.id, model="WM-8", serial="SN-42", created_at=clock(), updated_at=clock())
        db.session.add(asset)
        db.session.commit()
        label = label_path(asset.id, app.config["SECRET_KEY"])

    phone.goto(live_server + label)  # what the phone's camera opens from the sticker
    phone.get_by_label("Phone number or email").fill(EMAIL)
    phone.get_by_role("button", name="Send code").click()
    expect(phone.get_by_role("status")).to_contain_text(f"We sent a code to {EMAIL}")
    phone.get_by_label("Code").fill(code_from_email(app, mailbox, "valid for 10 minutes"))
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_text("For your machine WM-8, serial SN-42")).to_be_visible()
    phone.get_by_label("What is the problem?").fill("Drum does not turn")
    phone.get_by_role("button", name="Send request").click()
    expect(phone.get_by_text(re.compile(r"Your request WO-\d+ was sent"))).to_be_visible()
    (job,) = dispatcher.get("/api/v1/work-orders?channel=portal").json["items"]
    assert dispatcher.get(f"/api/v1/work-orders/{job['id']}").json["asset_id"] == asset.id
    assert phone.console_errors == []
