"""A technician scans a machine's QR label with the phone's camera and sees its service history,
then sees it again without signal. The camera is Chromium's fake device playing a video made here
from the label the server printed (the QR code as the API serves it)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, FLAGS, log_in

WIDTH, HEIGHT = 640, 480


def y4m_of(png: bytes, path) -> None:
    """A short 4:2:0 video (Y4M) of the label centred on white: what the fake camera plays in a loop."""
    label = Image.open(io.BytesIO(png)).convert("L")
    side = 360
    label = label.resize((side, side), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(label, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            video.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture
def camera_phone(chromium):
    """`camera_phone(video)` → a phone (its own Chromium) whose camera films `video` in a loop."""
    playwright, _ = chromium
    browsers = []

    def open_phone(video_path):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *FLAGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video_path}",
            ],
        )
        browsers.append(browser)
        context = browser.new_context(**playwright.devices["Pixel 7"])
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield open_phone
    for browser in browsers:
        browser.close()


def _act(client, job_id: int, action: str, **body) -> None:
    response = client.post(f"/api/v1/work-orders/{job_id}/actions/{action}", json=body)
    assert response.status_code == 200, response.json


def test_a_technician_scans_a_label_and_sees_the_history_offline_too(
    live_server, camera_phone, dispatcher, technician, world, new_work_order, tmp_path, axe
):
    asset = dispatcher.post(
        f"/api/v1/customers/{world.customer_id}/assets",
        json={"model": "Gree KFR-35GW", "serial": "SN-4711", "warranty_until": "2030-12-31", "place": "Server room"},
    ).json
    job = new_work_order(title="Compressor hums, no cold air", asset_id=asset["id"])
    assert dispatcher.post(f"/api/v1/work-orders/{job['id']}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        _act(technician, job["id"], action)
    _act(technician, job["id"], "complete", resolution="Start capacitor replaced", first_time_fix=True)

    label = dispatcher.get(f"/api/v1/assets/{asset['id']}/label.png")
    assert label.status_code == 200
    video = tmp_path / "label.y4m"
    y4m_of(label.data, video)

    phone = camera_phone(video)
    phone.context.set_default_timeout(20_000)
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name="Scan").click()
    expect(phone.get_by_role("heading", name="Scan a machine's label")).to_be_visible()
    expect(phone.get_by_label("Or type the label's link or code")).to_be_visible()
    # The camera films the label: the app reads it and opens the machine's history.
    expect(phone.get_by_role("heading", name="Gree KFR-35GW · SN-4711")).to_be_visible()
    history = phone.get_by_role("list", name="Service history")
    expect(history).to_contain_text("Compressor hums, no cold air")
    expect(history).to_contain_text("Start capacitor replaced")
    expect(phone.get_by_text("Server room")).to_be_visible()
    expect(phone.get_by_text("In warranty", exact=True)).to_be_visible()
    token = asset["link"].rsplit("/a/", 1)[1]
    assert phone.url.endswith(f"#/asset/{token}")
    axe(phone, "an asset's history")

    # No signal: the machine opens from the phone's copy.
    phone.get_by_role("link", name="OnSite").click()
    expect(phone.get_by_role("heading", name="My jobs")).to_be_visible()
    phone.context.set_offline(True)
    phone.evaluate("token => { location.hash = '#/asset/' + token; }", token)
    offline_copy = phone.get_by_role("status").filter(has_text="Offline: the history as this phone last saw it")
    expect(offline_copy).to_be_visible()
    expect(phone.get_by_role("list", name="Service history")).to_contain_text("Compressor hums, no cold air")
    # A machine never opened on this phone cannot be shown offline, and says so.
    phone.evaluate("() => { location.hash = '#/asset/not-seen-before'; }")
    expect(phone.get_by_role("alert")).to_contain_text("has not been opened on this phone before")
    phone.context.set_offline(False)

    # The label's link opened in the phone's browser leads to the same screen.
    phone.goto(f"{live_server}/a/{token}")
    expect(phone.get_by_role("heading", name="Gree KFR-35GW · SN-4711")).to_be_visible()
    assert phone.errors == []


def test_without_a_camera_the_labels_code_is_typed(live_server, phone, dispatcher, world, axe):
    asset = dispatcher.post(
        f"/api/v1/customers/{world.customer_id}/assets", json={"model": "Midea MDV-D22", "serial": "M-1"}
    ).json
    token = asset["link"].rsplit("/a/", 1)[1]
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name="Scan").click()
    expect(phone.get_by_role("status").filter(has_text="No camera available")).to_be_visible()
    axe(phone, "the scan screen")
    phone.get_by_label("Or type the label's link or code").fill(f"{live_server}/a/{token}")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Midea MDV-D22 · M-1")).to_be_visible()
    expect(phone.get_by_text("No jobs on this machine yet.")).to_be_visible()
    phone.get_by_label("Or type the label's link or code").wait_for(state="detached")
    phone.get_by_role("link", name="Scan another label").click()
    phone.get_by_label("Or type the label's link or code").fill(token[:-3] + "xyz")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("alert")).to_contain_text("This label is not one of ours.")
