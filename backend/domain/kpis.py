"""Service KPIs, computed in the database from the timeline (events), not from mutable columns.

The cohort is the work orders *created* in [start, end). Every figure is defined in
`DEFINITIONS`, which the OpenAPI description of the endpoint shows word for word.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, and_, case, cast, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from ..models import Event, FollowUp, QualityReview, Signoff, Technician, WorkOrder
from .plausibility import REPLAY_GRACE

REPEAT_WINDOW_MINUTES = 30 * 24 * 60
# The only events the figures read (an index on them keeps the aggregate off the rest of the timeline).
KPI_ACTIONS = ("arrive", "complete", "resolve_remotely", "reopen", "assign", "auto_reassigned")
# The events that complete a job: on site, or solved by phone or remote help.
COMPLETIONS = ("complete", "resolve_remotely")

DEFINITIONS = {
    "cohort": "Work orders created in [from, to). Cancelled ones count in `created` only.",
    "created": "Work orders created in the period.",
    "completed": "Of those, how many were completed at least once (a `complete` event).",
    "closed": "Of those, how many are closed now (customer sign-off received).",
    "avg_response_minutes": "Mean of (first `arrive` event - creation), over those with an arrival.",
    "avg_resolution_minutes": "Mean of (last `complete` event - creation), over those completed.",
    "response_sla_met_pct": "Percent on site by `response_due_at`, over those that arrived or whose "
    "response due time has passed. A reopened job is measured against its first visit's due times.",
    "resolution_sla_met_pct": "Percent completed by `resolve_due_at`, over those completed or whose "
    "resolution due time has passed (last completion; the first visit's due time for a reopened job).",
    "first_time_fix_rate": "Percent of completed work orders (completed at least once) fixed at the first "
    "visit: one `arrive` event, never reopened, and not reported by the technician as needing another visit. "
    "Over the same work orders as `repeat_visit_rate`, so a reopened job lowers the one and raises the other.",
    "repeat_visit_rate": "Percent of completed work orders reopened within 30 days of their first "
    "completion (customer dispute or returning fault).",
    "csat_avg": "Mean customer rating (1-5) of accepted sign-offs, leaving out answers flagged as given by "
    "staff (`flagged_answers`).",
    "complaint_rate": "Percent of customer answers (sign-offs, on device or by link) that were disputes.",
    "reassigned": "Work orders assigned more than once (moved to another technician by a dispatcher or "
    "the scheduler, or reassigned after a decline).",
    "late_deeds": "Deeds on these work orders (timeline events made by a person, a sign-off's close too) that "
    "the server received more than 5 minutes after their time of the deed (offline replays, honest or not). "
    "By technician: the technician who did them.",
    "flagged_deeds": "Deeds whose time or place looks doubtful (`deed_flags` on the timeline: dated long "
    "before they were sent without an offline reason, before the device went offline, while it was seen "
    "online, an arrival far from the site, a position jump).",
    "mean_gap_minutes": "Mean of (received - time of the deed) over the late deeds.",
    "flagged_answers": "Customer answers that look given by staff rather than the customer: a link answered in "
    "a browser signed in to OnSite, or a signature on the phone over 0.5 km from the site.",
    "remote_resolution_rate": "Percent of completed work orders whose last completion was `resolve_remotely` "
    "(solved by phone or remote help, nobody drove).",
    "complaints": "Work orders of type `complaint` created in the period.",
    "complaints_closed_in_time_pct": "Percent of complaints completed (closed or not) by their resolve due "
    "time (48 hours by default; the first one for a reopened complaint), over the complaints completed or whose "
    "resolve due time has passed.",
    "follow_ups_done_pct": "Percent of these work orders' follow-up calls (回访: complaints, ratings of 3 or less, "
    "disputes and a random share) whose outcome is recorded.",
    "follow_up_satisfaction_avg": "Mean satisfaction (1-5) the customers gave on the recorded follow-up calls "
    "that reached them and asked it.",
    "quality_score": "Mean score (0-100, the share of the checklist answered yes) of these work orders' scored "
    "quality reviews (质检). By technician: the technician whose job was sampled.",
    "repeat_repairs": "Repairs flagged as a 三包 repeat: taken in on an asset in its warranty that already had an "
    "earlier in-warranty repair completed (the flag is decided when the job is taken in; cancelled ones left out). "
    "Two or more earlier repairs of one asset may entitle the customer to an exchange or refund.",
}
# Which time of each event the figures read: as the device dated the deed, or as the server got it.
CLOCKS = ("deed", "received")


def minutes_between(session: Session, later, earlier):
    """SQL for (later - earlier) in minutes, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 1440.0
    return func.extract("epoch", later - earlier) / 60.0


