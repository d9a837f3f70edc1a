"""Working time: the company's calendar (weekends, China's public holidays and make-up working days,
company days an admin adds), technicians' working hours per weekday, and SLA clocks that run in
business hours.

Hours are a dict of weekday to a shift in the company's time zone, `{"mon": ["08:00", "17:00"], ...}`;
a weekday left out is a day off; None means no hours set (no limit: available whenever on shift).
A shift whose end is not after its start runs overnight ("22:00"-"06:00" ends the next morning).
A shift belongs to the day it starts: a holiday cancels the shift starting on it, not one running
into it from the evening before. An ordinary weekend is worked by whoever has hours on it; a
weekend made a working day (调休, or a company working day) is worked by everyone with weekday
hours: those of its own weekday if set, else the first of Monday to Friday that has hours.
Every datetime taken and returned is UTC-aware; the calendar converts to local time itself.
The shift toggle (`on_shift`) is not looked at here: off is off, whatever the hours say, and the
callers check it first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select

from ..models.calendar import CompanyDay
from .errors import Conflict, NotFound

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far `next_shift_start` looks: beyond two weeks nobody plans with a technician's hours.
LOOKAHEAD_DAYS = 14
SLA_CLOCKS = ("24x7", "business")
DEFAULT_BUSINESS_HOURS = "mon-fri 09:00-18:00"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@lru_cache(maxsize=32)
def _china_holidays(year: int) -> holidays.HolidayBase:
    """The package's calendar for one year (building it costs a few ms; it never changes at runtime)."""
    return holidays.China(years=year)


@dataclass(frozen=True)
class CompanyCalendar:
    """The company's time zone and which dates are working days.

    `company_days` maps a date to "holiday" or "working_day"; those override the package."""

    tz: ZoneInfo
    company_days: dict[date, str] = field(default_factory=dict, compare=False, hash=False)

    def is_working_day(self, day: date) -> bool:
        """A company day decides; otherwise China's calendar: Monday to Friday except public
        holidays, plus the weekend days worked in exchange for a bridge day (调休)."""
        kind = self.company_days.get(day)
        if kind is not None:
            return kind == "working_day"
        return _china_holidays(day.year).is_working_day(day)

    def is_holiday(self, day: date) -> bool:
        """A public or company holiday: nobody's shift starts on it, whatever their hours."""
        kind = self.company_days.get(day)
        if kind is not None:
            return kind == "holiday"
        return day in _china_holidays(day.year)

    def is_makeup_day(self, day: date) -> bool:
        """A Saturday or Sunday worked in exchange for a bridge day (调休), or made a working day
        by the company."""
        return day.weekday() >= 5 and self.is_working_day(day)

    def local(self, at: datetime) -> datetime:
        """`at` (aware) on the company's wall clock."""
        return _aware(at).astimezone(self.tz)

    def at_local(self, day: date, clock: time) -> datetime:
        """The UTC instant of `clock` on `day` on the company's wall clock."""
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)


def company_calendar(session, tz_name: str) -> CompanyCalendar:
    """The calendar in `tz_name` with every company day, read once (the table holds a few rows a year)."""
    days = {row.day: row.kind for row in session.scalars(select(CompanyDay))}
    return CompanyCalendar(tz=ZoneInfo(tz_name), company_days=days)


def working_until(hours: dict | None, at: datetime, cal: CompanyCalendar) -> datetime | None:
    """When the shift running at `at` ends (UTC). None when `hours` is None (no limit); `at` itself
    when off duty at `at` (a day off, a holiday, outside the day's hours), so `working_until(...) > at`
    asks "working now?"."""
    if hours is None:
        return None
    at = _aware(at)
    for start, end in _shifts_around(hours, at, cal):
        if start <= at < end:
            return end
    return at


def next_shift_start(hours: dict | None, at: datetime, cal: CompanyCalendar) -> datetime | None:
    """The first start of a shift at or after `at` (UTC) on a day that is not a holiday, looking at most
    `LOOKAHEAD_DAYS` ahead; None when `hours` is None or no shift starts in that time. A shift
    already running at `at` has started: ask `working_until` for it."""
    if hours is None:
        return None
    at = _aware(at)
    first_day = cal.local(at).date()
    for offset in range(LOOKAHEAD_DAYS + 1):
        shift = _shift_on(hours, first_day + timedelta(days=offset), cal)
        if shift is not None and shift[0] >= at:
            return shift[0]
    return None


def add_business_minutes(start: datetime, minutes: int, cal: CompanyCalendar, business_hours: dict) -> datetime:
    """`start` plus `minutes` counted only inside `business_hours` on working days: a clock that
    stops at closing time, over weekends and holidays. A start outside business hours counts from
    the next opening. Should no opening come within `LOOKAHEAD_DAYS` (hours with no day at all),
    the rest counts round the clock rather than never."""
    at = _aware(start)
    remaining = timedelta(minutes=minutes)
    while True:
        end = working_until(business_hours, at, cal)
        if end > at:
            if remaining <= end - at:
                return at + remaining
            remaining -= end - at
            at = end
            continue
        opening = next_shift_start(business_hours, at, cal)
        if opening is None:
            return at + remaining
        at = opening


