"""Charges (收费): what a chargeable job costs the customer, from the price list.

A job is chargeable when its `warranty` (decided at creation) is `out_of_warranty` or `unknown`;
a job without a warranty decision is chargeable when the price list says so
(`charge_without_warranty`); nothing is chargeable before an admin has set a price list.

The charges of a chargeable job are: the call-out fee when someone went on site (the job has an
arrival), labour for all the time logged on it, billed in started blocks of `labour_block_minutes`,
and each part logged on it at its price (the parts catalogue's, else the price list's for that
SKU). While the job is open they are an estimate, computed from the logs as they are; at
completion they are frozen (`ChargeSheet`) and the customer signs for them
(domain/signoff.completion_record includes the frozen sheet, and only a frozen sheet, so that the
records of jobs completed before charges existed, and their stored hashes, stay as they were).

Money is integer minor units (fen) with the price list's currency. This module imports only models:
workflow.py calls `freeze` when a job is completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import PRICE_LIST_ID, ChargeSheet, Log, Part, Payment, PriceList, PriceListPart, WorkOrder
from .errors import ValidationFailed

CHARGEABLE_WARRANTIES = ("out_of_warranty", "unknown")
NOT_CHARGEABLE_WARRANTIES = ("in_warranty", "under_contract")
DEFAULT_BLOCK_MINUTES = 15


@dataclass(frozen=True)
class Charges:
    """A job's charges: frozen at completion (`frozen_at`), else an estimate from the logs as they are."""

    chargeable: bool
    reason: str  # why (not): out_of_warranty, unknown, in_warranty, under_contract, no_warranty, no_price_list ...
    warranty: str | None
    currency: str
    lines: list[dict]
    total: int
    frozen_at: datetime | None = None
    unpriced: tuple[str, ...] = ()  # SKUs logged that have no price: charged 0 until one is set

    def record(self) -> dict:
        """What the completion record (the customer's signature) holds of them."""
        return {"currency": self.currency, "total": self.total, "lines": self.lines}


def price_list(session: Session) -> PriceList | None:
    return session.get(PriceList, PRICE_LIST_ID)


def part_prices(session: Session, skus, currency: str) -> dict[str, int]:
    """Unit prices of these SKUs: the parts catalogue's (a listed part with a price in this currency),
    else the price list's own for the SKUs the catalogue does not price. A SKU in neither is absent."""
    skus = sorted(set(skus))
    if not skus:
        return {}
    listed = session.execute(
        select(Part.sku, Part.price).where(
            Part.sku.in_(skus), Part.unlisted.is_(False), Part.price > 0, Part.currency == currency
        )
    ).all()
    prices = {sku: price for sku, price in listed}
    missing = [sku for sku in skus if sku not in prices]
    if missing:
        rows = session.execute(
            select(PriceListPart.sku, PriceListPart.unit_price).where(PriceListPart.sku.in_(missing))
        )
        prices.update(dict(rows.all()))
    return prices