def _when(condition, value=1):
    return case((condition, value), else_=None)


def _pct(numerator, denominator):
    return case((denominator > 0, cast(numerator, Float) * 100.0 / denominator), else_=None)


def _rounded(value, digits=1):
    return None if value is None else round(float(value), digits)


GROUPS = ("technician", "priority", "day")


def _group_column(group: str | None, completer):
    """What a breakdown groups by. A job's technician is the one who completed it (a reopened job
    is unassigned, yet the visit was theirs), else the one holding it now."""
    if group is None:
        return None
    if group == "technician":
        return func.coalesce(completer.id, WorkOrder.technician_id)
    if group == "priority":
        return WorkOrder.priority
    if group == "day":
        return func.date(WorkOrder.created_at)
    raise ValueError(f"unknown KPI group {group!r}")


def _figures(counts, answers) -> dict:
    return {
        "created": counts.created,
        "completed": counts.completed,
        "closed": counts.closed,
        "avg_response_minutes": _rounded(counts.avg_response),
        "avg_resolution_minutes": _rounded(counts.avg_resolution),
        "response_sla_met_pct": _rounded(counts.response_pct),
        "resolution_sla_met_pct": _rounded(counts.resolution_pct),
        "first_time_fix_rate": _rounded(counts.ftf),
        "repeat_visit_rate": _rounded(counts.repeat),
        "csat_avg": _rounded(answers.csat if answers else None, 2),
        "complaint_rate": _rounded(answers.complaints if answers else None),
        "reassigned": counts.reassigned,
        "remote_resolution_rate": _rounded(counts.remote),
        "complaints": counts.complaints,
        "complaints_closed_in_time_pct": _rounded(counts.complaints_in_time),
        "repeat_repairs": counts.repeat_repairs,
    }


def _review_figures(follow_ups, reviews) -> dict:
    return {
        "follow_ups_done_pct": _rounded(follow_ups.done_pct) if follow_ups else None,
        "follow_up_satisfaction_avg": _rounded(follow_ups.satisfaction, 2) if follow_ups else None,
        "quality_score": _rounded(reviews.score) if reviews else None,
    }


def _flagged(answers) -> int:
    return answers.flagged if answers else 0


def _deed_figures(row) -> dict:
    return {
        "late_deeds": row.late if row else 0,
        "flagged_deeds": row.flagged if row else 0,
        "mean_gap_minutes": _rounded(row.gap) if row else None,
    }


def _event_time(clock: str):
    if clock not in CLOCKS:
        raise ValueError(f"unknown KPI clock {clock!r}")
    return Event.occurred_at if clock == "deed" else Event.recorded_at


def compute_kpis(session: Session, start: datetime, end: datetime, now: datetime, clock: str = "deed") -> dict:
    """The service KPIs for work orders created in [start, end), as of `now`, read on `clock`."""
    [row] = kpi_rows(session, start, end, now, clock=clock)
    return {"from": start, "to": end, "clock": clock, **{k: v for k, v in row.items() if k != "key"}}


