"""Work orders: intake, lists, the timeline, actions, candidates, logs, photos and sign-off."""

from __future__ import annotations

import re
from pathlib import Path

from apiflask import APIBlueprint
from flask import Response, current_app, jsonify, request, send_from_directory
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from ..domain import signoff as signoffs
from ..domain.actors import Actor
from ..domain.directory import phone_fragment
from ..domain.dispatch import auto_assign, dispatch_settings, holder_arrivals, rank_candidates
from ..domain.errors import NotFound
from ..domain.follow_ups import policy_from_config
from ..domain.signoff import completion_record, hash_as_signed
from ..domain.sla import AT_RISK_STATUSES, is_at_risk, overdue_condition
from ..domain.work_orders import (
    add_attachment,
    add_log,
    check_may_forward,
    create_work_order,
    forward_refused_change,
    update_work_order,
)
from ..domain.workflow import apply, check_activity
from ..extensions import db
from ..models import PRIORITIES, Asset, Attachment, Customer, Event, Log, Signoff, Technician, WorkOrder
from .common import actor, answerer, contains, get_work_order, now, paginate, visible_work_orders
from .csv import csv_response
from .exports import take_export_slot
from .offline import offline_since
from .schemas.lists import whole_list
from .schemas.work_orders import (
    EARLIER_VISITS,
    ActionIn,
    AssignIn,
    AttachmentFileQuery,
    AttachmentIn,
    AttachmentOut,
    CandidatePage,
    ConfirmationLinkOut,
    ForwardedOut,
    LogIn,
    LogOut,
    RefusedChangeIn,
    RefusedPhotoIn,
    SignoffIn,
    SignoffOut,
    WorkOrderDetail,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPage,
    WorkOrderPatch,
    WorkOrderQuery,
    attachment_dict,
    candidate_dict,
    earlier_visit_dict,
    event_dict,
    event_dicts,
    job_asset_dict,
    log_dict,
    signoff_dict,
    work_order_dict,
    work_order_json,
    work_order_load_options,
)
from .security import ANY_ROLE, STAFF, roles_required
from .skills import resolve_skills
from .track import tracking_url
from .uploads import store_image, upload_rate_limit

bp = APIBlueprint("work_orders", __name__, url_prefix="/api/v1/work-orders", tag="Work orders")
NUMBER = re.compile(r"^\s*(?:wo-?)?0*(\d{1,9})\s*$", re.IGNORECASE)
PRIORITY_RANK = case({p: rank for rank, p in enumerate(PRIORITIES)}, value=WorkOrder.priority)


def _config(name: str):
    return current_app.config[name]


def _summary(wo: WorkOrder) -> dict:
    return work_order_dict(wo, actor())


@bp.post("")
@roles_required(*STAFF)
@bp.input(WorkOrderIn)
@bp.output(WorkOrderOut, status_code=201)
def create(json_data):
    """Take in a request from any channel; due times follow the priority's SLA unless given. With
    AUTO_ASSIGN (urgent by default; off, all) it goes at once to the technician who can be there
    first, as the scheduler's assignment."""
    resolve_skills(json_data, "required_skills")
    wo = create_work_order(db.session, actor(), now(), json_data, _config("SLA_POLICY"), _config("TIMEZONE"))
    settings = dispatch_settings(current_app.config, db.session)
    auto_assign(db.session, wo, now(), settings, _config("AUTO_ASSIGN"))
    return _summary(wo)


def _search(query, text: str):
    """An after-sales desk's search: work-order number, title, description, address, and the
    customer's name, phone or address. Statuses are left to the caller's filter (closed jobs too)."""
    number = NUMBER.match(text)
    pattern = contains(text)

    def like(column):
        return func.lower(column).like(pattern, escape="\\")

    customers = or_(like(Customer.name), like(Customer.address))
    digits = phone_fragment(text)
    if digits:  # a phone number however it is typed: "021-6288-4471" finds "+86 (21) 6288-4471"
        customers = or_(customers, Customer.phone_key.like(contains(digits), escape="\\"))
    conditions = [
        like(WorkOrder.title),
        like(WorkOrder.description),
        like(WorkOrder.address),
        WorkOrder.customer_id.in_(select(Customer.id).where(customers)),
    ]
    if number:
        conditions.append(WorkOrder.id == int(number.group(1)))
    return query.where(or_(*conditions))