def _money(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _quantity(value: float) -> float | int:
    """A quantity as JSON shows it: 2, not 2.0 (the record's hash is over its JSON)."""
    return int(value) if float(value).is_integer() else round(float(value), 3)


def billed_minutes(minutes: int, block: int) -> int:
    """Logged minutes rounded up to whole blocks (40 minutes in 15-minute blocks: 45)."""
    return -(-minutes // block) * block if minutes > 0 else 0


def _chargeability(wo: WorkOrder, prices: PriceList | None) -> tuple[bool, str]:
    warranty = getattr(wo, "warranty", None)  # recorded at creation (equipment), absent on older installs
    if prices is None:
        return False, "no_price_list"
    if warranty in CHARGEABLE_WARRANTIES:
        return True, warranty
    if warranty in NOT_CHARGEABLE_WARRANTIES:
        return False, warranty
    return prices.charge_without_warranty, "no_warranty"


def estimate(session: Session, wo: WorkOrder) -> Charges:
    """The job's charges from its logs and the price list as they are now."""
    prices = price_list(session)
    chargeable, reason = _chargeability(wo, prices)
    warranty = getattr(wo, "warranty", None)
    currency = prices.currency if prices is not None else ""
    if not chargeable:
        return Charges(False, reason, warranty, currency, [], 0)
    logs = session.scalars(select(Log).where(Log.work_order_id == wo.id).order_by(Log.occurred_at, Log.id)).all()
    lines: list[dict] = []
    if wo.arrived_at is not None and prices.callout_fee > 0:
        lines.append(_line("callout", None, "Call-out", 1, "visit", prices.callout_fee, prices.callout_fee))
    minutes = sum(log.minutes or 0 for log in logs)
    billed = billed_minutes(minutes, prices.labour_block_minutes)
    if billed and prices.labour_per_hour > 0:
        amount = _money(Decimal(prices.labour_per_hour) * billed / 60)
        lines.append(_line("labour", None, "Labour", billed, "minute", prices.labour_per_hour, amount))
    used: dict[str, list] = {}  # sku -> [name, qty], in the order first logged
    for log in logs:
        for part in log.parts:
            entry = used.setdefault(part.sku, [part.name, Decimal(0)])
            entry[1] += Decimal(str(part.qty))
    known = part_prices(session, used, prices.currency)
    unpriced = []
    for sku, (name, qty) in used.items():
        unit_price = known.get(sku)
        line = _line("part", sku, name, _quantity(qty), "each", unit_price or 0, _money((unit_price or 0) * qty))
        if unit_price is None:  # no price anywhere: charged 0, and said so (kept when frozen)
            unpriced.append(sku)
            line["unpriced"] = True
        lines.append(line)
    total = sum(line["amount"] for line in lines)
    return Charges(True, reason, warranty, currency, lines, total, None, tuple(unpriced))


def _line(kind, sku, description, quantity, unit, unit_price, amount) -> dict:
    return {
        "kind": kind,
        "sku": sku,
        "description": description,
        "quantity": quantity,
        "unit": unit,
        "unit_price": unit_price,
        "amount": amount,
    }


def sheet(session: Session, wo: WorkOrder) -> ChargeSheet | None:
    return session.scalar(select(ChargeSheet).where(ChargeSheet.work_order_id == wo.id))


def charges_for(session: Session, wo: WorkOrder) -> Charges:
    """What the customer is charged: the sheet frozen at completion once the job is completed or
    closed, else (and for jobs completed before charges existed) the estimate."""
    if wo.status in ("completed", "closed"):
        frozen = sheet(session, wo)
        if frozen is not None:
            reason = frozen.warranty if frozen.warranty in CHARGEABLE_WARRANTIES else "no_warranty"
            unpriced = tuple(line["sku"] for line in frozen.lines if line.get("unpriced"))
            return Charges(
                True, reason, frozen.warranty, frozen.currency, frozen.lines, frozen.total, frozen.frozen_at, unpriced
            )
    return estimate(session, wo)


def freeze(session: Session, wo: WorkOrder, at: datetime) -> dict:
    """At completion: keep the job's charges as they stand (replacing those of an earlier
    completion, before a reopen). Returns what the completion's event records of them."""
    session.execute(delete(ChargeSheet).where(ChargeSheet.work_order_id == wo.id))
    charges = estimate(session, wo)
    if not charges.chargeable:
        return {}
    session.add(
        ChargeSheet(
            work_order_id=wo.id,
            warranty=charges.warranty,
            currency=charges.currency,
            lines=charges.lines,
            total=charges.total,
            frozen_at=at,
        )
    )
    session.flush()
    return {"charges_total": charges.total, "currency": charges.currency}


def frozen_record(session: Session, wo: WorkOrder) -> dict | None:
    """The frozen charges for the completion record, or None (the record then has no `charges` key)."""
    frozen = sheet(session, wo)
    if frozen is None:
        return None
    return {"currency": frozen.currency, "total": frozen.total, "lines": frozen.lines}


def payment_of(session: Session, wo: WorkOrder) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.work_order_id == wo.id))


def update_price_list(session: Session, data: dict, user_id: int | None, now: datetime, currency: str) -> PriceList:
    """Set the price list (the whole of it: fees, labour, and the parts' prices, which replace the
    previous ones). A negative price is refused (the schema already says so; the domain holds too)."""
    problems: dict[str, list[str]] = {}
    for field in ("callout_fee", "labour_per_hour"):
        if data[field] < 0:
            problems[field] = ["must not be negative"]
    seen: set[str] = set()
    for index, part in enumerate(data.get("parts") or []):
        if part["unit_price"] < 0:
            problems[f"parts.{index}.unit_price"] = ["must not be negative"]
        if part["sku"] in seen:
            problems[f"parts.{index}.sku"] = ["appears twice"]
        seen.add(part["sku"])
    if problems:
        raise ValidationFailed(problems)
    prices = price_list(session)
    if prices is None:
        prices = PriceList(id=PRICE_LIST_ID)
        session.add(prices)
    prices.currency = currency  # prices are entered in the configured currency (CURRENCY)
    prices.callout_fee = data["callout_fee"]
    prices.labour_per_hour = data["labour_per_hour"]
    prices.labour_block_minutes = data.get("labour_block_minutes") or DEFAULT_BLOCK_MINUTES
    prices.charge_without_warranty = bool(data.get("charge_without_warranty", True))
    prices.updated_at = now
    prices.updated_by_id = user_id
    if "parts" in data:
        session.execute(delete(PriceListPart))
        session.flush()
        for part in data["parts"]:
            session.add(PriceListPart(sku=part["sku"], name=part["name"], unit_price=part["unit_price"]))
    session.flush()
    return prices


def list_parts(session: Session) -> list[PriceListPart]:
    return list(session.scalars(select(PriceListPart).order_by(PriceListPart.sku)))