def kpi_rows(
    session: Session, start: datetime, end: datetime, now: datetime, group: str | None = None, clock: str = "deed"
) -> list:
    """The KPIs for work orders created in [start, end) as of `now`, one row per `group` value
    (technician id, priority or creation day, as `key`), or a single row (key None) for all.
    `clock` says which time of each event counts: `deed` (as the device dated it) or `received`.
    Three aggregate queries whatever the number of work orders or groups."""
    when = _event_time(clock)
    in_cohort = and_(WorkOrder.created_at >= start, WorkOrder.created_at < end)
    if session.get_bind().dialect.name == "postgresql":
        # The per-job aggregate of 100,000 jobs needs ~25 MB: in memory, not spilled to disk (the
        # default work_mem is 4 MB). And no parallel workers: each would build the whole per-job
        # hash again (measured: three builds of the same 92,000 rows). SET LOCAL ends with the
        # transaction.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    per_job = (
        select(
            Event.work_order_id.label("wo_id"),
            func.min(_when(Event.action == "arrive", when)).label("first_arrival"),
            func.min(_when(Event.action.in_(COMPLETIONS), when)).label("first_completion"),
            func.max(_when(Event.action.in_(COMPLETIONS), when)).label("last_completion"),
            func.max(_when(Event.action == "resolve_remotely", when)).label("last_remote"),
            func.min(_when(Event.action == "reopen", when)).label("first_reopen"),
            func.count(_when(Event.action == "arrive")).label("arrivals"),
            func.count(_when(Event.action == "reopen")).label("reopens"),
            func.count(_when(Event.action == "assign")).label("assigns"),
            func.count(_when(Event.action == "auto_reassigned")).label("auto_moves"),
        )
        .join(WorkOrder, WorkOrder.id == Event.work_order_id)
        .where(in_cohort, Event.action.in_(KPI_ACTIONS))
        .group_by(Event.work_order_id)
        .subquery()
    )
    j = per_job.c
    # Who completed each job (for the technician breakdown): from the `complete` events alone.
    completions = (
        select(Event.work_order_id.label("wo_id"), func.max(Event.actor_user_id).label("user_id"))
        .where(Event.action.in_(COMPLETIONS))
        .group_by(Event.work_order_id)
        .subquery()
    )
    completer = aliased(Technician)
    key = _group_column(group, completer)
    live = WorkOrder.status != "cancelled"
    # The first visit's due times (a reopen restarts the live clock, not the record of the first visit).
    response_due = func.coalesce(WorkOrder.first_response_due_at, WorkOrder.response_due_at)
    resolve_due = func.coalesce(WorkOrder.first_resolve_due_at, WorkOrder.resolve_due_at)
    response_decided = and_(live, (j.first_arrival.is_not(None)) | (response_due <= now))
    response_met = and_(live, j.first_arrival.is_not(None), j.first_arrival <= response_due)
    resolution_decided = and_(live, (j.last_completion.is_not(None)) | (resolve_due <= now))
    resolution_met = and_(live, j.last_completion.is_not(None), j.last_completion <= resolve_due)
    closed = WorkOrder.status == "closed"
    completed = j.first_completion.is_not(None)
    # One visit, or none for a job solved remotely.
    first_time_fixed = and_(completed, j.reopens == 0, j.arrivals <= 1, WorkOrder.first_time_fix.is_(True))
    remote = and_(completed, j.last_remote.is_not(None), j.last_remote == j.last_completion)
    complaint = and_(live, WorkOrder.type == "complaint")
    repeat = and_(
        completed,
        j.first_reopen.is_not(None),
        minutes_between(session, j.first_reopen, j.first_completion) <= REPEAT_WINDOW_MINUTES,
    )
    moved = (j.assigns + j.auto_moves) > 1  # a first assignment, by anyone, is not a move

    keyed = [key.label("key")] if key is not None else []
    grouped = [key] if key is not None else []
    counts = (
        select(
            *keyed,
            func.count().label("created"),
            func.count(_when(completed)).label("completed"),
            func.count(_when(closed)).label("closed"),
            func.avg(minutes_between(session, j.first_arrival, WorkOrder.created_at)).label("avg_response"),
            func.avg(minutes_between(session, j.last_completion, WorkOrder.created_at)).label("avg_resolution"),
            _pct(func.count(_when(response_met)), func.count(_when(response_decided))).label("response_pct"),
            _pct(func.count(_when(resolution_met)), func.count(_when(resolution_decided))).label("resolution_pct"),
            _pct(func.count(_when(first_time_fixed)), func.count(_when(completed))).label("ftf"),
            _pct(func.count(_when(repeat)), func.count(_when(completed))).label("repeat"),
            func.count(_when(moved)).label("reassigned"),
            _pct(func.count(_when(remote)), func.count(_when(completed))).label("remote"),
            func.count(_when(WorkOrder.type == "complaint")).label("complaints"),
            _pct(
                func.count(_when(and_(complaint, resolution_met))),
                func.count(_when(and_(complaint, resolution_decided))),
            ).label("complaints_in_time"),
            func.count(_when(and_(live, WorkOrder.repeat_repair.is_(True)))).label("repeat_repairs"),
        )
        .select_from(WorkOrder)
        .outerjoin(per_job, j.wo_id == WorkOrder.id)
        .where(in_cohort)
        .group_by(*grouped)
    )
    if group == "technician":
        counts = _join_completer(counts, completions, completer)
    counts = session.execute(counts).all()

    unflagged = or_(Signoff.flags.is_(None), cast(Signoff.flags, String).in_(["[]", "null"]))
    answers_query = (
        select(
            *keyed,
            func.avg(_when(and_(Signoff.accepted.is_(True), unflagged), Signoff.rating)).label("csat"),
            func.count(_when(~unflagged)).label("flagged"),
            _pct(func.count(_when(Signoff.accepted.is_(False))), func.count(Signoff.id)).label("complaints"),
        )
        .join(WorkOrder, WorkOrder.id == Signoff.work_order_id)
        .where(in_cohort)
        .group_by(*grouped)
    )
    if group == "technician":
        answers_query = _join_completer(answers_query, completions, completer)
    answers = session.execute(answers_query).all()
    answers_by_key = {_key(row, key): row for row in answers}
    deeds = _deed_rows(session, in_cohort, group)
    follow_ups = _follow_up_rows(session, in_cohort, group, completions, completer)
    reviews = _review_rows(session, in_cohort, group)
    return [
        {
            "key": _key(row, key),
            **_figures(row, answers_by_key.get(_key(row, key))),
            **_deed_figures(deeds.get(_key(row, key))),
            "flagged_answers": _flagged(answers_by_key.get(_key(row, key))),
            **_review_figures(follow_ups.get(_key(row, key)), reviews.get(_key(row, key))),
        }
        for row in counts
    ]


