"""The technician app in a real browser on a phone viewport: log in, see my jobs, switch language."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_technician_logs_in_and_sees_only_their_open_jobs(live_server, phone, dispatcher, world, new_work_order):
    mine = new_work_order(title="Chiller alarm in basement", priority="urgent")
    dispatcher.post(f"/api/v1/work-orders/{mine['id']}/assign", json={"technician_id": world.technician_id})
    theirs = new_work_order(title="Somebody else's leak")
    dispatcher.post(f"/api/v1/work-orders/{theirs['id']}/assign", json={"technician_id": world.other_technician_id})

    phone.goto(live_server + "/")
    phone.get_by_label("Email").fill(world.tech_email)
    phone.get_by_label("Password").fill("wrong password")
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_role("alert")).to_have_text("Wrong email or password.")

    phone.get_by_label("Password").fill("password123")
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_role("heading", name="My jobs")).to_be_visible()
    jobs = phone.get_by_role("list", name="My jobs").get_by_role("listitem")
    expect(jobs).to_have_count(1)
    expect(jobs.first).to_contain_text("Chiller alarm in basement")
    expect(jobs.first).to_contain_text(f"{mine['number']} · Urgent · Assigned")
    expect(jobs.first).to_contain_text(re.compile(r"Respond within|Overdue by"))

    phone.reload()  # the session survives a restart of the app
    expect(phone.get_by_role("heading", name="My jobs")).to_be_visible()
    phone.get_by_label("Language").select_option("zh-CN")
    expect(phone.get_by_role("heading", name="我的工单")).to_be_visible()
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"
    assert phone.console_errors == []


def test_the_shell_is_installable_and_cached_for_offline(live_server, phone):
    phone.goto(live_server + "/")
    expect(phone.get_by_role("button", name="Log in")).to_be_visible()
    assert phone.evaluate("navigator.serviceWorker.ready.then(r => r.active !== null)") is True
    manifest = phone.request.get(live_server + "/manifest.webmanifest")
    assert manifest.ok and manifest.json()["display"] == "standalone"
    assert phone.evaluate("caches.keys().then(k => k.some(n => n.startsWith('onsite-shell-')))") is True

    phone.context.set_offline(True)
    phone.reload()  # no network: the precached shell still opens
    expect(phone.get_by_role("button", name="Log in")).to_be_visible()
    phone.context.set_offline(False)
