"""Spare parts: the catalogue, warehouses and vans, and the append-only stock ledger.

Every change of stock is one `StockMovement` row, inserted and never changed; a correction is a new
movement. `StockBalance` caches the ledger's sums per part and location and is updated by the same
statement that inserts each movement's transaction (`record_movement`); `ledger_sums` recomputes the
truth from the ledger alone.

A part logged on a job consumes the technician's van stock in the log's transaction, also when the
phone replays it hours later: the van's count may go below zero (the phone could not know), and the
movement and balance are flagged `negative` until a requisition, a return or an adjustment brings
the count back. A sku nobody listed is added to the catalogue `unlisted` (inactive, price 0) so its
consumption is still counted and shows up for the dispatcher to sort out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, delete, func, literal, or_, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import Log, Technician, WorkOrder
from ..models.parts import Part, PartChange, StockBalance, StockLocation, StockMovement, StockRequest, StockRequestLine
from .actors import Actor
from .errors import Conflict, NotFound, ValidationFailed
from .timing import deed_time
from .workflow import record_event

MILLI = 1000


def to_milli(qty: float) -> int:
    """A quantity in thousandths of the part's unit (what the tables store)."""
    return round(qty * MILLI)


def from_milli(qty_milli: int) -> float | int:
    """Back to units for the API: whole numbers stay integers (2, not 2.0)."""
    whole, rest = divmod(qty_milli, MILLI)
    return whole if rest == 0 else qty_milli / MILLI


def checked_qty(qty: float, field: str, signed: bool = False) -> int:
    """The quantity in thousandths, refusing what rounds to nothing (0.0001) as 422."""
    milli = to_milli(qty)
    if milli == 0 or (not signed and milli < 0):
        raise ValidationFailed({field: ["must be at least 0.001" if not signed else "must not be 0"]})
    return milli


# --- the catalogue ---------------------------------------------------------------------------


def part_by_sku(session: Session, sku: str) -> Part | None:
    return session.scalar(select(Part).where(Part.sku == sku))


CATALOGUE_FIELDS = ("sku", "name", "unit", "price", "currency", "min_stock", "active")


def _catalogue_values(part: Part) -> dict:
    values = {field: getattr(part, field) for field in CATALOGUE_FIELDS if field != "min_stock"}
    return values | {"min_stock": from_milli(part.min_stock_milli)}


def create_part(session: Session, data: dict, now: datetime, actor: Actor | None = None) -> Part:
    """A catalogue entry; a sku already listed is 409 (an `unlisted` one is completed by PATCH)."""
    if part_by_sku(session, data["sku"]) is not None:
        raise Conflict(f"A part with sku {data['sku']} exists already.")
    part = Part(
        sku=data["sku"],
        name=data["name"],
        unit=data.get("unit") or "pcs",
        price=data.get("price", 0),
        currency=data.get("currency") or "CNY",
        min_stock_milli=to_milli(data.get("min_stock") or 0),
        active=data.get("active", True),
        unlisted=False,
        created_at=now,
        updated_at=now,
    )
    session.add(part)
    session.flush()
    changes = {field: [None, value] for field, value in _catalogue_values(part).items()}
    session.add(PartChange(part_id=part.id, at=now, actor_user_id=_user_id(actor), action="created", changes=changes))
    return part


def update_part(session: Session, part: Part, data: dict, now: datetime, actor: Actor | None = None) -> Part:
    """Change name, unit, price, currency, minimum or active; changing the sku is refused when
    it is taken. Saving an `unlisted` part makes it a listed one. What changed goes on the part's
    trail, old and new."""
    if "sku" in data and data["sku"] != part.sku and part_by_sku(session, data["sku"]) is not None:
        raise Conflict(f"A part with sku {data['sku']} exists already.")
    before = _catalogue_values(part)
    for field in ("sku", "name", "unit", "price", "currency", "active"):
        if field in data:
            setattr(part, field, data[field])
    if "min_stock" in data:
        part.min_stock_milli = to_milli(data["min_stock"])
    after = _catalogue_values(part)
    changes = {field: [before[field], after[field]] for field in CATALOGUE_FIELDS if before[field] != after[field]}
    if part.unlisted:
        changes["unlisted"] = [True, False]
    part.unlisted = False
    part.updated_at = now
    if changes:
        session.add(
            PartChange(part_id=part.id, at=now, actor_user_id=_user_id(actor), action="updated", changes=changes)
        )
    return part