@bp.get("")
@roles_required(*ANY_ROLE)
@bp.input(WorkOrderQuery, location="query")
@bp.output(WorkOrderPage)
def list_work_orders(query_data):
    """Work orders, most urgent first (priority, then response due time). A technician sees only theirs."""
    page = paginate(_filtered(query_data), query_data["page"], query_data["per_page"])
    who = actor()
    at_risk = _at_risk(page["items"])
    page["items"] = [work_order_json(wo, who) | {"at_risk": wo.id in at_risk} for wo in page["items"]]
    return jsonify(page)  # already JSON-ready: see work_order_json


def _at_risk(work_orders) -> set[int]:
    """The ids of those whose holder's projected arrival is after their response due time: two
    queries for the page's holders (their queues and positions), none when nobody holds one."""
    holders = {wo.technician_id for wo in work_orders if wo.status in AT_RISK_STATUSES and wo.technician_id}
    if not holders:
        return set()
    arrivals = holder_arrivals(db.session, now(), dispatch_settings(current_app.config), holders, only_late=True)
    return {wo.id for wo in work_orders if is_at_risk(wo, arrivals.get(wo.id))}


EXPORT_COLUMNS = (
    "number", "title", "priority", "channel", "status", "customer", "technician", "address", "lat", "lon",
    "created_at", "assigned_at", "accepted_at", "arrived_at", "completed_at", "closed_at", "cancelled_at",
    "response_due_at", "resolve_due_at", "overdue", "escalated_at", "resolution", "first_time_fix", "reopen_count",
)  # fmt: skip
EXPORT_LIMIT = 100_000
EXPORT_BATCH = 500  # rows read from the database at a time while the file streams


@bp.get("/export.csv")
@roles_required(*STAFF)
@bp.input(WorkOrderQuery, location="query")
@bp.output({}, content_type="text/csv", description="The list's filters and order, all pages")
@bp.doc(summary="Work orders as CSV", responses={429: "This user's exports running now are EXPORTS_PER_USER"})
def export_csv(query_data):
    """The work orders the same filters list, as one CSV file (at most 100,000 rows), streamed as
    it is read. One user runs EXPORTS_PER_USER exports at a time (default 1; 429 beyond)."""
    query = _filtered(query_data).limit(EXPORT_LIMIT).execution_options(yield_per=EXPORT_BATCH)
    release = take_export_slot()
    try:
        rows = _export_rows(query, actor())
        return csv_response(f"work-orders-{now():%Y%m%d-%H%M}.csv", list(EXPORT_COLUMNS), rows, on_close=release)
    except BaseException:
        release()
        raise


def _export_rows(query, who):
    """The rows, read EXPORT_BATCH at a time as the response is sent. The query runs only once the
    first row is asked for: the view's own session is closed when the view returns (Flask tears
    the context down then), and the stream gets a session of its own."""
    for wo in db.session.scalars(query):
        yield _export_row(wo, who)


def _export_row(wo: WorkOrder, who) -> list:
    body = work_order_dict(wo, who)
    body.update(
        customer=wo.customer.name,
        technician=body["technician"]["name"] if body["technician"] else None,
        lat=wo.lat,
        lon=wo.lon,
    )
    return [body[column] for column in EXPORT_COLUMNS]


def _filtered(query_data):
    """The list's query: the filters of `WorkOrderQuery`, most urgent first, what the user may see."""
    query = visible_work_orders(select(WorkOrder)).options(*work_order_load_options())
    if query_data.get("status"):
        query = query.where(WorkOrder.status.in_(query_data["status"].split(",")))
    for field in ("priority", "channel", "type", "technician_id", "customer_id", "asset_id"):
        if query_data.get(field) is not None:
            query = query.where(getattr(WorkOrder, field) == query_data[field])
    if "escalated" in query_data:
        escalated = WorkOrder.escalated_at.is_not(None)
        query = query.where(escalated if query_data["escalated"] else ~escalated)
    if "overdue" in query_data:
        condition = overdue_condition(now(), _config("ACCEPT_TIMEOUT_MINUTES"))
        query = query.where(condition if query_data["overdue"] else ~condition)
    if query_data.get("q"):
        query = _search(query, query_data["q"])
    return query.order_by(PRIORITY_RANK, WorkOrder.response_due_at, WorkOrder.id)


