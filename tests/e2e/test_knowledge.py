"""The knowledge base in Chromium: a dispatcher drafts an article from a resolved job, completes and
publishes it; the article is suggested at intake; a technician reads it on the phone without signal."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import log_in, log_in_to_console

TITLE = "Air conditioner blows warm air"


def _act(client, job_id: int, action: str, **body) -> None:
    response = client.post(f"/api/v1/work-orders/{job_id}/actions/{action}", json=body)
    assert response.status_code == 200, response.json


def _completed_job(dispatcher, technician, world, new_work_order) -> dict:
    job = new_work_order(title=TITLE, description="Warm air from every vent since Monday")
    assert dispatcher.post(f"/api/v1/work-orders/{job['id']}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        _act(technician, job["id"], action)
    _act(technician, job["id"], "complete", resolution="Start capacitor replaced", first_time_fix=True)
    return job


def _draft_and_publish(desk, live_server, job: dict) -> None:
    desk.goto(f"{live_server}/dispatch#/jobs/{job['id']}")
    desk.get_by_role("button", name="Draft an article from this job").click()
    expect(desk.get_by_role("heading", name="Edit article")).to_be_visible()
    expect(desk.get_by_label("Title")).to_have_value(TITLE)
    expect(desk.get_by_label("Symptoms")).to_have_value("Warm air from every vent since Monday")
    expect(desk.get_by_label("Fix")).to_have_value("Start capacitor replaced")
    expect(desk.get_by_role("group", name="Skills").get_by_label("hvac")).to_be_checked()
    expect(desk.get_by_label("Published (technicians see it)")).not_to_be_checked()
    desk.get_by_label("Cause").fill("The start capacitor had failed (bulging top)")
    desk.get_by_role("button", name="Save article").click()
    expect(desk.get_by_role("status").filter(has_text="Saved.")).to_be_visible()

    desk.get_by_role("link", name="← Knowledge base").click()
    desk.get_by_label("Words in the text").fill("电容 capacitor")  # no Chinese in it: nothing
    desk.get_by_role("button", name="Search").click()
    expect(desk.get_by_text("No article matches.")).to_be_visible()
    desk.get_by_label("Words in the text").fill("bulging")
    desk.get_by_role("button", name="Search").click()
    row = desk.get_by_role("table", name="Articles").get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Draft")
    row.get_by_role("button", name=f"Publish {TITLE}").click()
    expect(row).to_contain_text("Published")
    expect(row.get_by_role("button", name=f"Unpublish {TITLE}")).to_be_visible()


def test_an_article_drafted_from_a_job_is_published_suggested_and_read_offline(
    live_server, desk, phone, dispatcher, technician, world, new_work_order
):
    job = _completed_job(dispatcher, technician, world, new_work_order)
    log_in_to_console(desk, live_server, world.dispatcher_email)
    _draft_and_publish(desk, live_server, job)

    # At intake, the title being typed brings the article up.
    desk.get_by_role("link", name="New work order").click()
    desk.get_by_label("Title").fill("warm air")
    suggestions = desk.get_by_role("region", name="Suggested articles")
    expect(suggestions.get_by_role("link", name=TITLE)).to_be_visible()
    assert desk.errors == []

    # The technician's next job on the same fault: the phone downloads its suggestions.
    next_job = new_work_order(title="Office air conditioner: warm air again", required_skills=["hvac"])
    url = f"/api/v1/work-orders/{next_job['id']}/assign"
    assert dispatcher.post(url, json={"technician_id": world.technician_id}).status_code == 200
    log_in(phone, live_server, world.tech_email)
    phone.get_by_role("link", name="Office air conditioner: warm air again").click()
    helps = phone.get_by_role("region", name="Articles that may help")
    expect(helps.get_by_text(TITLE)).to_be_visible()

    # No signal: the app opens from the phone's copy, and so does the article.
    phone.context.set_offline(True)
    phone.reload()
    helps = phone.get_by_role("region", name="Articles that may help")
    expect(helps.get_by_text(TITLE)).to_be_visible()
    helps.get_by_text(TITLE).click()
    expect(helps.get_by_text("The start capacitor had failed (bulging top)")).to_be_visible()
    expect(helps.get_by_text("Start capacitor replaced")).to_be_visible()

    # The technician's own articles, searched on the phone (a Chinese-friendly substring match).
    phone.get_by_text("Articles on this phone (1), readable offline").click()
    phone.get_by_label("Find in articles").fill("bulging")
    expect(phone.locator("details.card details.article")).to_have_count(1)
    phone.get_by_label("Find in articles").fill("漏水")
    expect(phone.locator("details.card details.article")).to_have_count(0)
    phone.context.set_offline(False)
    assert phone.console_errors == []
