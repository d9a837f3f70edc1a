// "My van": the parts in the technician's van, as the server's ledger counts them, downloaded while
// online and kept on the phone (IndexedDB settings), so the screen opens without signal. Parts logged
// on this phone that have not reached the server yet are shown beside the count they will change.
// Asking a warehouse for parts (a requisition, 领料) needs signal: a dispatcher issues it.
import { ApiError, change, request } from "../../shared/api.js";
import { columnHeads, el, field } from "../../shared/dom.js";
import { clockTime, number, t } from "../i18n.js";
import { getSetting, putSetting } from "../store.js";

const VAN = "van"; // setting: {items, at, warehouses, parts, requisitions} (the technician's own van)

/** Download the van's stock, the warehouses, the catalogue and the technician's requisitions onto
 * the phone; offline or on failure the previous copy stays. */
export async function refreshVan(db) {
  if (!navigator.onLine) return false;
  try {
    const [stock, locations, parts, requisitions] = await Promise.all([
      request("GET", "/stock?per_page=200"),
      request("GET", "/stock/locations"),
      request("GET", "/parts?active=true&per_page=200"),
      request("GET", "/requisitions?per_page=20"),
    ]);
    await putSetting(db, VAN, {
      items: stock.items,
      at: new Date().toISOString(),
      warehouses: locations.items.filter((l) => l.kind === "warehouse"),
      parts: parts.items,
      requisitions: requisitions.items,
    });
    return true;
  } catch {
    return false;
  }
}

/** Ask a warehouse for parts: sent at once (it needs signal), listed below once the server has it. */
function requisitionForm(ctx, copy) {
  const warehouses = copy?.warehouses ?? [];
  const parts = copy?.parts ?? [];
  if (!warehouses.length || !parts.length) return null;
  const store = el(
    "select",
    { id: "van-warehouse" },
    warehouses.map((w) => el("option", { value: w.id }, w.name)),
  );
  const part = el(
    "select",
    { id: "van-part" },
    parts.map((p) => el("option", { value: p.sku }, `${p.sku} ${p.name}`)),
  );
  const qty = el("input", { id: "van-qty", type: "number", min: "0.001", step: "any", value: "1", required: true });
  const feedback = el("p", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    if (!navigator.onLine) {
      feedback.textContent = t("vanAskOffline");
      return;
    }
    try {
      const body = { warehouse_id: Number(store.value), lines: [{ sku: part.value, qty: Number(qty.value) }] };
      await change("POST", "/requisitions", body);
      await ctx.render();
    } catch (error) {
      const fields = error instanceof ApiError ? Object.values(error.fields).flat() : [];
      feedback.textContent = error instanceof ApiError ? [error.message, ...fields].join(" ") : t("offline");
    }
  };
  return el(
    "form",
    { class: "pad", "aria-label": t("vanAsk"), on: { submit } },
    el("h3", {}, t("vanAsk")),
    field("van-warehouse", t("vanWarehouse"), store),
    field("van-part", t("vanPart"), part),
    field("van-qty", t("vanAskQty"), qty),
    feedback,
    el("button", { type: "submit" }, t("vanAskSend")),
  );
}

function requisitionList(copy) {
  const requisitions = copy?.requisitions ?? [];
  if (!requisitions.length) return null;
  return el(
    "ul",
    { class: "pad", "aria-label": t("vanRequisitions") },
    requisitions.map((r) =>
      el(
        "li",
        {},
        `${r.lines.map((l) => `${l.part.sku} × ${number(l.qty)}`).join(", ")} · ${r.warehouse.name} · `,
        el("strong", {}, t(`vanStatus_${r.status}`)),
      ),
    ),
  );
}

/** Quantities per sku in part logs still waiting in the outbox. */
async function waitingUse(work) {
  const used = new Map();
  for (const entry of await work.outbox()) {
    if (entry.state !== "pending" || entry.body?.kind !== "part") continue;
    for (const part of entry.body.parts ?? []) used.set(part.sku, (used.get(part.sku) ?? 0) + Number(part.qty));
  }
  return used;
}

function row(item, waiting) {
  const flag = item.negative ? t("vanNegative") : item.low ? t("vanLow") : "";
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, item.part.sku),
    el("td", {}, item.part.name),
    el("td", { class: "num" }, number(item.qty)),
    el("td", { class: "num" }, waiting ? `−${number(waiting)}` : ""),
    el("td", {}, flag),
  );
}

export async function vanView(ctx) {
  await refreshVan(ctx.db);
  const [copy, waiting] = await Promise.all([getSetting(ctx.db, VAN), waitingUse(ctx.work)]);
  const items = copy?.items ?? [];
  const pendingOnly = [...waiting.keys()].filter((sku) => !items.some((i) => i.part.sku === sku));
  const rows = [
    ...items.map((item) => row(item, waiting.get(item.part.sku))),
    ...pendingOnly.map((sku) =>
      row({ part: { sku, name: "" }, qty: 0, low: false, negative: false }, waiting.get(sku)),
    ),
  ];
  return el(
    "section",
    {},
    el("h2", {}, t("myVan")),
    copy ? el("p", { class: "meta pad" }, t("updatedAt", { time: clockTime(copy.at) })) : null,
    rows.length
      ? el(
          "table",
          { "aria-label": t("vanStock") },
          columnHeads([t("vanSku"), t("vanPart"), t("vanQty"), t("vanWaiting"), t("vanFlag")]),
          el("tbody", {}, rows),
        )
      : el("p", { class: "pad" }, copy ? t("vanEmpty") : t("vanNotYet")),
    requisitionForm(ctx, copy),
    requisitionList(copy),
  );
}
