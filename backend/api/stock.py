"""Spare parts and stock: the catalogue, warehouses and vans, balances and the ledger, receipts and
adjustments, requisitions (warehouse → van) and returns (van → warehouse, old parts too).

Dispatchers and admins manage everything; a technician reads the catalogue and the warehouses, sees
their own van's stock and movements, and asks for requisitions and returns of their own van. The
ledger has no endpoint that changes or removes a movement: corrections are new movements."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user
from sqlalchemy import false, or_, select

from ..domain import parts as stock
from ..domain.errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Part, StockLocation, StockMovement, StockRequest, Technician
from .common import actor, contains, now, own_technician_id, paginate
from .schemas.lists import whole_list
from .schemas.stock import (
    AdjustmentIn,
    DecisionIn,
    MovementQuery,
    MovementsOut,
    PartChangesOut,
    ReceiptIn,
    RequisitionIn,
    ReturnIn,
    SparePartIn,
    SparePartOut,
    SparePartPage,
    SparePartPatch,
    SparePartQuery,
    StockLocationIn,
    StockLocationOut,
    StockLocationPage,
    StockLocationPatch,
    StockMovementOut,
    StockMovementPage,
    StockPage,
    StockQuery,
    StockRequestOut,
    StockRequestPage,
    StockRequestQuery,
    location_dict,
    movement_dict,
    part_dict,
    request_dict,
    row_dict,
)
from .security import ANY_ROLE, STAFF, roles_required

parts_bp = APIBlueprint("parts", __name__, url_prefix="/api/v1/parts", tag="Spare parts")
stock_bp = APIBlueprint("stock", __name__, url_prefix="/api/v1/stock", tag="Spare parts")
requisitions_bp = APIBlueprint("requisitions", __name__, url_prefix="/api/v1/requisitions", tag="Spare parts")
returns_bp = APIBlueprint("returns", __name__, url_prefix="/api/v1/returns", tag="Spare parts")
BLUEPRINTS = (parts_bp, stock_bp, requisitions_bp, returns_bp)


# ---- serialising -----------------------------------------------------------------------------


# ---- who sees what ---------------------------------------------------------------------------


def _own_van_id() -> int | None:
    """The logged-in technician's van (None: no van yet, or not a technician)."""
    technician_id = own_technician_id()
    if technician_id is None:
        return None
    return db.session.scalar(select(StockLocation.id).where(StockLocation.technician_id == technician_id))


def _visible_location(location_id: int) -> StockLocation:
    """A location the user may read the stock of: staff any, a technician their van only."""
    location = db.session.get(StockLocation, location_id)
    if location is None or (current_user.role == "technician" and location.id != _own_van_id()):
        raise NotFound(f"Stock location {location_id} not found.")
    return location


def _technician_for(json_data: dict) -> Technician:
    """Whose van a request is for: a technician's own; staff name the technician."""
    if current_user.role == "technician":
        technician = db.session.get(Technician, own_technician_id() or 0)
        if technician is None:
            raise NotFound("You have no technician profile.")
        return technician
    technician_id = json_data.get("technician_id")
    technician = db.session.get(Technician, technician_id) if technician_id else None
    if technician is None:
        raise ValidationFailed({"technician_id": ["name the technician whose van this is"]})
    return technician


# ---- the catalogue ---------------------------------------------------------------------------


def _part(part_id: int) -> Part:
    part = db.session.get(Part, part_id)
    if part is None:
        raise NotFound(f"Part {part_id} not found.")
    return part


@parts_bp.get("")
@roles_required(*ANY_ROLE)
@parts_bp.input(SparePartQuery, location="query")
@parts_bp.output(SparePartPage)
def list_parts(query_data):
    """The parts catalogue by sku; `q` searches sku and name. Unlisted parts (a sku a part log named
    that the catalogue lacked) are flagged `unlisted`."""
    query = select(Part).order_by(Part.sku)
    if query_data.get("q"):
        pattern = contains(query_data["q"])
        query = query.where(or_(Part.sku.ilike(pattern, escape="\\"), Part.name.ilike(pattern, escape="\\")))
    for flag in ("active", "unlisted"):
        if flag in query_data:
            query = query.where(getattr(Part, flag).is_(query_data[flag]))
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [part_dict(p) for p in page["items"]]
    return page


