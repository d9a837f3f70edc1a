"""One assignment rule: what giving a job to a technician writes, whoever decides it.

The dispatcher's assignment (workflow's `assign` action), auto-assignment at intake and the
scheduler's moves all write the same columns, the same event details and the same notifications:

- details `{from_technician_id, to_technician_id, reason, decided_by}` (`dispatcher` or
  `scheduler`), plus `distance_km`, `eta_minutes` and `arrival_at` when a ranking measured them;
- the technician given the job is told "assigned to you", the one who held it "given to another
  technician", in one wording with who decided and why.

The scheduler's pass writes with prepared SQL statements (reassignment.py), auto-assignment and the
dispatcher through the ORM (workflow.py); both take their values from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import format_number
from .timing import utc_text

DISPATCHER, SCHEDULER = "dispatcher", "scheduler"
# Why the scheduler assigns or moves a job (the `reason` of its events).
RESPONSE_OVERDUE = "response_overdue"
NOT_ACCEPTED = "not_accepted"
AT_RISK = "at_risk"
AUTO_ASSIGN = "auto_assign"
REASON_WORDS = {
    RESPONSE_OVERDUE: "It is past its response deadline.",
    NOT_ACCEPTED: "It was not accepted in time.",
    AT_RISK: "It would otherwise be reached after its response deadline.",
    AUTO_ASSIGN: "You can be there first.",
}
# Earlier events named the technician given the job `technician_id` (migrated to `to_technician_id`).
LEGACY_TO_KEY = "technician_id"


@dataclass(frozen=True)
class Assignment:
    """One job given to one technician: who from, who to, who decided, why, and what was measured."""

    to_technician_id: int
    from_technician_id: int | None
    decided_by: str
    reason: str | None = None
    distance_km: float | None = None
    eta_minutes: int | None = None
    arrival_at: datetime | None = None

    @classmethod
    def of_candidate(cls, candidate, from_technician_id: int | None, decided_by: str, reason: str | None):
        """From a ranked candidate (dispatch.Candidate): its distance, drive and projected arrival."""
        return cls(
            candidate.technician_id,
            from_technician_id,
            decided_by,
            reason,
            candidate.distance_km,
            candidate.eta_minutes,
            candidate.arrival_at,
        )

    def details(self) -> dict:
        """The event's (and notifications') details."""
        body = {
            "from_technician_id": self.from_technician_id,
            "to_technician_id": self.to_technician_id,
            "reason": self.reason,
            "decided_by": self.decided_by,
        }
        measured = {"distance_km": self.distance_km, "eta_minutes": self.eta_minutes}
        body.update({k: v for k, v in measured.items() if v is not None})
        if self.arrival_at is not None:
            body["arrival_at"] = utc_text(self.arrival_at.replace(microsecond=0))
        return body

    def columns(self, at: datetime) -> dict:
        return assignment_columns(self.to_technician_id, at)

    def notifications(self, work_order_id: int, title: str, to_user_id: int, from_user_id: int | None) -> list[dict]:
        """Rows for the notifications table (without `created_at`): the new holder, and the previous
        one when the job was taken from someone else."""
        number, details = format_number(work_order_id), self.details()
        rows = [{"user_id": to_user_id, "kind": "assigned", "message": self._told_new(number, title)}]
        if from_user_id is not None and self.from_technician_id not in (None, self.to_technician_id):
            rows.append({"user_id": from_user_id, "kind": "unassigned", "message": self._told_old(number, title)})
        return [{**row, "work_order_id": work_order_id, "details": details} for row in rows]

    def _told_new(self, number: str, title: str) -> str:
        where = ""
        if self.distance_km is not None and self.eta_minutes is not None:
            where = f", {self.distance_km:.1f} km away (about {self.eta_minutes} min)"
        return _sentence(f"{number} {title}: assigned to you by the {self.decided_by}{where}.", self.reason)

    def _told_old(self, number: str, title: str) -> str:
        return _sentence(f"{number} {title}: given to another technician by the {self.decided_by}.", self.reason)


def _sentence(text: str, reason: str | None) -> str:
    why = REASON_WORDS.get(reason) if reason else None
    return f"{text} {why}" if why else text


def assignment_columns(technician_id: int, at: datetime) -> dict:
    """What assigning a job writes besides its status. A day plan's place and time belonged to the
    route it was planned in (planning.apply_plan writes them after its own assignment)."""
    cleared_plan = {"plan_id": None, "planned_order": None, "planned_at": None}
    return {"technician_id": technician_id, "assigned_at": at, "accepted_at": None, **cleared_plan}


def assigned_to(details: dict | None) -> int | None:
    """The technician an assignment event gave the job to (either vocabulary, during the migration)."""
    details = details or {}
    return details.get("to_technician_id", details.get(LEGACY_TO_KEY))
