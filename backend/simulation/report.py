"""The figures of a run, side by side per policy, and one CSV row per job.

Response is creation to the first arrival. A job counts for the response SLA once it is decided:
reached, or its response due time passed before the simulation ended (as the KPI report counts
it). Jobs per technician are the visits each one completed. Reassignments are moves of a job from
one technician to another (by anyone); escalations are the scheduler's `escalated` events.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .crew import JobRecord


@dataclass
class PolicyResult:
    policy: str
    records: list[JobRecord]
    visits: dict[str, int]  # technician name -> visits completed
    road_km: float
    started_at: datetime
    ended_at: datetime  # when the simulation stopped (all done, or the drain limit)
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def _decided(self, records) -> list[JobRecord]:
        return [r for r in records if r.arrived_at is not None or r.response_due_at <= self.ended_at]

    def _sla_pct(self, records) -> float | None:
        decided = self._decided(records)
        if not decided:
            return None
        met = sum(1 for r in decided if r.arrived_at is not None and r.arrived_at <= r.response_due_at)
        return 100.0 * met / len(decided)

    @property
    def urgent_sla_pct(self) -> float | None:
        return self._sla_pct([r for r in self.records if r.priority == "urgent"])

    @property
    def sla_pct(self) -> float | None:
        return self._sla_pct(self.records)

    @property
    def responses(self) -> list[float]:
        return sorted(r.response_minutes for r in self.records if r.response_minutes is not None)

    @property
    def mean_response(self) -> float | None:
        responses = self.responses
        return sum(responses) / len(responses) if responses else None

    @property
    def p90_response(self) -> float | None:
        """The nearest-rank 90th percentile."""
        responses = self.responses
        return responses[math.ceil(0.9 * len(responses)) - 1] if responses else None

    @property
    def reassignments(self) -> int:
        return sum(r.moves for r in self.records)

    @property
    def escalations(self) -> int:
        return sum(1 for r in self.records if r.escalated)

    @property
    def unreached(self) -> int:
        return sum(1 for r in self.records if r.arrived_at is None)

    @property
    def jobs_per_technician(self) -> tuple[int, int, float]:
        counts = list(self.visits.values()) or [0]
        return min(counts), max(counts), sum(counts) / len(counts)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


ROWS = (
    ("jobs", lambda r: f"{len(r.records)}"),
    ("urgent within SLA", lambda r: _pct(r.urgent_sla_pct)),
    ("all within SLA", lambda r: _pct(r.sla_pct)),
    ("mean response", lambda r: _minutes(r.mean_response)),
    ("p90 response", lambda r: _minutes(r.p90_response)),
    ("km driven", lambda r: f"{r.road_km:,.0f}"),
    ("jobs per technician min / max", lambda r: "{} / {}".format(*r.jobs_per_technician[:2])),
    ("jobs per technician mean", lambda r: f"{r.jobs_per_technician[2]:.1f}"),
    ("reassignments", lambda r: f"{r.reassignments}"),
    ("escalations", lambda r: f"{r.escalations}"),
    ("not reached by the end", lambda r: f"{r.unreached}"),
    ("simulated in", lambda r: f"{r.wall_seconds:.1f} s"),
)


def _cells(results: list[PolicyResult]) -> list[list[str]]:
    return [["", *(r.policy for r in results)], *([label, *(show(r) for r in results)] for label, show in ROWS)]


def table(results: list[PolicyResult]) -> str:
    """The figures, one column per policy (plain text, as printed by the command)."""
    cells = _cells(results)
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for label, *values in cells:
        figures = (value.rjust(width) for value, width in zip(values, widths[1:], strict=True))
        lines.append("  ".join([label.ljust(widths[0]), *figures]))
    return "\n".join(lines)


def markdown_table(results: list[PolicyResult]) -> str:
    """The same figures as a Markdown table (for docs/PERFORMANCE.md)."""
    cells = _cells(results)
    rows = ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join([rows[0], "|" + "---|" * len(cells[0]), *rows[1:]])


CSV_COLUMNS = (
    "job",
    "work_order",
    "created_at",
    "priority",
    "type",
    "skills",
    "lat",
    "lon",
    "response_due_at",
    "first_assigned_at",
    "technician",
    "arrived_at",
    "response_minutes",
    "within_sla",
    "completed_at",
    "road_km",
    "moves",
    "escalated",
)


def _iso(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _within(record: JobRecord, ended_at: datetime) -> str:
    if record.arrived_at is not None:
        return "yes" if record.arrived_at <= record.response_due_at else "no"
    return "no" if record.response_due_at <= ended_at else ""


def write_csv(result: PolicyResult, path: Path) -> None:
    """One row per job, in creation order."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in result.records:
            minutes = r.response_minutes
            writer.writerow(
                [
                    r.index,
                    f"WO-{r.work_order_id:06d}",
                    _iso(r.created_at),
                    r.priority,
                    r.type,
                    ";".join(r.skills),
                    f"{r.lat:.6f}",
                    f"{r.lon:.6f}",
                    _iso(r.response_due_at),
                    _iso(r.first_assigned_at),
                    r.technician or "",
                    _iso(r.arrived_at),
                    "" if minutes is None else f"{minutes:.1f}",
                    _within(r, result.ended_at),
                    _iso(r.completed_at),
                    f"{r.road_km:.2f}",
                    r.moves,
                    "yes" if r.escalated else "no",
                ]
            )