@parts_bp.post("")
@roles_required(*STAFF)
@parts_bp.input(SparePartIn)
@parts_bp.output(SparePartOut, status_code=201)
@parts_bp.doc(responses={409: "The sku is taken"})
def create_part(json_data):
    """Add a part to the catalogue (price in minor units: 12.50 CNY is 1250)."""
    return part_dict(stock.create_part(db.session, json_data, now(), actor()))


@parts_bp.get("/<int:part_id>")
@roles_required(*ANY_ROLE)
@parts_bp.output(SparePartOut)
def get_part(part_id):
    """One catalogue entry."""
    return part_dict(_part(part_id))


@parts_bp.patch("/<int:part_id>")
@roles_required(*STAFF)
@parts_bp.input(SparePartPatch)
@parts_bp.output(SparePartOut)
@parts_bp.doc(responses={409: "The new sku is taken"})
def update_part(part_id, json_data):
    """Change a part; `active: false` retires it (its history stays). Saving an unlisted part lists it."""
    return part_dict(stock.update_part(db.session, _part(part_id), json_data, now(), actor()))


@parts_bp.get("/<int:part_id>/changes")
@roles_required(*STAFF)
@parts_bp.output(PartChangesOut)
def part_changes(part_id):
    """Who created and changed the part, each field's old and new value, oldest first."""
    trail = stock.part_changes(db.session, _part(part_id))
    fields = ("at", "actor_user_id", "action", "changes")
    return {"items": [{field: getattr(change, field) for field in fields} for change in trail]}


@parts_bp.delete("/<int:part_id>")
@roles_required(*STAFF)
@parts_bp.output({}, status_code=204)
@parts_bp.doc(responses={409: "The part has stock history: retire it instead"})
def delete_part(part_id):
    """Remove a part entered by mistake; one that ever moved or was requested is 409."""
    stock.delete_part(db.session, _part(part_id))
    return ""


# ---- locations -------------------------------------------------------------------------------


@stock_bp.get("/locations")
@roles_required(*ANY_ROLE)
@stock_bp.output(StockLocationPage)
def list_locations():
    """Warehouses, then vans. A technician gets the open warehouses and their own van."""
    query = select(StockLocation).order_by(StockLocation.kind.desc(), StockLocation.name, StockLocation.id)
    if current_user.role == "technician":
        own = StockLocation.technician_id == own_technician_id() if own_technician_id() else false()
        query = query.where(or_((StockLocation.kind == "warehouse") & StockLocation.active.is_(True), own))
    return whole_list([location_dict(loc) for loc in db.session.scalars(query)])


@stock_bp.post("/locations")
@roles_required(*STAFF)
@stock_bp.input(StockLocationIn)
@stock_bp.output(StockLocationOut, status_code=201)
def create_location(json_data):
    """Add a warehouse. (Vans come by themselves: one per technician, the first time stock moves.)"""
    return location_dict(stock.create_warehouse(db.session, json_data, now()))


@stock_bp.patch("/locations/<int:stock_location_id>")
@roles_required(*STAFF)
@stock_bp.input(StockLocationPatch)
@stock_bp.output(StockLocationOut)
def update_location(stock_location_id, json_data):
    """Rename a warehouse or van, or close it (`active: false`)."""
    location = _visible_location(stock_location_id)
    for field in ("name", "active"):
        if field in json_data:
            setattr(location, field, json_data[field])
    return location_dict(location)


# ---- stock and the ledger --------------------------------------------------------------------


