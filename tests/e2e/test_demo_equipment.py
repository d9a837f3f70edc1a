"""The seeded demo on the demo technician's phone: today's job on a machine in warranty shows the
machine, who pays and the 三包 repeat flag; the on-site job is on a machine out of warranty (its
charges are checked through the API in tests/cli/test_demo_equipment.py: the phone shows them at
sign-off); the van shows the part that runs low."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from backend.extensions import db
from backend.models import WorkOrder
from tests.e2e.conftest import log_in


def test_the_demo_technician_sees_the_machines_and_the_low_part(app, clock, live_server, phone, axe):
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--technicians", "5", "--work-orders", "40", "--seed", "3", "--now", clock().isoformat()]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        repeat = db.session.scalar(select(WorkOrder).where(WorkOrder.repeat_repair.is_(True)))
        out = db.session.scalar(select(WorkOrder).where(WorkOrder.warranty == "out_of_warranty"))
        repeat_id, out_id = repeat.id, out.id

    log_in(phone, live_server, "tech@onsite.demo", "onsite-demo")
    phone.goto(f"{live_server}/#/jobs/{repeat_id}")
    machine = phone.get_by_role("region", name="Machine")
    expect(machine).to_contain_text("Daikin FXMQ125 · DK-2026-0418")
    expect(machine).to_contain_text("In warranty")
    expect(machine).to_contain_text("Repeat repair (三包): 1 earlier")
    axe(phone, "a demo job on a machine with an earlier repair")

    phone.goto(f"{live_server}/#/jobs/{out_id}")
    expect(phone.get_by_role("region", name="Machine")).to_contain_text("Out of warranty")

    phone.get_by_role("link", name="My van").click()
    van = phone.get_by_role("table", name="Parts in my van")
    expect(van.get_by_role("row", name="CAP-35UF")).to_contain_text("Low")
    expect(van.get_by_role("row", name="FLT-AC-450")).not_to_contain_text("Low")
