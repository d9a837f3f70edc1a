// An asset's history, opened from its QR label (scan, or the label's link /a/<token>). Every asset
// seen is kept on the phone (IndexedDB, store.js), so a machine scanned once opens without signal.
import { ApiError, request } from "../../shared/api.js";
import { el } from "../../shared/dom.js";
import { day, t } from "../i18n.js";
import { getAsset, putAsset } from "../store.js";

/** The token of a label's link (`https://.../a/<token>`), or null when the text is not one. */
export function labelToken(text) {
  const match = /(?:^|\/)a\/([A-Za-z0-9_.-]+)\/?$/.exec(String(text).trim());
  return match ? match[1] : null;
}

/** The server's copy when online (kept on the phone), else the phone's copy. */
async function load(db, token) {
  if (navigator.onLine) {
    try {
      const asset = await request("GET", `/assets/by-label/${encodeURIComponent(token)}`);
      await putAsset(db, token, { asset, at: new Date().toISOString() });
      return { asset, fresh: true };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { missing: true };
      // No answer: fall back to the phone's copy below.
    }
  }
  const copy = await getAsset(db, token);
  return copy ? { asset: copy.asset, at: copy.at, fresh: false } : { notCached: true };
}

function visit(wo) {
  return el(
    "li",
    { class: "card" },
    el("h3", {}, `${wo.number} · ${wo.title}`),
    el(
      "p",
      { class: "meta" },
      [t(`assetType_${wo.type}`), t(`status_${wo.status}`), day(wo.created_at)].join(" · "),
      wo.repeat_repair ? el("strong", { class: "flag" }, " " + t("repeatRepair", { count: wo.earlier_repairs })) : null,
    ),
    wo.resolution ? el("p", {}, wo.resolution) : null,
    wo.technician_name ? el("p", { class: "meta" }, t("assetTechnician", { name: wo.technician_name })) : null,
  );
}

function facts(asset) {
  const row = (key, value) => (value ? [el("dt", {}, t(key)), el("dd", {}, value)] : null);
  return el(
    "dl",
    { class: "facts" },
    row("assetCustomer", asset.customer.name),
    row("assetModel", asset.model),
    row("assetSerial", asset.serial),
    row("assetPlace", asset.place),
    row("assetWarranty", t(`assetWarranty_${asset.warranty_today}`)),
    row("assetWarrantyUntil", asset.warranty_until ? day(asset.warranty_until) : null),
    row("assetContractUntil", asset.contract_until ? day(asset.contract_until) : null),
    row("assetRepairsInWarranty", asset.repairs_in_warranty ? String(asset.repairs_in_warranty) : null),
  );
}

export async function assetView(ctx) {
  const result = await load(ctx.db, ctx.token);
  const back = el("p", {}, el("a", { href: "#/scan" }, t("scanAnother")));
  if (result.missing || result.notCached) {
    return el(
      "main",
      {},
      el("h2", {}, t("assetTitle")),
      el("p", { role: "alert" }, t(result.missing ? "assetNotOurs" : "assetNotCached")),
      back,
    );
  }
  const { asset } = result;
  const history = asset.work_orders ?? [];
  return el(
    "main",
    {},
    el("h2", {}, `${asset.model} · ${asset.serial}`),
    result.fresh ? null : el("p", { class: "banner", role: "status" }, t("assetOfflineCopy", { time: day(result.at) })),
    facts(asset),
    el("h3", { id: "asset-history" }, t("assetHistory")),
    history.length
      ? el("ul", { class: "cards", "aria-labelledby": "asset-history" }, history.map(visit))
      : el("p", {}, t("assetNoHistory")),
    back,
  );
}