def _user_id(actor: Actor | None) -> int | None:
    return actor.user_id if actor is not None else None


def part_changes(session: Session, part: Part) -> list[PartChange]:
    """The part's trail, oldest first."""
    return list(session.scalars(select(PartChange).where(PartChange.part_id == part.id).order_by(PartChange.id)))


def delete_part(session: Session, part: Part) -> None:
    """Only a part that never moved nor was requested can go; others are retired (`active: false`)."""
    used = session.scalar(select(StockMovement.id).where(StockMovement.part_id == part.id).limit(1))
    requested = session.scalar(select(StockRequestLine.id).where(StockRequestLine.part_id == part.id).limit(1))
    if used is not None or requested is not None:
        raise Conflict("This part has stock history; retire it with active: false instead.")
    session.execute(delete(StockBalance).where(StockBalance.part_id == part.id))
    session.delete(part)


def _unlisted_part(session: Session, sku: str, name: str, now: datetime) -> Part:
    """A catalogue entry for a sku a part log named and nobody listed; two phones naming it at once
    make it once (the insert yields to the other's on the unique sku)."""
    values = {
        "sku": sku,
        "name": name,
        "unit": "pcs",
        "price": 0,
        "currency": "CNY",
        "min_stock_milli": 0,
        "active": False,
        "unlisted": True,
        "created_at": now,
        "updated_at": now,
    }
    session.execute(_insert(session, Part).values(**values).on_conflict_do_nothing(index_elements=["sku"]))
    return part_by_sku(session, sku)


def parts_by_sku(session: Session, skus: Iterable[str], field: str = "lines") -> dict[str, Part]:
    """The catalogue's parts for these skus; any unknown sku is 422, naming it."""
    wanted = set(skus)
    found = {p.sku: p for p in session.scalars(select(Part).where(Part.sku.in_(wanted)))}
    unknown = sorted(wanted - found.keys())
    if unknown:
        raise ValidationFailed({field: [f"unknown sku: {', '.join(unknown)}"]})
    return found


# --- locations -------------------------------------------------------------------------------


def create_warehouse(session: Session, data: dict, now: datetime) -> StockLocation:
    location = StockLocation(kind="warehouse", name=data["name"], active=data.get("active", True), created_at=now)
    session.add(location)
    session.flush()
    return location


def van_of(session: Session, technician: Technician, now: datetime) -> StockLocation:
    """The technician's van, made the first time stock moves in or out of it. Two first moves at
    once (two phones syncing) make it once: the insert yields to the other's on the unique key."""
    query = select(StockLocation).where(StockLocation.technician_id == technician.id)
    van = session.scalar(query)
    if van is None:
        values = {"kind": "van", "name": f"Van: {technician.name}", "technician_id": technician.id}
        statement = _insert(session, StockLocation).values(**values, active=True, created_at=now)
        session.execute(statement.on_conflict_do_nothing(index_elements=["technician_id"]))
        van = session.scalar(query)
    return van


def warehouse(session: Session, location_id: int, field: str = "warehouse_id") -> StockLocation:
    location = session.get(StockLocation, location_id)
    if location is None or location.kind != "warehouse":
        raise ValidationFailed({field: ["no such warehouse"]})
    if not location.active:
        raise ValidationFailed({field: ["this warehouse is closed"]})
    return location


# --- the ledger ------------------------------------------------------------------------------


def _insert(session: Session, table):
    """INSERT with ON CONFLICT, in the dialect's own words (SQLite and PostgreSQL both have it)."""
    return (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)


def _add_to_balance(session: Session, part_id: int, location_id: int, qty: int, faulty: bool) -> int:
    """Add to the cached balance in one atomic statement (an upsert), returning the new count of
    that stock (faulty or good): concurrent movements on one balance serialise on its row."""
    column = "faulty_milli" if faulty else "qty_milli"
    values = {"part_id": part_id, "location_id": location_id, "qty_milli": 0, "faulty_milli": 0, column: qty}
    statement = _insert(session, StockBalance).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["part_id", "location_id"],
        set_={column: getattr(StockBalance, column) + getattr(statement.excluded, column)},
    ).returning(getattr(StockBalance, column))
    return session.execute(statement).scalar_one()


