"""The simulated clock: an agenda of what happens when, taken in time order.

Nothing sleeps: the clock jumps from one happening to the next. Happenings at the same instant are
taken by rank (a shift change before a new request, the scheduler's pass last), then in the order
they were put on the agenda, so a run is the same for the same seed.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The roster (the dispatcher's look at jobs waiting for the morning) comes after everyone's shift start.
RANKS = {
    "shift_start": 0,
    "shift_end": 0,
    "roster": 1,
    "arrive": 2,
    "done": 2,
    "ping": 3,
    "heartbeat": 3,
    "request": 4,
    "tick": 9,
}


@dataclass(order=True, frozen=True)
class Happening:
    at: datetime
    rank: int
    seq: int
    kind: str = field(compare=False)
    data: tuple = field(compare=False, default=())


class Agenda:
    """What is due to happen, earliest first. `now` is the time of the last happening taken."""

    def __init__(self, start: datetime):
        self.now = start
        self._heap: list[Happening] = []
        self._seq = 0

    def add(self, at: datetime, kind: str, *data) -> None:
        self._seq += 1
        heapq.heappush(self._heap, Happening(whole_seconds(at), RANKS[kind], self._seq, kind, data))

    def take(self) -> Happening:
        happening = heapq.heappop(self._heap)
        self.now = happening.at
        return happening

    def __bool__(self) -> bool:
        return bool(self._heap)


def whole_seconds(at: datetime) -> datetime:
    """Times are kept to the second: the databases store them so, and runs must compare equal."""
    return at.replace(microsecond=0) + timedelta(seconds=1 if at.microsecond >= 500_000 else 0)


def local_instant(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """`day` at `hhmm` in the company's time zone, as an aware datetime (UTC is what the domain takes)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=tz).astimezone(UTC)


def next_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)
