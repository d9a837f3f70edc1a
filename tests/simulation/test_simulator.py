"""The dispatch simulator, as a manager runs it: the same seed gives the same figures, its figures
are OnSite's own KPI report on the simulated database, and the baseline gives each job to whoever
can arrive first. The simulated database is the test's (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.domain.arrival import Travel
from backend.domain.geo import distance_km
from backend.domain.kpis import compute_kpis
from backend.extensions import db
from backend.simulation.clock import local_instant, whole_seconds
from backend.simulation.requests import CrewMember, Request, Scenario, synthetic_scenario
from backend.simulation.runner import simulate

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOME_A = (31.2304, 121.4737)


def at(hhmm: str):
    """That time on the simulated Tuesday, Shanghai time."""
    return local_instant(date(2026, 11, 24), hhmm, SHANGHAI)


def east(km: float, of=HOME_A) -> tuple[float, float]:
    """A point `km` east of `of` (along its parallel)."""
    return of[0], of[1] + km / 95.24  # km per degree of longitude at 31.23° N


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def rows(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.sqlite_only  # the command simulates in temporary SQLite files of its own, not the test's database
def test_the_same_seed_gives_the_same_csv(app, tmp_path):
    outputs = []
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        args = ("--synthetic", "12", "--days", "1", "--crew", "5", "--seed", "7", "--out", str(out))
        result = run(app, "simulate", *args)
        assert result.exit_code == 0, result.output
        outputs.append({p: (out / f"jobs-{p}.csv").read_bytes() for p in ("baseline", "onsite")})
    assert outputs[0] == outputs[1]
    jobs = rows(tmp_path / "first" / "jobs-onsite.csv")
    assert len(jobs) == 12 and all(job["arrived_at"] for job in jobs)
    assert "urgent within SLA" in result.output and "baseline" in result.output and "onsite" in result.output


@pytest.mark.parametrize("policy", ["baseline", "onsite"])
def test_the_figures_are_the_kpi_report_of_the_simulated_database(app, database_url, policy):
    scenario = synthetic_scenario(seed=3, per_day=20, days=1, crew_size=6, tz=SHANGHAI)
    [result] = simulate(app.config, scenario, [policy], database_url)
    with app.app_context():
        kpis = compute_kpis(db.session, scenario.start, scenario.end, result.ended_at)
    assert kpis["created"] == len(result.records) == 20
    assert kpis["response_sla_met_pct"] == round(result.sla_pct, 1)
    assert kpis["avg_response_minutes"] == round(result.mean_response, 1)


def test_the_baseline_gives_each_job_to_whoever_arrives_first(app, database_url):
    """A is at a 45-minute visit at home when a job comes in 2 km east of them; B, idle 6 km east,
    is 4 km from it and there first (the nearer A would be there 30 minutes later). The next job,
    1 km west of A once A is free, goes to A."""
    day = at("00:00")
    crew = [CrewMember("A", HOME_A, ("hvac",)), CrewMember("B", east(6), ("hvac",))]
    requests = [
        Request(at("07:30"), *HOME_A, "high", "At A's door", ("hvac",)),
        Request(at("07:40"), *east(2), "high", "Between them", ("hvac",)),
        Request(at("08:30"), *east(-1), "high", "West of A", ("hvac",)),
    ]
    scenario = Scenario(requests, crew, day, day + timedelta(days=1))
    [result] = simulate(app.config, scenario, ["baseline"], database_url)
    travel = Travel(app.config["AVERAGE_SPEED_KMH"], app.config["DETOUR_FACTOR"])
    first, between, west = result.records
    assert (first.technician, first.arrived_at) == ("A", at("07:30"))
    b_drive = timedelta(minutes=travel.minutes(distance_km(east(6), east(2))))  # 4 km: 10.4 minutes
    assert (between.technician, between.arrived_at) == ("B", whole_seconds(at("07:40") + b_drive))
    a_would_arrive = at("08:15") + timedelta(minutes=travel.minutes(distance_km(HOME_A, east(2))))
    assert a_would_arrive - between.arrived_at > timedelta(minutes=25)
    assert west.technician == "A"
    a_drive = timedelta(minutes=travel.minutes(distance_km(HOME_A, east(-1))))
    assert west.arrived_at == whole_seconds(at("08:30") + a_drive)
    assert result.reassignments == 0 and result.escalations == 0


def test_a_requests_file_is_replayed_into_the_given_database(app, database_url, tmp_path):
    requests = tmp_path / "requests.csv"
    requests.write_text(
        "created_at,lat,lon,priority,type,skills\n"
        "2026-11-24T09:00:00+08:00,31.2304,121.4737,urgent,Leak,plumbing\n"
        "2026-11-24T09:20:00,31.2404,121.4837,normal,No power,electrical;plumbing\n"
    )
    out = tmp_path / "out"
    result = run(
        app, "simulate", "--requests", str(requests), "--crew", "3", "--days", "1", "--policy", "baseline",
        "--seed", "1", "--database-url", database_url, "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    jobs = rows(out / "jobs-baseline.csv")
    assert [(j["created_at"], j["priority"], j["skills"]) for j in jobs] == [
        ("2026-11-24T01:00:00Z", "urgent", "plumbing"),  # an offset is kept; without one, TIMEZONE's
        ("2026-11-24T01:20:00Z", "normal", "electrical;plumbing"),
    ]
    assert jobs[0]["within_sla"] == "yes" and jobs[0]["technician"].startswith("Sim technician")


@pytest.mark.sqlite_only  # refused before any database is opened
def test_bad_input_is_refused_with_a_clear_message(app, tmp_path):
    both = run(app, "simulate", "--synthetic", "5", "--requests", __file__)
    assert both.exit_code != 0 and "either --requests FILE.csv or --synthetic N" in both.output
    bad = tmp_path / "bad.csv"
    bad.write_text("created_at,lat,lon,priority,type,skills\n2026-11-24T09:00:00Z,31.2,121.4,soon,Leak,plumbing\n")
    refused = run(app, "simulate", "--requests", str(bad))
    assert refused.exit_code != 0 and "line 2: priority must be one of urgent, high, normal, low" in refused.output


def test_a_technician_waiting_where_their_last_job_was_is_placed_there_not_at_home(app, database_url):
    """A finishes a visit 3.5 km east of home before 08:00 and waits there, standing still; the app
    pings a heartbeat while they do. At 09:30, 95 minutes after A's last move, a job comes in 1.5 km
    from where A stands and 3 km from B, idle at home: OnSite gives it to A, measured from the site
    (without the heartbeat A counted as at home, 5 km away, after 30 minutes, and B got it)."""
    day = at("00:00")
    crew = [CrewMember("A", HOME_A, ("hvac",)), CrewMember("B", east(8), ("hvac",))]
    requests = [
        Request(at("07:00"), *east(3.5), "high", "A's first visit", ("hvac",)),
        Request(at("09:30"), *east(5), "high", "Near where A waits", ("hvac",)),
    ]
    scenario = Scenario(requests, crew, day, day + timedelta(days=1))
    [result] = simulate(app.config, scenario, ["onsite"], database_url)
    first, near = result.records
    assert first.technician == "A" and first.completed_at < at("08:00")
    travel = Travel(app.config["AVERAGE_SPEED_KMH"], app.config["DETOUR_FACTOR"])
    from_where_a_waits = timedelta(minutes=travel.minutes(distance_km(east(3.5), east(5))))
    assert near.technician == "A"
    assert near.arrived_at <= whole_seconds(at("09:30") + from_where_a_waits) + timedelta(minutes=1)


def test_the_plan_puts_an_urgent_job_where_it_adds_least_driving_within_its_deadline(app, database_url):
    """B is at a 45-minute visit at their own door when an urgent job comes in 1 km from there; A is
    idle at home 5 km from it. A would be there first (`onsite` sends A); the plan sends B, who
    drives 1 km instead of 5 and still arrives long before the two-hour deadline."""
    day = at("00:00")
    crew = [CrewMember("A", HOME_A, ("hvac",)), CrewMember("B", east(4), ("hvac",))]
    requests = [
        Request(at("07:05"), *east(4), "urgent", "At B's door", ("hvac",)),
        Request(at("07:10"), *east(5), "urgent", "Next door but one", ("hvac",)),
    ]
    scenario = Scenario(requests, crew, day, day + timedelta(days=1))
    onsite, planned = simulate(app.config, scenario, ["onsite", "onsite+plan"], database_url)
    assert [r.technician for r in onsite.records] == ["B", "A"]
    assert [r.technician for r in planned.records] == ["B", "B"]
    second = planned.records[1]
    assert second.arrived_at <= second.response_due_at
    assert planned.road_km < onsite.road_km
    assert planned.urgent_sla_pct == onsite.urgent_sla_pct == 100.0
