"""The flask commands, run as an operator would run them."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import STATUSES, Event, Technician, User, WorkOrder
from tests.conftest import ApiClient


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_create_user_for_each_role_and_a_technician_profile(app):
    assert (
        run(app, "create-user", "--email", "Boss@Example.com", "--password", "secret123", "--role", "admin").exit_code
        == 0
    )
    result = run(
        app,
        "create-user",
        "--email",
        "t@example.com",
        "--password",
        "secret123",
        "--role",
        "technician",
        "--skills",
        "hvac, plumbing",
        "--home",
        "31.2,121.4",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "boss@example.com")) == "admin"
        technician = db.session.scalar(select(Technician).join(Technician.user).where(User.email == "t@example.com"))
        assert technician.skills == ["hvac", "plumbing"]
        assert (technician.home_lat, technician.home_lon) == (31.2, 121.4)


def test_create_user_refuses_duplicates_and_bad_positions(app):
    assert (
        run(app, "create-user", "--email", "a@example.com", "--password", "secret123", "--role", "dispatcher").exit_code
        == 0
    )
    duplicate = run(app, "create-user", "--email", "A@example.com", "--password", "x", "--role", "dispatcher")
    assert duplicate.exit_code != 0 and "already taken" in duplicate.output
    bad = run(
        app, "create-user", "--email", "b@example.com", "--password", "x", "--role", "technician", "--home", "95,10"
    )
    assert bad.exit_code != 0 and "latitude" in bad.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def _digest(app):
    with app.app_context():
        return db.session.execute(
            select(WorkOrder.title, WorkOrder.status, WorkOrder.priority).order_by(WorkOrder.id)
        ).all()


def test_seed_demo_makes_every_status_with_consistent_timelines(app):
    result = run(app, "seed-demo", "--technicians", "12", "--work-orders", "300", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "dispatcher@onsite.demo" in result.output
    with app.app_context():
        statuses = set(db.session.scalars(select(WorkOrder.status)))
        assert statuses == set(STATUSES)
        for wo in db.session.scalars(select(WorkOrder).where(WorkOrder.status == "closed")):
            actions = [e.action for e in wo.events]
            assert actions[0] == "created" and actions[-1] == "close"
            assert wo.closed_at == wo.events[-1].occurred_at
        times = db.session.execute(select(Event.work_order_id, Event.occurred_at).order_by(Event.id)).all()
        last = {}
        for wo_id, at in times:
            assert at >= last.get(wo_id, at)
            last[wo_id] = at
    client = ApiClient(app.test_client())
    assert client.login("tech@onsite.demo", "onsite-demo").status_code == 200
    assert client.get("/api/v1/work-orders").json["total"] > 0

    dispatcher = ApiClient(app.test_client())
    assert dispatcher.login("dispatcher@onsite.demo", "onsite-demo").status_code == 200
    closed = dispatcher.get("/api/v1/work-orders?status=closed&per_page=5").json["items"]
    for item in closed:  # the seeded sign-off hashes match the records the API recomputes
        assert dispatcher.get(f"/api/v1/work-orders/{item['id']}").json["signoff"]["record_valid"] is True
    # Ids were given explicitly by the bulk insert; new rows must still get fresh ids.
    customer = dispatcher.post("/api/v1/customers", json={"name": "After Seed Ltd"})
    assert customer.status_code == 201, customer.json


def test_seed_demo_is_deterministic_and_if_empty_adds_nothing(app, database_url):
    assert run(app, "seed-demo", "--technicians", "5", "--work-orders", "50", "--seed", "3").exit_code == 0
    first = _digest(app)
    again = run(app, "seed-demo", "--work-orders", "50", "--if-empty")
    assert again.exit_code == 0 and "nothing added" in again.output
    assert _digest(app) == first
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    assert run(app, "seed-demo", "--technicians", "5", "--work-orders", "50", "--seed", "3").exit_code == 0
    assert [row[1:] for row in _digest(app)] == [row[1:] for row in first]
