"""Equipment: the customer's machines, their service history, QR labels and the label's link."""

from __future__ import annotations

import base64
import io
from html import escape

import segno
from apiflask import APIBlueprint
from flask import Blueprint, Response, current_app, redirect, request
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..domain.assets import (
    asset_for_token,
    create_asset,
    earlier_repairs,
    history_query,
    label_path,
    label_token,
    local_day,
    update_asset,
    warranty_on,
)
from ..domain.errors import NotFound
from ..extensions import db
from ..models import Asset, Customer, MaintenancePlan, Technician, WorkOrder
from .common import contains, now, paginate
from .schemas.assets import AssetDetail, AssetIn, AssetOut, AssetPage, AssetPatch, AssetQuery
from .schemas.common import point
from .security import ANY_ROLE, STAFF, public, roles_required

bp = APIBlueprint("assets", __name__, url_prefix="/api/v1", tag="Equipment")
# The label's link: a page, not the API (the phone's camera app opens it in a browser).
link_bp = Blueprint("asset_links", __name__)
HISTORY_LIMIT = 200
QR_ERROR = "m"  # 15% of the code may be scratched or dirty and it still reads


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _base_url() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def asset_link(asset_id: int) -> str:
    """The absolute link a label holds."""
    return _base_url() + label_path(asset_id, _secret())


def asset_dict(asset: Asset) -> dict:
    customer = asset.customer
    return {
        "id": asset.id,
        "customer": {"id": customer.id, "name": customer.name, "phone": customer.phone},
        "model": asset.model,
        "serial": asset.serial,
        "installed_at": asset.installed_at,
        "purchased_at": asset.purchased_at,
        "warranty_until": asset.warranty_until,
        "contract_until": asset.contract_until,
        "location": point(asset.lat, asset.lon),
        "place": asset.place,
        "notes": asset.notes,
        "warranty_today": warranty_on(asset, local_day(now(), current_app.config["TIMEZONE"])),
        "label_url": f"/api/v1/assets/{asset.id}/label.png",
        "link": asset_link(asset.id),
        "created_at": asset.created_at,
        "updated_at": asset.updated_at,
    }


def visit_dict(wo: WorkOrder) -> dict:
    return {
        "id": wo.id,
        "number": wo.number,
        "title": wo.title,
        "type": wo.type,
        "status": wo.status,
        "warranty": wo.warranty,
        "repeat_repair": wo.repeat_repair,
        "earlier_repairs": wo.earlier_repairs,
        "created_at": wo.created_at,
        "completed_at": wo.completed_at,
        "resolution": wo.resolution,
        "technician_name": wo.technician.user.name if wo.technician else None,
    }


def asset_detail(asset: Asset) -> dict:
    history = db.session.scalars(
        history_query(asset.id)
        .options(selectinload(WorkOrder.technician).selectinload(Technician.user))
        .limit(HISTORY_LIMIT)
    ).all()
    plans = db.session.scalars(
        select(MaintenancePlan).where(MaintenancePlan.asset_id == asset.id).order_by(MaintenancePlan.id)
    ).all()
    return asset_dict(asset) | {
        "work_orders": [visit_dict(wo) for wo in history],
        "repairs_in_warranty": earlier_repairs(db.session, asset.id, now()),
        "maintenance_plans": [
            {"id": p.id, "title": p.title, "rrule": p.rrule, "active": p.active, "next_occurs_on": p.next_occurs_on}
            for p in plans
        ],
    }


def _asset(asset_id: int, lock: bool = False) -> Asset:
    query = select(Asset).where(Asset.id == asset_id).options(joinedload(Asset.customer))
    asset = db.session.scalar(query.with_for_update(of=Asset) if lock else query)
    if asset is None:
        raise NotFound(f"Asset {asset_id} not found.")
    return asset


@bp.post("/customers/<int:customer_id>/assets")
@roles_required(*STAFF)
@bp.input(AssetIn)
@bp.output(AssetOut, status_code=201)
@bp.doc(responses={409: "This model already has an asset with this serial"})
def create(customer_id, json_data):
    """Register one of the customer's machines. A serial is unique per model (409 otherwise)."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} not found.")
    return asset_dict(create_asset(db.session, customer, json_data, now()))


@bp.get("/assets")
@roles_required(*STAFF)
@bp.input(AssetQuery, location="query")
@bp.output(AssetPage)
def list_assets(query_data):
    """Assets by customer, model and serial. `serial` finds one by its serial exactly (case aside),
    as the intake desk does; `q` searches model, serial and the customer's name."""
    query = select(Asset).join(Customer, Customer.id == Asset.customer_id).options(joinedload(Asset.customer))
    if query_data.get("serial"):
        query = query.where(func.lower(Asset.serial) == query_data["serial"].strip().lower())
    if query_data.get("customer_id") is not None:
        query = query.where(Asset.customer_id == query_data["customer_id"])
    if query_data.get("q"):
        pattern = contains(query_data["q"].strip())
        columns = (Asset.model, Asset.serial, Customer.name)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in columns)))
    query = query.order_by(func.lower(Customer.name), Asset.model, Asset.serial, Asset.id)
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [asset_dict(a) for a in page["items"]]
    return page