def record_movement(
    session: Session,
    *,
    part: Part,
    location: StockLocation,
    qty_milli: int,
    kind: str,
    actor: Actor,
    at: datetime,
    now: datetime,
    faulty: bool = False,
    work_order_id: int | None = None,
    log_id: int | None = None,
    request_id: int | None = None,
    reason: str | None = None,
    flags: Iterable[str] = (),
) -> StockMovement:
    """Append one row to the ledger and add it to the cached balance, in the caller's transaction.
    A movement out of a location that leaves its count below zero is flagged `negative`."""
    after = _add_to_balance(session, part.id, location.id, qty_milli, faulty)
    flags = list(flags)
    if qty_milli < 0 and after < 0:
        flags.append("negative")
    movement = StockMovement(
        part_id=part.id,
        location_id=location.id,
        qty_milli=qty_milli,
        faulty=faulty,
        kind=kind,
        work_order_id=work_order_id,
        log_id=log_id,
        request_id=request_id,
        actor_user_id=actor.user_id,
        occurred_at=at,
        recorded_at=now,
        reason=reason,
        balance_after_milli=after,
        flags=flags,
    )
    session.add(movement)
    session.flush()
    return movement


@dataclass(frozen=True)
class Line:
    part: Part
    qty_milli: int
    faulty: bool = False
    work_order_id: int | None = None


def _lines(session: Session, items: list[dict], field: str = "lines") -> list[Line]:
    if not items:
        raise ValidationFailed({field: ["list at least one part"]})
    parts = parts_by_sku(session, (item["sku"] for item in items), field)
    lines = []
    for i, item in enumerate(items):
        qty = checked_qty(item["qty"], f"{field}.{i}.qty")
        lines.append(Line(parts[item["sku"]], qty, bool(item.get("faulty")), item.get("work_order_id")))
    return lines


def receive(
    session: Session, location: StockLocation, items: list[dict], reason: str | None, actor: Actor, now: datetime, at
) -> list[StockMovement]:
    """Goods received at a warehouse from a supplier."""
    if location.kind != "warehouse":
        raise ValidationFailed({"location_id": ["receipts go into a warehouse"]})
    at = deed_time(at, now)
    return [
        record_movement(
            session,
            part=line.part,
            location=location,
            qty_milli=line.qty_milli,
            kind="receipt",
            actor=actor,
            at=at,
            now=now,
            reason=reason,
        )
        for line in _lines(session, items)
    ]


def adjust(
    session: Session,
    location: StockLocation,
    sku: str,
    qty: float,
    faulty: bool,
    reason: str,
    actor: Actor,
    now: datetime,
    at: datetime | None,
) -> StockMovement:
    """A correction after a count, signed (+ found, - missing): the ledger keeps what was wrong."""
    part = parts_by_sku(session, [sku], "sku")[sku]
    qty_milli = checked_qty(qty, "qty", signed=True)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["say why the count changes"]})
    return record_movement(
        session,
        part=part,
        location=location,
        qty_milli=qty_milli,
        kind="adjustment",
        faulty=faulty,
        actor=actor,
        at=deed_time(at, now),
        now=now,
        reason=reason.strip(),
    )


def consume_logged_parts(session: Session, wo: WorkOrder, log: Log, actor: Actor, now: datetime) -> dict:
    """A part log takes its parts out of the author's van, at the log's time of the deed. Returns
    the skus flagged on the way (`negative`: the van's count went below zero; `unlisted`: a sku not
    in the catalogue, added as an unlisted part), for the log's event."""
    technician = session.scalar(select(Technician).where(Technician.user_id == actor.user_id))
    if technician is None or not log.parts:
        return {}
    van = van_of(session, technician, now)
    flagged: dict[str, list[str]] = {}
    for line in log.parts:
        part = part_by_sku(session, line.sku)
        flags = []
        if part is None:
            part = _unlisted_part(session, line.sku, line.name, now)
        if part.unlisted:
            flags.append("unlisted_part")
        movement = record_movement(
            session,
            part=part,
            location=van,
            qty_milli=-max(to_milli(line.qty), 1),
            kind="consumption",
            actor=actor,
            at=log.occurred_at,
            now=now,
            work_order_id=wo.id,
            log_id=log.id,
            flags=flags,
        )
        for flag in movement.flags:
            flagged.setdefault(flag, []).append(line.sku)
    return flagged


# --- requisitions and returns ----------------------------------------------------------------