def _detail(wo: WorkOrder, viewer: Actor) -> dict:
    """The work order with its whole timeline, logs, photos and sign-offs, as `viewer` may see it."""
    session = db.session
    body = work_order_dict(wo, viewer)
    events = session.scalars(
        select(Event)
        .where(Event.work_order_id == wo.id)
        .options(selectinload(Event.actor_user))
        .order_by(Event.occurred_at, Event.id)
    ).all()
    logs = session.scalars(
        select(Log)
        .where(Log.work_order_id == wo.id)
        .options(selectinload(Log.author))
        .order_by(Log.occurred_at, Log.id)
    ).all()
    attachments = session.scalars(
        select(Attachment).where(Attachment.work_order_id == wo.id).order_by(Attachment.id)
    ).all()
    signoffs = session.scalars(select(Signoff).where(Signoff.work_order_id == wo.id).order_by(Signoff.id)).all()
    record = completion_record(session, wo)
    earlier = session.scalars(
        select(WorkOrder)
        .where(WorkOrder.customer_id == wo.customer_id, WorkOrder.id != wo.id, WorkOrder.created_at <= wo.created_at)
        .options(selectinload(WorkOrder.technician).selectinload(Technician.user))
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(EARLIER_VISITS)
    ).all()
    staff = viewer.role in STAFF
    signoff_dicts = [signoff_dict(s, hash_as_signed(record, s.record_hash), staff=staff) for s in signoffs]
    accepted = [s for s in signoff_dicts if s["accepted"]]
    body.update(
        earlier_visits=[earlier_visit_dict(visit) for visit in earlier],
        events=event_dicts(events),
        logs=[log_dict(log) for log in logs],
        attachments=[attachment_dict(a) for a in attachments],
        signoffs=signoff_dicts,
        signoff=accepted[-1] if accepted and wo.status == "closed" else None,
        asset=job_asset_dict(session.get(Asset, wo.asset_id)) if wo.asset_id else None,
    )
    return body


@bp.get("/<int:work_order_id>")
@roles_required(*ANY_ROLE)
@bp.output(WorkOrderDetail)
def get(work_order_id):
    """A work order with its full timeline, logs, photos and sign-off."""
    wo = get_work_order(work_order_id)
    extra = {"at_risk": wo.id in _at_risk([wo]), "tracking_url": tracking_url(wo.id)}
    return _detail(wo, actor()) | extra


@bp.patch("/<int:work_order_id>")
@roles_required(*STAFF)
@bp.input(WorkOrderPatch)
@bp.output(WorkOrderOut)
def update(work_order_id, json_data):
    """Edit a work order; send the `version` you read (a stale one is 409)."""
    version = json_data.pop("version")
    wo = get_work_order(work_order_id, lock=True)
    resolve_skills(json_data, "required_skills")
    update_work_order(db.session, wo, actor(), now(), json_data, version, _config("SLA_POLICY"))
    return _summary(wo)


def _act(work_order_id: int, action: str, data: dict) -> dict:
    wo = get_work_order(work_order_id, lock=True)
    params = {k: v for k, v in data.items() if k not in ("occurred_at", "version", "location")}
    apply(
        db.session,
        wo,
        action,
        actor(),
        now(),
        occurred_at=data.get("occurred_at"),
        expected_version=data.get("version"),
        sla_policy=_config("SLA_POLICY"),
        offline_since=offline_since(),
        position=data.get("location"),
        **params,
    )
    return _summary(wo)


@bp.post("/<int:work_order_id>/actions/<string:action>")
@roles_required(*ANY_ROLE)
@bp.input(ActionIn)
@bp.output(WorkOrderOut)
@bp.doc(responses={409: "The current status does not allow this action, or the version is stale"})
def act(work_order_id, action, json_data):
    """Move the work order through its status machine (assign, accept, decline, depart, arrive,
    pause, resume, complete, reopen, cancel); the work order's `allowed_actions` lists what you may do now."""
    return _act(work_order_id, action, json_data)


