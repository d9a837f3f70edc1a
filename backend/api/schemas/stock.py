"""Schemas of spare parts and stock: the catalogue (`/api/v1/parts`), stock, its ledger, receipts and
adjustments (`/api/v1/stock`), requisitions and returns (`/api/v1/requisitions`, `/api/v1/returns`)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Float, List, Nested
from apiflask.validators import Length, Range, Regexp

from ...domain import parts as stock
from ...models import MOVEMENT_KINDS, REQUEST_STATUSES, Part, StockLocation, StockMovement, StockRequest
from .common import Integer, String, Timestamp, name_text, one_of, text
from .lists import PageQuery, page_of, search_text

MAX_STOCK_QTY = 1_000_000  # units on one line of a receipt, requisition or return
QTY_NOTE = "in the part's unit; up to 3 decimals (0.5 m of pipe), more than 0"


def strict_boolean(**kwargs) -> Boolean:
    """true or false only (marshmallow would also take "yes", 1, "on" ...)."""
    return Boolean(truthy={True}, falsy={False}, **kwargs)


def query_boolean(**kwargs) -> Boolean:
    """true or false in a query string."""
    return Boolean(truthy={True, "true"}, falsy={False, "false"}, **kwargs)


def qty_field(**kwargs) -> Float:
    return Float(
        required=True,
        validate=Range(min=0, min_inclusive=False, max=MAX_STOCK_QTY),
        metadata={"description": QTY_NOTE},
        **kwargs,
    )


# ---- the catalogue ---------------------------------------------------------------------------


class SparePartIn(Schema):
    sku = String(
        required=True,
        validate=[Length(min=1, max=64), Regexp(r"^\S(.*\S)?$", error="must not start or end with spaces")],
        metadata={"description": "unique; what part logs name (`parts: [{sku, name, qty}]`)"},
    )
    name = name_text(200, required=True)
    unit = name_text(20, metadata={"description": "pcs (default), m, kg, L ..."})
    price = Integer(
        validate=Range(min=0), metadata={"description": "in minor units of `currency` (fen, cents): 12.50 is 1250"}
    )
    currency = String(
        validate=Regexp(r"^[A-Z]{3}$", error="must be an ISO 4217 code such as CNY"),
        metadata={"description": "ISO 4217, default CNY"},
    )
    min_stock = Float(
        validate=Range(min=0, max=MAX_STOCK_QTY),
        metadata={"description": "a location holding less is flagged low (default 0: never low)"},
    )
    active = strict_boolean(metadata={"description": "false: retired, left out of warehouse lists"})


class SparePartPatch(SparePartIn):
    sku = String(
        validate=[Length(min=1, max=64), Regexp(r"^\S(.*\S)?$", error="must not start or end with spaces")],
    )
    name = name_text(200)


class SparePartOut(Schema):
    id = Integer()
    sku = String()
    name = String()
    unit = String()
    price = Integer(metadata={"description": "minor units of currency"})
    currency = String()
    min_stock = Float()
    active = Boolean()
    unlisted = Boolean(
        metadata={
            "description": "added because a part log named a sku the catalogue did not have: inactive, price 0, "
            "until a dispatcher completes it (PATCH)"
        }
    )
    created_at = Timestamp()
    updated_at = Timestamp()


class SparePartQuery(PageQuery):
    q = search_text("in sku or name", max_length=100)
    active = query_boolean()
    unlisted = query_boolean()


SparePartPage = page_of(SparePartOut, "SparePartPage")


class PartChangeOut(Schema):
    at = Timestamp()
    actor_user_id = Integer(allow_none=True)
    action = String(metadata={"description": "created or updated"})
    changes = Dict(metadata={"description": "field: [old, new] (created: [null, value])"})


class PartChangesOut(Schema):
    items = List(Nested(PartChangeOut))


# ---- locations and stock ---------------------------------------------------------------------


class StockLocationIn(Schema):
    name = name_text(200, required=True)


class StockLocationPatch(Schema):
    name = name_text(200)
    active = strict_boolean(metadata={"description": "false: closed, takes no new requests"})


class StockLocationOut(Schema):
    id = Integer()
    kind = String(metadata={"description": "warehouse or van"})
    name = String()
    technician_id = Integer(allow_none=True, metadata={"description": "a van's technician"})
    active = Boolean()


StockLocationPage = page_of(StockLocationOut, "StockLocationPage")


class PartBrief(Schema):
    id = Integer()
    sku = String()
    name = String()
    unit = String()
    min_stock = Float()
    unlisted = Boolean()


class LocationBrief(Schema):
    id = Integer()
    kind = String()
    name = String()
    technician_id = Integer(allow_none=True)


class StockQuery(PageQuery):
    location_id = Integer(metadata={"description": "one warehouse or van (a technician: their van, the default)"})
    part_id = Integer()
    low = query_boolean(metadata={"description": "true: only rows flagged low or negative"})


class StockRowOut(Schema):
    part = Nested(PartBrief)
    location = Nested(LocationBrief)
    qty = Float(metadata={"description": "sellable stock, the ledger's sum (may be below zero in a van)"})
    faulty_qty = Float(metadata={"description": "old parts handed in (旧件), not sellable"})
    low = Boolean(metadata={"description": "qty below the part's min_stock"})
    negative = Boolean(metadata={"description": "qty below zero: more used than the books had (offline use)"})


StockPage = page_of(StockRowOut, "StockPage")


class MovementQuery(PageQuery):
    part_id = Integer()
    location_id = Integer()
    work_order_id = Integer()
    kind = String(validate=one_of(MOVEMENT_KINDS))
    flagged = query_boolean(metadata={"description": "true: only movements with flags"})


class StockMovementOut(Schema):
    id = Integer()
    part = Nested(PartBrief)
    location = Nested(LocationBrief)
    qty = Float(metadata={"description": "signed: + into the location, - out of it"})
    faulty = Boolean()
    kind = String(metadata={"description": ", ".join(MOVEMENT_KINDS)})
    work_order_id = Integer(allow_none=True)
    log_id = Integer(allow_none=True)
    request_id = Integer(allow_none=True)
    actor_user_id = Integer(allow_none=True)
    occurred_at = Timestamp(metadata={"description": "the time of the deed"})
    recorded_at = Timestamp()
    reason = String(allow_none=True)
    balance_after = Float(metadata={"description": "the location's count of this stock after this movement"})
    flags = List(String(), metadata={"description": "negative, unlisted_part"})


StockMovementPage = page_of(StockMovementOut, "StockMovementPage")


class StockLineIn(Schema):
    sku = text(64, required=True)
    qty = qty_field()


class ReceiptIn(Schema):
    location_id = Integer(required=True, metadata={"description": "the warehouse receiving the goods"})
    lines = List(Nested(StockLineIn), required=True, validate=Length(min=1, max=200))
    reason = text(2000, allow_none=True, metadata={"description": "supplier, delivery note ..."})
    occurred_at = Timestamp(metadata={"description": "when the goods came in (default: now)"})


class AdjustmentIn(Schema):
    location_id = Integer(required=True)
    sku = text(64, required=True)
    qty = Float(
        required=True,
        validate=Range(min=-MAX_STOCK_QTY, max=MAX_STOCK_QTY),
        metadata={"description": "signed, not 0: + found, - missing"},
    )
    faulty = strict_boolean(metadata={"description": "true: corrects the old-part (faulty) count"})
    reason = text(2000, required=True)
    occurred_at = Timestamp(metadata={"description": "when the count was made (default: now)"})


class MovementsOut(Schema):
    items = List(Nested(StockMovementOut))


# ---- requisitions and returns ----------------------------------------------------------------


class ReturnLineIn(StockLineIn):
    faulty = strict_boolean(metadata={"description": "true: an old part taken out of a customer's machine (旧件)"})
    work_order_id = Integer(allow_none=True, metadata={"description": "the job an old part came from"})


class RequisitionIn(Schema):
    warehouse_id = Integer(required=True)
    lines = List(Nested(StockLineIn), required=True, validate=Length(min=1, max=100))
    note = text(2000, allow_none=True)
    technician_id = Integer(metadata={"description": "staff only: whose van (a technician: always their own)"})


class ReturnIn(RequisitionIn):
    lines = List(Nested(ReturnLineIn), required=True, validate=Length(min=1, max=100))


class DecisionIn(Schema):
    reason = text(2000, allow_none=True)


class StockRequestLineOut(Schema):
    part = Nested(PartBrief)
    qty = Float()
    faulty = Boolean()
    work_order_id = Integer(allow_none=True)


class StockRequestOut(Schema):
    id = Integer()
    kind = String(metadata={"description": "requisition or return"})
    status = String(metadata={"description": ", ".join(REQUEST_STATUSES)})
    van = Nested(LocationBrief)
    warehouse = Nested(LocationBrief)
    note = String(allow_none=True)
    lines = List(Nested(StockRequestLineOut))
    requested_by_id = Integer(allow_none=True)
    requested_at = Timestamp()
    decided_by_id = Integer(allow_none=True)
    decided_at = Timestamp(allow_none=True)
    done_at = Timestamp(allow_none=True, metadata={"description": "when stock moved (issued or received)"})
    decision_reason = String(allow_none=True)


class StockRequestQuery(PageQuery):
    status = String(validate=one_of(REQUEST_STATUSES))


StockRequestPage = page_of(StockRequestOut, "StockRequestPage")


def part_dict(part: Part) -> dict:
    return {
        "id": part.id,
        "sku": part.sku,
        "name": part.name,
        "unit": part.unit,
        "price": part.price,
        "currency": part.currency,
        "min_stock": stock.from_milli(part.min_stock_milli),
        "active": part.active,
        "unlisted": part.unlisted,
        "created_at": part.created_at,
        "updated_at": part.updated_at,
    }


def part_brief(part: Part) -> dict:
    brief = {"id": part.id, "sku": part.sku, "name": part.name, "unit": part.unit, "unlisted": part.unlisted}
    return brief | {"min_stock": stock.from_milli(part.min_stock_milli)}


def location_dict(location: StockLocation) -> dict:
    return {
        "id": location.id,
        "kind": location.kind,
        "name": location.name,
        "technician_id": location.technician_id,
        "active": location.active,
    }


def movement_dict(movement: StockMovement) -> dict:
    return {
        "id": movement.id,
        "part": part_brief(movement.part),
        "location": location_dict(movement.location),
        "qty": stock.from_milli(movement.qty_milli),
        "faulty": movement.faulty,
        "kind": movement.kind,
        "work_order_id": movement.work_order_id,
        "log_id": movement.log_id,
        "request_id": movement.request_id,
        "actor_user_id": movement.actor_user_id,
        "occurred_at": movement.occurred_at,
        "recorded_at": movement.recorded_at,
        "reason": movement.reason,
        "balance_after": stock.from_milli(movement.balance_after_milli),
        "flags": movement.flags or [],
    }


def row_dict(row: stock.StockRow) -> dict:
    return {
        "part": part_brief(row.part),
        "location": location_dict(row.location),
        "qty": stock.from_milli(row.qty_milli),
        "faulty_qty": stock.from_milli(row.faulty_milli),
        "low": row.low,
        "negative": row.negative,
    }


def request_dict(request: StockRequest) -> dict:
    return {
        "id": request.id,
        "kind": request.kind,
        "status": request.status,
        "van": location_dict(request.van),
        "warehouse": location_dict(request.warehouse),
        "note": request.note,
        "lines": [
            {
                "part": part_brief(line.part),
                "qty": stock.from_milli(line.qty_milli),
                "faulty": line.faulty,
                "work_order_id": line.work_order_id,
            }
            for line in request.lines
        ],
        "requested_by_id": request.requested_by_id,
        "requested_at": request.requested_at,
        "decided_by_id": request.decided_by_id,
        "decided_at": request.decided_at,
        "done_at": request.done_at,
        "decision_reason": request.decision_reason,
    }
