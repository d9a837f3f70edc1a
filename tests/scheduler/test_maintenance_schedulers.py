"""Two schedulers (two apps on one database) making maintenance work orders at once: each
occurrence gets exactly one, by the UNIQUE (plan_id, occurs_on) key."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from backend.domain.actors import Actor
from backend.domain.assets import create_asset
from backend.domain.maintenance import create_plan
from backend.extensions import db
from backend.models import Customer, MaintenanceOccurrence, WorkOrder
from backend.scheduler import run_maintenance
from tests.conftest import START

PLANS = 60


def _plans(app, customer_id: int) -> None:
    """PLANS weekly plans whose occurrences of the next two weeks are all due now (lead 14 days)."""
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        for i in range(PLANS):
            asset = create_asset(db.session, customer, {"model": "Chiller C-1", "serial": f"C-{i}"}, START)
            data = {
                "asset_id": asset.id,
                "title": f"Weekly check {i}",
                "rrule": "FREQ=WEEKLY",
                "starts_on": date(2026, 11, 24) + timedelta(days=i % 7),
                "lead_days": 14,
            }
            create_plan(db.session, Actor.system(), START, data, "Asia/Shanghai")
        db.session.commit()


def test_two_schedulers_make_each_occurrence_once(make_app, world):
    first, second = make_app(), make_app()  # two servers on one database
    _plans(first, world.customer_id)
    summaries, errors = [], []
    start = threading.Barrier(2)

    def one_pass(app):
        try:
            start.wait()
            summaries.append(run_maintenance(app, START))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=one_pass, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(summaries) == 2
    assert sum(s.failed for s in summaries) == 0
    with first.app_context():
        occurrences = db.session.scalar(select(func.count()).select_from(MaintenanceOccurrence))
        jobs = db.session.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.type == "maintenance"))
        linked = db.session.scalar(
            select(func.count(func.distinct(MaintenanceOccurrence.work_order_id))).where(
                MaintenanceOccurrence.work_order_id.is_not(None)
            )
        )
    assert occurrences == jobs == linked == PLANS * 2  # two weeks of weekly occurrences per plan
    assert sum(s.created for s in summaries) == PLANS * 2
    # And a third pass, later the same day, makes none.
    assert run_maintenance(second, START + timedelta(hours=1)).created == 0


def test_a_second_insert_of_an_occurrence_makes_nothing(make_app, world):
    """The key itself: two sessions make the same occurrence; the one that comes second (waiting on
    the first's uncommitted row on PostgreSQL) inserts nothing and makes no work order."""
    from backend.domain.maintenance import make_occurrence
    from backend.models import MaintenancePlan

    app = make_app()
    _plans(app, world.customer_id)
    with app.app_context():
        policy, engine = app.config["SLA_POLICY"], db.engine
    from sqlalchemy.orm import Session

    with Session(engine) as one, Session(engine) as two:
        plan_one, plan_two = one.get(MaintenancePlan, 1), two.get(MaintenancePlan, 1)
        day = plan_one.next_occurs_on
        made = make_occurrence(one, plan_one, day, START, policy, "Asia/Shanghai")
        assert made is not None
        results = []
        if engine.dialect.name == "postgresql":
            waiter = threading.Thread(
                target=lambda: results.append(make_occurrence(two, plan_two, day, START, policy, "Asia/Shanghai"))
            )
            waiter.start()
            waiter.join(timeout=1)
            assert waiter.is_alive()  # blocked on the first's row with the same key
            one.commit()
            waiter.join(timeout=30)
        else:  # SQLite: one writer at a time; the second comes after the first's commit
            one.commit()
            results.append(make_occurrence(two, plan_two, day, START, policy, "Asia/Shanghai"))
        assert results == [None]
        two.commit()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 1