@stock_bp.get("")
@roles_required(*ANY_ROLE)
@stock_bp.input(StockQuery, location="query")
@stock_bp.output(StockPage)
def list_stock(query_data):
    """Balances per part and location (the ledger's sums), warehouses first, by sku. A warehouse
    lists every active part, a van what it has held. `low` flags a count below the part's
    `min_stock`, `negative` one below zero; `low=true` keeps only flagged rows. A technician sees
    their own van (other locations: 404)."""
    location_ids = None
    if query_data.get("location_id") is not None:
        location_ids = [_visible_location(query_data["location_id"]).id]
    elif current_user.role == "technician":
        van_id = _own_van_id()
        location_ids = [van_id] if van_id else []
    page, per_page = query_data["page"], query_data["per_page"]
    filters = (location_ids, query_data.get("part_id"), bool(query_data.get("low")))
    rows, total = stock.stock_page(db.session, *filters, page=page, per_page=per_page)
    return {"items": [row_dict(r) for r in rows], "page": page, "per_page": per_page, "total": total}


@stock_bp.get("/movements")
@roles_required(*ANY_ROLE)
@stock_bp.input(MovementQuery, location="query")
@stock_bp.output(StockMovementPage)
def list_movements(query_data):
    """The ledger, newest first, filtered by part, location, job, kind or `flagged`. A technician
    sees their own van's movements."""
    query = select(StockMovement).order_by(StockMovement.id.desc())
    if query_data.get("location_id") is not None:
        query = query.where(StockMovement.location_id == _visible_location(query_data["location_id"]).id)
    elif current_user.role == "technician":
        query = query.where(StockMovement.location_id == (_own_van_id() or 0))
    for field in ("part_id", "work_order_id", "kind"):
        if query_data.get(field) is not None:
            query = query.where(getattr(StockMovement, field) == query_data[field])
    if query_data.get("flagged") is not None:
        empty = StockMovement.flags.cast(db.String) == "[]"  # JSON text on both databases
        query = query.where(~empty if query_data["flagged"] else empty)
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [movement_dict(m) for m in page["items"]]
    return page


def _location(location_id: int) -> StockLocation:
    location = db.session.get(StockLocation, location_id)
    if location is None:
        raise ValidationFailed({"location_id": ["no such stock location"]})
    return location


@stock_bp.post("/receipts")
@roles_required(*STAFF)
@stock_bp.input(ReceiptIn)
@stock_bp.output(MovementsOut, status_code=201)
def receipt(json_data):
    """Goods in at a warehouse: one `receipt` movement per line, in one transaction (an unknown sku
    or a bad line: 422, nothing booked)."""
    location = _location(json_data["location_id"])
    movements = stock.receive(
        db.session, location, json_data["lines"], json_data.get("reason"), actor(), now(), json_data.get("occurred_at")
    )
    return {"items": [movement_dict(m) for m in movements]}


@stock_bp.post("/adjustments")
@roles_required(*STAFF)
@stock_bp.input(AdjustmentIn)
@stock_bp.output(StockMovementOut, status_code=201)
def adjustment(json_data):
    """Correct a count at a warehouse or van (signed qty, a reason required): a new movement; the
    wrong count stays in the ledger. `faulty: true` corrects the old-part count."""
    movement = stock.adjust(
        db.session,
        _location(json_data["location_id"]),
        json_data["sku"],
        json_data["qty"],
        bool(json_data.get("faulty")),
        json_data["reason"],
        actor(),
        now(),
        json_data.get("occurred_at"),
    )
    return movement_dict(movement)


# ---- requisitions and returns ----------------------------------------------------------------