@bp.post("/<int:work_order_id>/assign")
@roles_required(*STAFF)
@bp.input(AssignIn)
@bp.output(WorkOrderOut)
def assign(work_order_id, json_data):
    """Assign (or reassign) the work order to a technician."""
    return _act(work_order_id, "assign", json_data)


@bp.get("/<int:work_order_id>/candidates")
@roles_required(*STAFF)
@bp.output(CandidatePage)
def candidates(work_order_id):
    """On-shift technicians ranked for this job as the scheduler ranks them: every required skill
    first, then inside their working hours, then room under their open-job limit, then whether they
    can arrive by the response deadline, then the earliest projected arrival (`arrival_at`: the
    visit in hand, the `queue_ahead` jobs before this one, then the drive from where they are: the
    site of their visit in hand, a recent location ping, else home). `score` (0-100) summarises
    nearness, skill share and room."""
    wo = get_work_order(work_order_id)
    check_activity("candidates", wo, actor())
    ranked = rank_candidates(db.session, wo, now(), dispatch_settings(current_app.config, db.session))
    return whole_list([candidate_dict(c) for c in ranked])


@bp.post("/<int:work_order_id>/logs")
@roles_required("technician")
@bp.input(LogIn)
@bp.output(LogOut, status_code=201)
def create_log(work_order_id, json_data):
    """Log a note, a fix, or parts used, with minutes spent (the assigned technician)."""
    wo = get_work_order(work_order_id, lock=True)
    occurred_at = json_data.pop("occurred_at", None)
    return log_dict(add_log(db.session, wo, actor(), now(), json_data, occurred_at, offline_since()))


@bp.post("/<int:work_order_id>/attachments")
@roles_required(*ANY_ROLE)
@upload_rate_limit
@bp.input(AttachmentIn, location="files")
@bp.output(AttachmentOut, status_code=201)
@bp.doc(
    responses={
        413: "Larger than the upload limit",
        422: "Not a JPEG, PNG or WebP image, too many pixels, or the job's photo quota is full",
        429: "The uploader's rate or daily quota is spent",
    }
)
def upload(work_order_id, files_data):
    """Attach a photo (JPEG, PNG or WebP, checked by its content; at most 10 MB and 40 megapixels by
    default). A job holds at most UPLOAD_JOB_MAX_PHOTOS photos and UPLOAD_JOB_MAX_MB (422 beyond);
    one person uploads at most UPLOAD_USER_DAILY_MB in 24 hours and UPLOAD_RATE_LIMIT (429 beyond)."""
    wo = get_work_order(work_order_id, lock=True)
    check_activity("attach", wo, actor())
    image = store_image(files_data["file"], wo)
    attachment = add_attachment(db.session, wo, actor(), now(), image, files_data.get("occurred_at"), offline_since())
    return attachment_dict(attachment)


