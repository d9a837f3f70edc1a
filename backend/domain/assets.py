"""Equipment (设备档案): the customer's machines, who pays for a job on one (warranty), the 三包
repeat flag, and the signed link printed on the machine's QR label.

Who pays is decided once, when the work order is taken in, from the asset's dates as they stand
then and the day of intake in the company's time zone: `in_warranty` (the maker's warranty, 保内),
`under_contract` (an extended-warranty contract, 延保), `out_of_warranty` (保外: dates known, all
passed), `unknown` (no asset, or an asset without dates). The work order keeps it when the asset's
dates change later: it decided who pays.

The 三包 repeat flag: China's 三包 rules entitle the customer to an exchange or a refund when a
product still fails after two repairs within its warranty period. A repair of an asset taken in
while it is in warranty is flagged `repeat_repair` when the asset has earlier in-warranty repairs
that were completed (at least once), and `earlier_repairs` counts them (2 or more: the customer
may ask for an exchange). The window is the warranty period itself, not a fixed number of days:
see docs/decisions.md.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..models import Asset, Customer, Event, WorkOrder
from .errors import Conflict, NotFound, ValidationFailed

DEFAULT_TIMEZONE = "Asia/Shanghai"  # the app passes its TIMEZONE setting
LABEL_SALT = "onsite.asset-label"
COMPLETIONS = ("complete", "resolve_remotely")
FIELDS = (
    "model",
    "serial",
    "installed_at",
    "purchased_at",
    "warranty_until",
    "contract_until",
    "place",
    "notes",
)


def local_day(now: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The calendar day `now` falls on in the company's time zone (warranty dates are such days)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def warranty_on(asset: Asset | None, day: date) -> str:
    """Who pays for work on `asset` on `day`: the maker's warranty first, then a contract; the last
    day of each is included."""
    if asset is None or (asset.warranty_until is None and asset.contract_until is None):
        return "unknown"
    if asset.warranty_until is not None and day <= asset.warranty_until:
        return "in_warranty"
    if asset.contract_until is not None and day <= asset.contract_until:
        return "under_contract"
    return "out_of_warranty"


def _clean(data: dict) -> dict:
    values = {name: data[name] for name in FIELDS if name in data}
    for name in ("model", "serial"):
        if name in values:
            values[name] = values[name].strip()
            if not values[name]:
                raise ValidationFailed({name: ["must not be blank"]})
    for name in ("place", "notes"):
        if name in values:
            values[name] = (values[name] or "").strip() or None
    if "location" in data:
        location = data["location"]
        values["lat"] = location["lat"] if location else None
        values["lon"] = location["lon"] if location else None
    return values


def _check_dates(asset: Asset) -> None:
    problems = {}
    start = asset.purchased_at or asset.installed_at
    for name in ("warranty_until", "contract_until"):
        end = getattr(asset, name)
        if start is not None and end is not None and end < start:
            problems[name] = ["must not be earlier than the purchase (or installation) date"]
    if problems:
        raise ValidationFailed(problems)


def _check_unique(session: Session, model: str, serial: str, asset_id: int | None = None) -> None:
    """A serial is unique per model (compared without regard to case); the database's UNIQUE
    (model, serial) catches a race between two requests."""
    query = select(Asset.id, Asset.customer_id).where(
        func.lower(Asset.model) == model.lower(), func.lower(Asset.serial) == serial.lower()
    )
    if asset_id is not None:
        query = query.where(Asset.id != asset_id)
    clash = session.execute(query).first()
    if clash is not None:
        raise Conflict(f"Serial {serial} of model {model} is already registered (asset {clash.id}).")


def create_asset(session: Session, customer: Customer, data: dict, now: datetime) -> Asset:
    """Register a customer's machine; its serial must be new for its model (409)."""
    values = _clean(data)
    _check_unique(session, values["model"], values["serial"])
    asset = Asset(customer_id=customer.id, created_at=now, updated_at=now, **values)
    asset.customer = customer
    _check_dates(asset)
    session.add(asset)
    session.flush()
    return asset


def update_asset(session: Session, asset: Asset, changes: dict, now: datetime) -> Asset:
    """Change an asset's details. Jobs already taken in keep the warranty they were given."""
    values = _clean(changes)
    if "model" in values or "serial" in values:
        _check_unique(session, values.get("model", asset.model), values.get("serial", asset.serial), asset.id)
    for name, value in values.items():
        setattr(asset, name, value)
    _check_dates(asset)
    asset.updated_at = now
    session.flush()
    return asset


def earlier_repairs(session: Session, asset_id: int, before: datetime) -> int:
    """The asset's in-warranty repairs taken in before `before` and completed at least once
    (on site or remotely), cancelled ones left out."""
    completed = exists().where(Event.work_order_id == WorkOrder.id, Event.action.in_(COMPLETIONS))
    return session.scalar(
        select(func.count())
        .select_from(WorkOrder)
        .where(
            WorkOrder.asset_id == asset_id,
            WorkOrder.type == "repair",
            WorkOrder.warranty == "in_warranty",
            WorkOrder.status != "cancelled",
            WorkOrder.created_at <= before,
            completed,
        )
    )


def equipment_at_intake(
    session: Session, customer: Customer, asset_id: int | None, kind: str, now: datetime, timezone: str
) -> dict:
    """The work order's equipment columns at intake: its asset (which must be the customer's: 422),
    who pays (`warranty`) and the 三包 repeat flag."""
    if asset_id is None:
        return {"asset_id": None, "warranty": "unknown", "repeat_repair": False, "earlier_repairs": 0}
    asset = session.get(Asset, asset_id)
    if asset is None or asset.customer_id != customer.id:
        raise ValidationFailed({"asset_id": ["no asset with this id belongs to this customer"]})
    warranty = warranty_on(asset, local_day(now, timezone))
    count = earlier_repairs(session, asset.id, now) if kind == "repair" and warranty == "in_warranty" else 0
    return {"asset_id": asset.id, "warranty": warranty, "repeat_repair": count > 0, "earlier_repairs": count}


def history_query(asset_id: int):
    """The asset's work orders, newest first."""
    return (
        select(WorkOrder)
        .where(WorkOrder.asset_id == asset_id)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
    )


# ---- the label's link --------------------------------------------------------------------------


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=LABEL_SALT)


def label_token(asset_id: int, secret_key: str) -> str:
    """The token printed on the asset's label (the same every time: a sticker does not expire)."""
    return _serializer(secret_key).dumps({"a": asset_id})


def label_path(asset_id: int, secret_key: str) -> str:
    return f"/a/{label_token(asset_id, secret_key)}"


def asset_for_token(session: Session, token: str, secret_key: str) -> Asset:
    """The asset a label's token names; an altered token, another server's, or a removed asset: 404."""
    try:
        asset_id = int(_serializer(secret_key).loads(token)["a"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound("This label is not one of ours.") from None
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFound("This label is not one of ours.")
    return asset