def _requests_routes(bp: APIBlueprint, kind: str, body: type, deeds: tuple[str, ...]) -> None:
    """The same routes for requisitions and returns: create, list, read, and one POST per deed."""

    def visible(query):
        if current_user.role == "technician":
            return query.where(StockRequest.van_id == (_own_van_id() or 0))
        return query

    def one(request_id: int, lock: bool = False) -> StockRequest:
        query = visible(select(StockRequest).where(StockRequest.id == request_id, StockRequest.kind == kind))
        found = db.session.scalar(query.with_for_update(of=StockRequest) if lock else query)
        if found is None:
            raise NotFound(f"{kind.title()} {request_id} not found.")
        return found

    @bp.post("")
    @roles_required(*ANY_ROLE)
    @bp.input(body)
    @bp.output(StockRequestOut, status_code=201)
    @bp.doc(summary=f"Ask for a {kind}", description=CREATE_DOCS[kind])
    def create(json_data):
        technician = _technician_for(json_data)
        return request_dict(stock.create_request(db.session, kind, technician, json_data, actor(), now()))

    @bp.get("")
    @roles_required(*ANY_ROLE)
    @bp.input(StockRequestQuery, location="query")
    @bp.output(StockRequestPage)
    @bp.doc(summary=f"{kind.title()}s", description=f"{kind.title()}s, newest first (a technician: their own van's).")
    def list_requests(query_data):
        query = visible(select(StockRequest).where(StockRequest.kind == kind)).order_by(StockRequest.id.desc())
        if query_data.get("status"):
            query = query.where(StockRequest.status == query_data["status"])
        page = paginate(query, query_data["page"], query_data["per_page"])
        page["items"] = [request_dict(r) for r in page["items"]]
        return page

    @bp.get("/<int:stock_request_id>")
    @roles_required(*ANY_ROLE)
    @bp.output(StockRequestOut)
    @bp.doc(summary=f"One {kind}")
    def get(stock_request_id):
        return request_dict(one(stock_request_id))

    def deed_view(deed: str):
        staff_only = deed != "cancel"

        @bp.post(f"/<int:stock_request_id>/{deed}", endpoint=deed)
        @roles_required(*(STAFF if staff_only else ANY_ROLE))
        @bp.input(DecisionIn)
        @bp.output(StockRequestOut)
        @bp.doc(
            summary=f"{deed.title()} a {kind}",
            description=DEED_DOCS[(kind, deed)],
            responses={409: "Not in a status this allows (or, issuing, the warehouse has too few)"},
        )
        def view(stock_request_id, json_data):
            request = one(stock_request_id, lock=True)
            return request_dict(stock.decide(db.session, request, deed, actor(), now(), json_data.get("reason")))

    for deed in deeds:
        deed_view(deed)


CREATE_DOCS = {
    "requisition": "A technician asks for parts from a warehouse into their van (领料); staff may ask for a "
    "technician (`technician_id`). Nothing moves until a dispatcher issues it.",
    "return": "A technician hands parts back from their van to a warehouse (退料); `faulty: true` lines are old "
    "parts taken out of customers' machines (旧件返还), with the job they came from. Nothing moves until a "
    "dispatcher receives it.",
}
DEED_DOCS = {
    ("requisition", "approve"): "Approve a requested requisition (dispatcher, admin).",
    ("requisition", "issue"): "Issue it: the parts move from the warehouse into the van (requisition_out and "
    "requisition_in movements), which also settles a van gone negative. The warehouse short of a line: 409, "
    "nothing moves.",
    ("requisition", "reject"): "Refuse it, with a reason (dispatcher, admin).",
    ("requisition", "cancel"): "Withdraw it before it is issued (its technician, or staff).",
    ("return", "receive"): "Receive it at the warehouse: good parts move from the van (return_out, return_in); "
    "old parts go into the warehouse's faulty stock (old_part_return) and onto their job's timeline.",
    ("return", "reject"): "Refuse it, with a reason (dispatcher, admin).",
    ("return", "cancel"): "Withdraw it before it is received (its technician, or staff).",
}

_requests_routes(requisitions_bp, "requisition", RequisitionIn, ("approve", "issue", "reject", "cancel"))
_requests_routes(returns_bp, "return", ReturnIn, ("receive", "reject", "cancel"))