def create_request(
    session: Session, kind: str, technician: Technician, data: dict, actor: Actor, now: datetime
) -> StockRequest:
    """A requisition (warehouse → van) or a return (van → warehouse; `faulty` lines are old parts
    taken out of customers' machines, 旧件返还). Nothing moves until a dispatcher issues or
    receives it."""
    store = warehouse(session, data["warehouse_id"])
    lines = _lines(session, data.get("lines") or [])
    if kind == "requisition" and any(line.faulty for line in lines):
        raise ValidationFailed({"lines": ["only a return hands in faulty (old) parts"]})
    for i, line in enumerate(lines):
        if line.work_order_id is not None and session.get(WorkOrder, line.work_order_id) is None:
            raise ValidationFailed({f"lines.{i}.work_order_id": ["no such work order"]})
    request = StockRequest(
        kind=kind,
        status="requested",
        van_id=van_of(session, technician, now).id,
        warehouse_id=store.id,
        note=(data.get("note") or "").strip() or None,
        requested_by_id=actor.user_id,
        requested_at=now,
        lines=[
            StockRequestLine(
                part_id=ln.part.id, qty_milli=ln.qty_milli, faulty=ln.faulty, work_order_id=ln.work_order_id
            )
            for ln in lines
        ],
    )
    session.add(request)
    session.flush()
    return request


NEXT = {
    # (kind, deed): (statuses it may come from, status it leads to)
    ("requisition", "approve"): (("requested",), "approved"),
    ("requisition", "issue"): (("requested", "approved"), "issued"),
    ("return", "receive"): (("requested",), "received"),
    ("requisition", "reject"): (("requested", "approved"), "rejected"),
    ("return", "reject"): (("requested",), "rejected"),
    ("requisition", "cancel"): (("requested", "approved"), "cancelled"),
    ("return", "cancel"): (("requested",), "cancelled"),
}


def _move(request: StockRequest, deed: str) -> None:
    step = NEXT.get((request.kind, deed))
    if step is None:
        raise NotFound(f"A {request.kind} cannot be {deed}d.")
    sources, target = step
    if request.status not in sources:
        raise Conflict(f"This {request.kind} is {request.status}; it cannot be {deed}d now.")
    request.status = target


def decide(
    session: Session, request: StockRequest, deed: str, actor: Actor, now: datetime, reason: str | None = None
) -> StockRequest:
    """Approve, issue, receive, reject or cancel a request. Issuing a requisition moves its lines
    from the warehouse into the van (refused, 409, when the warehouse has too few); receiving a
    return moves good parts from the van into the warehouse and books old parts into the
    warehouse's faulty stock, with an event on the job each came from."""
    _move(request, deed)
    if deed in ("approve", "reject", "issue", "receive"):
        request.decided_by_id, request.decided_at = actor.user_id, now
    if deed in ("reject", "cancel"):
        request.decision_reason = (reason or "").strip() or None
    if deed == "issue":
        _issue(session, request, actor, now)
    if deed == "receive":
        _receive_return(session, request, actor, now)
    if deed in ("issue", "receive"):
        request.done_at = now
    return request


def _issue(session: Session, request: StockRequest, actor: Actor, now: datetime) -> None:
    short = []
    for line in request.lines:
        out = record_movement(
            session,
            part=line.part,
            location=request.warehouse,
            qty_milli=-line.qty_milli,
            kind="requisition_out",
            actor=actor,
            at=now,
            now=now,
            request_id=request.id,
        )
        if out.balance_after_milli < 0:
            short.append(f"{line.part.sku} (short by {from_milli(-out.balance_after_milli)})")
        record_movement(
            session,
            part=line.part,
            location=request.van,
            qty_milli=line.qty_milli,
            kind="requisition_in",
            actor=actor,
            at=now,
            now=now,
            request_id=request.id,
        )
    if short:
        # The whole request is rolled back by the API layer: nothing is half-issued.
        raise Conflict(f"{request.warehouse.name} has too few: {', '.join(short)}.")


def _receive_return(session: Session, request: StockRequest, actor: Actor, now: datetime) -> None:
    for line in request.lines:
        common = {"actor": actor, "at": now, "now": now, "request_id": request.id, "work_order_id": line.work_order_id}
        if line.faulty:
            record_movement(
                session,
                part=line.part,
                location=request.warehouse,
                qty_milli=line.qty_milli,
                kind="old_part_return",
                faulty=True,
                **common,
            )
            if line.work_order_id is not None:
                wo = session.get(WorkOrder, line.work_order_id)
                details = {"request_id": request.id, "sku": line.part.sku, "qty": from_milli(line.qty_milli)}
                record_event(session, wo, "old_part_returned", actor, at=now, now=now, details=details)
            continue
        record_movement(
            session, part=line.part, location=request.van, qty_milli=-line.qty_milli, kind="return_out", **common
        )
        record_movement(
            session, part=line.part, location=request.warehouse, qty_milli=line.qty_milli, kind="return_in", **common
        )