def _deed_rows(session: Session, in_cohort, group: str | None) -> dict:
    """Per group: the deeds received late, those flagged, and the mean gap of the late ones. By
    technician, the technician who did the deed (the event's person), not the job's holder."""
    actor = aliased(Technician)
    key = actor.id if group == "technician" else _group_column(group, None)
    gap = minutes_between(session, Event.recorded_at, Event.occurred_at)
    late = gap > REPLAY_GRACE.total_seconds() / 60
    keyed = [key.label("key")] if key is not None else []
    query = (
        select(
            *keyed,
            func.count(_when(late)).label("late"),
            func.count(_when(Event.deed_flags.is_not(None))).label("flagged"),
            func.avg(_when(late, gap)).label("gap"),
        )
        .join(WorkOrder, WorkOrder.id == Event.work_order_id)
        .where(in_cohort, Event.actor_user_id.is_not(None))
        .group_by(*([key] if key is not None else []))
    )
    if group == "technician":
        query = query.join(actor, actor.user_id == Event.actor_user_id)
    return {_key(row, key): row for row in session.execute(query)}


def _follow_up_rows(session: Session, in_cohort, group: str | None, completions, completer) -> dict:
    """Per group: the share of follow-up calls done and their mean satisfaction (grouped as the jobs are)."""
    key = _group_column(group, completer)
    satisfaction = FollowUp.outcome["satisfaction"].as_integer()
    query = (
        select(
            *([key.label("key")] if key is not None else []),
            _pct(func.count(FollowUp.done_at), func.count(FollowUp.id)).label("done_pct"),
            func.avg(_when(FollowUp.done_at.is_not(None), satisfaction)).label("satisfaction"),
        )
        .join(WorkOrder, WorkOrder.id == FollowUp.work_order_id)
        .where(in_cohort)
        .group_by(*([key] if key is not None else []))
    )
    if group == "technician":
        query = _join_completer(query, completions, completer)
    return {_key(row, key): row for row in session.execute(query)}


def _review_rows(session: Session, in_cohort, group: str | None) -> dict:
    """Per group: the mean score of the scored quality reviews; by technician, the sampled technician."""
    key = QualityReview.technician_id if group == "technician" else _group_column(group, None)
    query = (
        select(*([key.label("key")] if key is not None else []), func.avg(QualityReview.score).label("score"))
        .join(WorkOrder, WorkOrder.id == QualityReview.work_order_id)
        .where(in_cohort, QualityReview.score.is_not(None))
        .group_by(*([key] if key is not None else []))
    )
    return {_key(row, key): row for row in session.execute(query)}


def _join_completer(query, completions, completer):
    return query.outerjoin(completions, completions.c.wo_id == WorkOrder.id).outerjoin(
        completer, completer.user_id == completions.c.user_id
    )


def _key(row, key) -> str | None:
    """A group's key as text (a technician id, a priority, a day); None for the whole cohort."""
    if key is None or row.key is None:
        return None
    return str(row.key)