def _send_private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/<int:work_order_id>/attachments/<int:attachment_id>")
@roles_required(*ANY_ROLE)
@bp.input(AttachmentFileQuery, location="query")
@bp.output({}, content_type="image/*", description="The photo (JPEG, PNG or WebP)")
def attachment_file(work_order_id, attachment_id, query_data):
    """The photo, for those who may see the work order: a copy at most UPLOAD_DISPLAY_EDGE pixels
    on its long side (WebP) when the original is larger, else the original; `?original=true` for
    the bytes as uploaded."""
    wo = get_work_order(work_order_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.work_order_id != wo.id:
        raise NotFound("Attachment not found.")
    name, content_type = attachment.stored_name, attachment.content_type
    if attachment.display_name and not query_data["original"]:
        name, content_type = attachment.display_name, attachment.display_content_type
    folder = Path(_config("UPLOAD_FOLDER"))
    if not (folder / name).is_file():
        raise NotFound("The photo's file is missing from storage.")
    return _send_private(send_from_directory(folder, name, mimetype=content_type))


@bp.post("/<int:work_order_id>/signoff")
@roles_required("technician")
@bp.input(SignoffIn)
@bp.output(SignoffOut, status_code=201)
def sign_off(work_order_id, json_data):
    """The customer signs on the technician's device; the completed work order becomes closed."""
    wo = get_work_order(work_order_id, lock=True)
    occurred_at = json_data.pop("occurred_at", None)
    signoff = signoffs.sign_on_device(
        db.session,
        wo,
        actor(),
        now(),
        json_data,
        occurred_at,
        answerer(),
        offline_since(),
        follow_up_policy=policy_from_config(current_app.config),
    )
    return signoff_dict(signoff, signoff.record_hash)


@bp.get("/<int:work_order_id>/signoffs/<int:signoff_id>/signature")
@roles_required(*ANY_ROLE)
@bp.output({}, content_type="image/png", description="The signature")
def signature_image(work_order_id, signoff_id):
    """The customer's signature image."""
    wo = get_work_order(work_order_id)
    signoff = db.session.get(Signoff, signoff_id)
    if signoff is None or signoff.work_order_id != wo.id or signoff.signature_png is None:
        raise NotFound("Signature not found.")
    return _send_private(Response(signoff.signature_png, mimetype="image/png"))


@bp.post("/<int:work_order_id>/confirmation-link")
@roles_required(*ANY_ROLE)
@bp.output(ConfirmationLinkOut, status_code=201)
def confirmation_link(work_order_id):
    """A signed, single-use link for the customer to confirm the completed work on their own phone."""
    wo = get_work_order(work_order_id, lock=True)
    link, token = signoffs.create_confirmation_link(
        db.session,
        wo,
        actor(),
        now(),
        days=_config("CONFIRMATION_LINK_DAYS"),
        serializer=signoffs.link_serializer(_config("SECRET_KEY")),
    )
    base = _config("PUBLIC_BASE_URL") or request.host_url
    return {"url": f"{base.rstrip('/')}/confirm/{token}", "expires_at": link.expires_at}


def _forwardable_work_order(work_order_id: int) -> WorkOrder:
    """The work order, locked, whoever holds it now: forwarding is for a technician who held it once
    (the domain decides, 404 otherwise), so the list's "only your own jobs" does not apply."""
    wo = db.session.scalar(select(WorkOrder).where(WorkOrder.id == work_order_id).with_for_update())
    if wo is None:
        raise NotFound(f"Work order {work_order_id} not found.")
    return wo


def _forwarded(event, attachment=None) -> dict:
    return {"event": event_dict(event), "attachment": attachment_dict(attachment) if attachment else None}


@bp.post("/<int:work_order_id>/refused-changes")
@roles_required("technician")
@bp.input(RefusedChangeIn)
@bp.output(ForwardedOut, status_code=201)
@bp.doc(responses={404: "No such work order, or you never held it"})
def forward_refused(work_order_id, json_data):
    """Send the dispatcher a change the server refused you (a note, parts, an action ...), typically
    because the job was reassigned while you were offline. Nothing is applied: the job's timeline
    gets a `refused_change_forwarded` event holding the content. For any technician who held the job."""
    wo = _forwardable_work_order(work_order_id)
    return _forwarded(forward_refused_change(db.session, wo, actor(), now(), json_data))


@bp.post("/<int:work_order_id>/refused-changes/photo")
@roles_required("technician")
@upload_rate_limit
@bp.input(RefusedPhotoIn, location="files")
@bp.output(ForwardedOut, status_code=201)
@bp.doc(
    responses={
        404: "No such work order, or you never held it",
        422: "Not a JPEG, PNG or WebP image, too many pixels, or the job's photo quota is full",
        429: "The uploader's rate or daily quota is spent",
    }
)
def forward_refused_photo(work_order_id, files_data):
    """Send the dispatcher a photo the server refused you: it is attached to the job, and the
    `refused_change_forwarded` event (kind `photo`, `attachment_id`) says it came after a refusal."""
    wo = _forwardable_work_order(work_order_id)
    check_may_forward(db.session, wo, actor())  # before the file is stored
    image = store_image(files_data["file"], wo)
    change = {
        "kind": "photo",
        "idempotency_key": files_data.get("idempotency_key"),
        "occurred_at": files_data.get("occurred_at"),
        "refusal": {"status": files_data.get("refusal_status"), "message": files_data.get("refusal_message")},
    }
    event = forward_refused_change(db.session, wo, actor(), now(), change, image)
    return _forwarded(event, db.session.get(Attachment, event.details["attachment_id"]))