@bp.get("/assets/<int:asset_id>")
@roles_required(*ANY_ROLE)
@bp.output(AssetDetail)
def get(asset_id):
    """The asset with its service history (its work orders, newest first, at most 200) and its
    maintenance plans. Technicians see it too: a technician at the machine needs its history."""
    return asset_detail(_asset(asset_id))


@bp.get("/assets/by-label/<string:token>")
@roles_required(*ANY_ROLE)
@bp.output(AssetDetail)
def by_label(token):
    """The asset a scanned label names (the token of its `/a/<token>` link), with its history; an
    altered label or another company's: 404."""
    return asset_detail(asset_for_token(db.session, token, _secret()))


@bp.patch("/assets/<int:asset_id>")
@roles_required(*STAFF)
@bp.input(AssetPatch)
@bp.output(AssetOut)
@bp.doc(responses={409: "This model already has an asset with this serial"})
def update(asset_id, json_data):
    """Change an asset's details. Work orders already taken in keep the warranty they recorded."""
    return asset_dict(update_asset(db.session, _asset(asset_id, lock=True), json_data, now()))


def qr_png(link: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error=QR_ERROR, micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


@bp.get("/assets/<int:asset_id>/label.png")
@roles_required(*STAFF)
@bp.output({}, content_type="image/png", description="a QR code of the asset's link")
def label(asset_id):
    """The asset's QR label: its link (`/a/<token>`, signed, never expiring) as a QR code to print
    on a sticker. Scanned by the technician app it opens the asset's history; by anyone else, the
    portal's request form for the asset."""
    _asset(asset_id)
    response = Response(qr_png(asset_link(asset_id)), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


SHEET = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4; margin: 10mm; }}
body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 0; }}
h1 {{ font-size: 14pt; margin: 0 0 4mm; }}
.sheet {{ display: grid; grid-template-columns: repeat(3, 60mm); gap: 4mm; }}
.label {{ border: 1px dashed #999; padding: 2mm; display: flex; gap: 2mm; align-items: center;
  height: 36mm; break-inside: avoid; page-break-inside: avoid; }}
.label img {{ width: 30mm; height: 30mm; }}
.label p {{ margin: 0; font-size: 8pt; line-height: 1.3; overflow-wrap: anywhere; }}
.label strong {{ font-size: 9pt; }}
@media print {{ h1, .hint {{ display: none; }} .label {{ border-color: #ddd; }} }}
</style></head>
<body><main>
<h1>{title}</h1>
<p class="hint">Print on A4 label paper (3 columns). 用 A4 标签纸打印, 每行 3 个.</p>
<section class="sheet" aria-label="Labels">
{labels}
</section></main></body></html>
"""
LABEL = """<figure class="label"><img src="data:image/png;base64,{png}" alt="QR code for {model} {serial}">
<figcaption><p><strong>扫码报修 Scan for service</strong></p>
<p>{model}</p><p>S/N {serial}</p><p>{customer}</p></figcaption>
</figure>"""


@bp.get("/customers/<int:customer_id>/labels")
@roles_required(*STAFF)
@bp.output({}, content_type="text/html", description="a printable page of QR labels (A4, 3 columns)")
def label_sheet(customer_id):
    """A printable sheet of QR labels for all the customer's assets, each with model, serial and
    the customer's name (print it from the browser)."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} not found.")
    assets = db.session.scalars(
        select(Asset).where(Asset.customer_id == customer_id).order_by(Asset.model, Asset.serial, Asset.id)
    ).all()
    labels = "\n".join(
        LABEL.format(
            png=base64.b64encode(qr_png(asset_link(a.id), scale=4)).decode(),
            model=escape(a.model),
            serial=escape(a.serial),
            customer=escape(customer.name),
        )
        for a in assets
    )
    title = f"{customer.name}: asset labels 设备标签"
    return Response(SHEET.format(title=escape(title), labels=labels), mimetype="text/html")


# ---- the label's link: /a/<token> ------------------------------------------------------------

PLAIN = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>报修 Request service</title></head>
<body><main>
<h1>报修 Request service</h1>
<p>{model} · S/N {serial}</p>
<p>请致电我们的服务热线报修, 并告知上面的型号和序列号.{phone_zh}</p>
<p>To ask for service on this machine, call us and give the model and serial number above. {phone_en}</p>
</main></body></html>
"""


def _has_portal() -> bool:
    return any(rule.rule == "/portal" for rule in current_app.url_map.iter_rules())


@link_bp.get("/a/<string:token>")
@public
def label_link(token):
    """Where a scanned label leads: staff signed in to the technician app see the asset's history
    there (the app's shell, which reads the token from the path, offline too); a dispatcher, the
    console's asset page; anyone else the portal's request form for this asset, or a plain page
    saying how to ask for service when there is no portal. An altered label: 404."""
    asset = asset_for_token(db.session, token, _secret())
    if current_user.is_authenticated and current_user.role == "technician":
        from .pages import _page

        return _page("technician")
    if current_user.is_authenticated:
        return redirect(f"/dispatch#/assets/{asset.id}")
    if _has_portal():
        return redirect(f"/portal?asset={label_token(asset.id, _secret())}")
    phone = current_app.config.get("COMPANY_PHONE") or ""
    body = PLAIN.format(
        model=escape(asset.model),
        serial=escape(asset.serial),
        phone_zh=escape(f"电话: {phone}") if phone else "",
        phone_en=escape(f"Phone: {phone}") if phone else "",
    )
    return Response(body, mimetype="text/html")
