"""Working time on known dates of 2026: weekdays, weekends, China's National Day holiday, a make-up
working day (调休) on a weekend, company days, overnight shifts, and SLA clocks in business hours."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.domain.calendar import (
    CompanyCalendar,
    add_business_minutes,
    company_calendar,
    hours_problem,
    next_shift_start,
    parse_business_hours,
    working_until,
)
from backend.domain.sla import due_times
from backend.extensions import db
from backend.models import CompanyDay

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = CompanyCalendar(tz=SHANGHAI)
OFFICE = {day: ["08:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
NIGHTS = {"fri": ["22:00", "06:00"]}
BUSINESS = parse_business_hours("mon-fri 09:00-18:00")


def local(*parts) -> datetime:
    """A wall-clock time in Shanghai, as the UTC instant the domain takes."""
    return datetime(*parts, tzinfo=SHANGHAI).astimezone(UTC)


def test_a_normal_weekday_is_worked_and_a_weekend_is_not():
    assert CAL.is_working_day(date(2026, 3, 4))  # a Wednesday
    assert not CAL.is_working_day(date(2026, 3, 7))  # a Saturday
    assert working_until(OFFICE, local(2026, 3, 4, 10, 0), CAL) == local(2026, 3, 4, 17, 0)
    assert working_until(OFFICE, local(2026, 3, 7, 10, 0), CAL) == local(2026, 3, 7, 10, 0)


def test_the_national_day_week_is_off_and_the_next_shift_is_after_it():
    # The package's 2026 National Day: Oct 1-3 and 5-7 (the 4th is a Sunday).
    assert not any(CAL.is_working_day(date(2026, 10, day)) for day in range(1, 8))
    assert working_until(OFFICE, local(2026, 10, 1, 10, 0), CAL) == local(2026, 10, 1, 10, 0)
    assert next_shift_start(OFFICE, local(2026, 9, 30, 18, 0), CAL) == local(2026, 10, 8, 8, 0)


def test_a_make_up_saturday_is_worked_with_weekday_hours():
    # 调休: Saturday 10 October 2026 is worked in exchange for a National Day bridge day.
    assert CAL.is_working_day(date(2026, 10, 10))
    assert working_until(OFFICE, local(2026, 10, 10, 9, 0), CAL) == local(2026, 10, 10, 17, 0)
    assert next_shift_start(OFFICE, local(2026, 10, 9, 18, 0), CAL) == local(2026, 10, 10, 8, 0)


def test_ordinary_weekend_hours_are_worked_on_an_ordinary_weekend():
    saturdays = {"sat": ["09:00", "12:00"]}
    assert working_until(saturdays, local(2026, 3, 7, 11, 0), CAL) == local(2026, 3, 7, 12, 0)
    assert working_until(saturdays, local(2026, 10, 3, 11, 0), CAL) == local(2026, 10, 3, 11, 0)  # National Day


def test_an_overnight_shift_ends_the_next_morning():
    assert working_until(NIGHTS, local(2026, 3, 6, 23, 0), CAL) == local(2026, 3, 7, 6, 0)
    assert working_until(NIGHTS, local(2026, 3, 7, 5, 59), CAL) == local(2026, 3, 7, 6, 0)
    assert working_until(NIGHTS, local(2026, 3, 7, 6, 0), CAL) == local(2026, 3, 7, 6, 0)
    assert next_shift_start(NIGHTS, local(2026, 3, 7, 6, 0), CAL) == local(2026, 3, 13, 22, 0)


def test_working_until_at_the_shifts_last_minute_and_at_its_end():
    assert working_until(OFFICE, local(2026, 3, 4, 16, 59), CAL) == local(2026, 3, 4, 17, 0)
    assert working_until(OFFICE, local(2026, 3, 4, 17, 0), CAL) == local(2026, 3, 4, 17, 0)
    assert working_until(OFFICE, local(2026, 3, 4, 7, 59), CAL) == local(2026, 3, 4, 7, 59)


def test_no_hours_means_no_limit():
    assert working_until(None, local(2026, 10, 1, 3, 0), CAL) is None
    assert next_shift_start(None, local(2026, 10, 1, 3, 0), CAL) is None


def test_no_shift_within_two_weeks_gives_none():
    assert next_shift_start({}, local(2026, 3, 4, 10, 0), CAL) is None


def test_company_days_override_the_public_calendar(app):
    with app.app_context():
        db.session.add_all(
            [
                CompanyDay(day=date(2026, 3, 4), kind="holiday", name="Company anniversary"),
                CompanyDay(day=date(2026, 10, 5), kind="working_day", name="Stocktaking"),
            ]
        )
        db.session.commit()
        cal = company_calendar(db.session, "Asia/Shanghai")
    assert not cal.is_working_day(date(2026, 3, 4))
    assert working_until(OFFICE, local(2026, 3, 4, 10, 0), cal) == local(2026, 3, 4, 10, 0)
    assert cal.is_working_day(date(2026, 10, 5))
    assert next_shift_start(OFFICE, local(2026, 10, 1, 10, 0), cal) == local(2026, 10, 5, 8, 0)


def test_business_minutes_stop_at_closing_time_and_over_holidays():
    # Wednesday 30 September 17:00 + 24 business hours: 1 h that evening, nothing until Thursday
    # 8 October, 9 h then and 9 h on Friday, the last 5 h on the make-up Saturday.
    assert add_business_minutes(local(2026, 9, 30, 17, 0), 24 * 60, CAL, BUSINESS) == local(2026, 10, 10, 14, 0)
    # Before opening: counted from 09:00.
    assert add_business_minutes(local(2026, 3, 4, 6, 0), 60, CAL, BUSINESS) == local(2026, 3, 4, 10, 0)


def test_due_times_follow_the_priority_clock():
    created = local(2026, 9, 30, 17, 0)
    business = {"respond": 120, "resolve": 600, "clock": "business", "business_hours": BUSINESS}
    policy = {
        "urgent": {"respond": 120, "resolve": 480, "clock": "24x7"},
        "normal": business | {"timezone": "Asia/Shanghai"},
    }
    assert due_times("urgent", created, policy) == (local(2026, 9, 30, 19, 0), local(2026, 10, 1, 1, 0))
    assert due_times("normal", created, policy) == (local(2026, 10, 8, 10, 0), local(2026, 10, 8, 18, 0))


@pytest.mark.parametrize(
    "hours",
    [
        {"monday": ["08:00", "17:00"]},
        {"mon": ["8:00", "17:00"]},
        {"mon": ["08:00", "24:00"]},
        {"mon": ["08:00"]},
        {"mon": ["08:00", "08:00"]},
        ["mon"],
    ],
)
def test_malformed_hours_are_explained(hours):
    assert hours_problem(hours)


def test_business_hours_read_from_the_setting():
    assert parse_business_hours("mon-wed 09:00-18:00; sat 10:00-12:00") == {
        "mon": ["09:00", "18:00"],
        "tue": ["09:00", "18:00"],
        "wed": ["09:00", "18:00"],
        "sat": ["10:00", "12:00"],
    }
    with pytest.raises(ValueError):
        parse_business_hours("weekdays 9-6")