# --- reading stock ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StockRow:
    part: Part
    location: StockLocation
    qty_milli: int
    faulty_milli: int

    @property
    def negative(self) -> bool:
        return self.qty_milli < 0

    @property
    def low(self) -> bool:
        return self.qty_milli < self.part.min_stock_milli


def stock_page(
    session: Session,
    location_ids: list[int] | None = None,
    part_id: int | None = None,
    low_only: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[StockRow], int]:
    """Balances per part and location, warehouses first, then by sku; one page of them and how many
    there are. A warehouse lists every active part (a part it has none of shows 0, and is low when
    the part has a minimum); a van lists what it has held. Low: below the part's `min_stock`;
    negative: below zero (a van after offline use). Filtering, ordering and paging happen in the
    database: a warehouse of every part times every van is many rows."""
    # What each location has held (its balance rows), and, with nothing beside them, every active
    # part in every open warehouse it has never held (count 0): UNION ALL, nothing to deduplicate.
    held = select(StockBalance.location_id, StockBalance.part_id, StockBalance.qty_milli, StockBalance.faulty_milli)
    never_held = (
        select(StockLocation.id, Part.id, literal(0, BigInteger), literal(0, BigInteger))
        .select_from(StockLocation)
        .join(Part, true())
        .where(StockLocation.kind == "warehouse", StockLocation.active.is_(True), Part.active.is_(True))
        .where(
            ~select(StockBalance.id)
            .where(StockBalance.location_id == StockLocation.id, StockBalance.part_id == Part.id)
            .exists()
        )
    )
    if location_ids is not None:
        held = held.where(StockBalance.location_id.in_(location_ids))
        never_held = never_held.where(StockLocation.id.in_(location_ids))
    if part_id is not None:
        held = held.where(StockBalance.part_id == part_id)
        never_held = never_held.where(Part.id == part_id)
    if low_only:
        held = held.join(Part, Part.id == StockBalance.part_id)
        held = held.where(or_(StockBalance.qty_milli < Part.min_stock_milli, StockBalance.qty_milli < 0))
        never_held = never_held.where(Part.min_stock_milli > 0)
    rows_ = union_all(held, never_held).subquery()
    location_id, part_id_, qty, faulty = rows_.c
    query = (
        select(location_id, part_id_, qty, faulty)
        .join(Part, Part.id == part_id_)
        .join(StockLocation, StockLocation.id == location_id)
    )
    total = session.scalar(select(func.count()).select_from(rows_))
    ordered = query.order_by(StockLocation.kind.desc(), StockLocation.name, StockLocation.id, Part.sku)
    found = session.execute(ordered.limit(per_page).offset((page - 1) * per_page)).all()
    parts = {p.id: p for p in session.scalars(select(Part).where(Part.id.in_({r[1] for r in found})))}
    places = {
        loc.id: loc for loc in session.scalars(select(StockLocation).where(StockLocation.id.in_({r[0] for r in found})))
    }
    rows = [StockRow(parts[p], places[loc], int(q), int(f)) for loc, p, q, f in found]
    return rows, total


def ledger_sums(session: Session) -> dict[tuple[int, int], tuple[int, int]]:
    """The truth: (good, faulty) per (part, location), summed from the ledger alone."""
    query = select(
        StockMovement.part_id, StockMovement.location_id, StockMovement.faulty, func.sum(StockMovement.qty_milli)
    ).group_by(StockMovement.part_id, StockMovement.location_id, StockMovement.faulty)
    sums: dict[tuple[int, int], list[int]] = {}
    for part_id, location_id, faulty, total in session.execute(query):
        entry = sums.setdefault((part_id, location_id), [0, 0])
        entry[1 if faulty else 0] += int(total)
    return {key: (good, bad) for key, (good, bad) in sums.items() if good or bad}


def cached_balances(session: Session) -> dict[tuple[int, int], tuple[int, int]]:
    """What the balance table says, for comparing with `ledger_sums` (rows of nothing left out)."""
    query = select(StockBalance.part_id, StockBalance.location_id, StockBalance.qty_milli, StockBalance.faulty_milli)
    return {(p, loc): (qty, faulty) for p, loc, qty, faulty in session.execute(query) if qty or faulty}