def parse_business_hours(text: str) -> dict:
    """`"mon-fri 09:00-18:00"` (ranges or single days, several parts separated by commas or
    semicolons, e.g. `"mon-fri 09:00-18:00; sat 09:00-12:00"`) as an hours dict. ValueError if unreadable."""
    hours: dict[str, list[str]] = {}
    for part in re.split(r"[;,]", text):
        if not part.strip():
            continue
        match = re.fullmatch(r"\s*([a-z]{3})(?:-([a-z]{3}))?\s+(\d\d:\d\d)-(\d\d:\d\d)\s*", part.lower())
        if match is None or match[1] not in WEEKDAYS or (match[2] and match[2] not in WEEKDAYS):
            raise ValueError(f"business hours must look like 'mon-fri 09:00-18:00', not {part.strip()!r}")
        first = WEEKDAYS.index(match[1])
        last = WEEKDAYS.index(match[2] or match[1])
        if last < first:
            raise ValueError(f"weekday range runs backwards in {part.strip()!r}")
        for weekday in WEEKDAYS[first : last + 1]:
            hours[weekday] = [match[3], match[4]]
    problem = hours_problem(hours)
    if problem:
        raise ValueError(problem)
    return hours


def hours_problem(hours) -> str | None:
    """Why `hours` is not a valid hours dict, or None: keys are weekdays mon..sun, each value two
    "HH:MM" strings that differ (equal start and end would be a shift of no or of 24 hours)."""
    if not isinstance(hours, dict):
        return "hours must be an object of weekday to [start, end]"
    for weekday, shift in hours.items():
        if weekday not in WEEKDAYS:
            return f"unknown weekday {weekday!r}: use {', '.join(WEEKDAYS)}"
        if not (isinstance(shift, list | tuple) and len(shift) == 2 and all(isinstance(t, str) for t in shift)):
            return f'{weekday}: give [start, end] as two "HH:MM" times'
        if not all(_HHMM.match(t) for t in shift):
            return f'{weekday}: times must be "HH:MM" from 00:00 to 23:59'
        if shift[0] == shift[1]:
            return f"{weekday}: start and end must differ"
    return None


def sla_clock_minutes(
    start: datetime, minutes: int, clock: str, cal: CompanyCalendar | None, business_hours: dict | None
) -> datetime:
    """`start` plus `minutes` on the SLA clock `clock` ("24x7" or "business")."""
    if clock == "business" and cal is not None and business_hours is not None:
        return add_business_minutes(start, minutes, cal, business_hours)
    return _aware(start) + timedelta(minutes=minutes)


def _shift_on(hours: dict, day: date, cal: CompanyCalendar) -> tuple[datetime, datetime] | None:
    """(start, end) in UTC of the shift starting on local `day`, or None on a day off or holiday
    (the hours decide ordinary weekends; a make-up working day gets weekday hours)."""
    if cal.is_holiday(day):
        return None
    shift = hours.get(WEEKDAYS[day.weekday()])
    if not shift and cal.is_makeup_day(day):
        shift = next((hours[weekday] for weekday in WEEKDAYS[:5] if hours.get(weekday)), None)
    if not shift:
        return None
    start_clock, end_clock = (time.fromisoformat(t) for t in shift)
    end_day = day + timedelta(days=1) if end_clock <= start_clock else day
    return cal.at_local(day, start_clock), cal.at_local(end_day, end_clock)


def _shifts_around(hours: dict, at: datetime, cal: CompanyCalendar) -> list[tuple[datetime, datetime]]:
    """The shifts that could be running at `at`: yesterday's (an overnight one) and today's."""
    today = cal.local(at).date()
    days = (today - timedelta(days=1), today)
    return [shift for shift in (_shift_on(hours, day, cal) for day in days) if shift is not None]


def _aware(at: datetime) -> datetime:
    """Refuse naive datetimes: every time in the domain is UTC-aware."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware datetime")
    return at.astimezone(UTC)


def add_company_day(session, day: date, kind: str, name: str) -> CompanyDay:
    """A company holiday or working day on `day`; one entry a date (Conflict when it has one)."""
    existing = session.scalar(select(CompanyDay).where(CompanyDay.day == day))
    if existing is not None:
        raise Conflict(f"{day.isoformat()} is already a company {existing.kind.replace('_', ' ')}: {existing.name}.")
    company_day = CompanyDay(day=day, kind=kind, name=name)
    session.add(company_day)
    session.flush()
    return company_day


def remove_company_day(session, company_day_id: int) -> None:
    """Give the date back to the public calendar."""
    company_day = session.get(CompanyDay, company_day_id)
    if company_day is None:
        raise NotFound(f"Company day {company_day_id} not found.")
    session.delete(company_day)
    session.flush()


def sla_calendar(session, policy: dict) -> CompanyCalendar | None:
    """The calendar `sla.due_times` should count business minutes by (with company days), or None
    when every priority's clock runs 24x7 (then nothing is read)."""
    zones = [entry.get("timezone") for entry in policy.values() if entry.get("clock") == "business"]
    if not zones or session is None:
        return None
    return company_calendar(session, zones[0] or "Asia/Shanghai")
