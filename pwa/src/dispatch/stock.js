// The stock screen (`#/stock`): balances per warehouse and van from the ledger, low and negative
// counts flagged, pending requisitions and returns to issue or receive, and one part's movements
// (`#/stock?part=ID`), newest first.
import { change, request } from "../shared/api.js";
import { columnHeads, el, field } from "../shared/dom.js";
import { select, showErrors, when } from "./common.js";
import { number, t } from "./i18n.js";

function qty(value, unit = "") {
  return `${number(value)}${unit && unit !== "pcs" ? ` ${unit}` : ""}`;
}

function flagWords(row) {
  return [row.negative ? t("stock.negative") : null, row.low && !row.negative ? t("stock.low") : null].filter(Boolean);
}

function table(label, columns, rows) {
  return el("table", { "aria-label": label }, columnHeads(columns), el("tbody", {}, rows));
}

function balanceRow(row) {
  const flags = flagWords(row);
  return el(
    "tr",
    { class: row.negative ? "negative" : row.low ? "low" : null },
    el("td", {}, row.location.name),
    el("td", {}, el("a", { href: `#/stock?part=${row.part.id}` }, row.part.sku)),
    el("td", {}, row.part.name, row.part.unlisted ? ` (${t("stock.unlisted")})` : ""),
    el("td", { class: "num" }, qty(row.qty, row.part.unit)),
    el("td", { class: "num" }, number(row.part.min_stock)),
    el("td", { class: "num" }, row.faulty_qty ? qty(row.faulty_qty, row.part.unit) : ""),
    el("td", {}, flags.length ? el("strong", {}, flags.join(", ")) : ""),
  );
}

function movementRow(m) {
  return el(
    "tr",
    {},
    el("td", {}, when(m.occurred_at)),
    el("td", {}, m.location.name),
    el("td", {}, t(`stock.kind.${m.kind}`)),
    el("td", { class: "num" }, `${m.qty > 0 ? "+" : ""}${qty(m.qty, m.part.unit)}`),
    el("td", { class: "num" }, number(m.balance_after)),
    el("td", {}, m.work_order_id ? el("a", { href: `#/jobs/${m.work_order_id}` }, `#${m.work_order_id}`) : ""),
    el("td", {}, m.reason ?? ""),
    el("td", {}, m.flags.map((f) => t(`stock.flag.${f}`)).join(", ")),
  );
}

/** Pending requisitions and returns, each with the button that moves its stock. */
function pendingList(ctx, requests) {
  if (!requests.length) return el("p", {}, t("stock.noPending"));
  return el(
    "ul",
    { "aria-label": t("stock.pending") },
    requests.map((r) => {
      const feedback = el("span", { class: "error", role: "alert" });
      const deed = r.kind === "requisition" ? "issue" : "receive";
      const path = r.kind === "requisition" ? "requisitions" : "returns";
      const lines = r.lines
        .map((l) => `${l.part.sku} × ${number(l.qty)}${l.faulty ? ` (${t("stock.oldPart")})` : ""}`)
        .join(", ");
      const act = async () => {
        try {
          await change("POST", `/${path}/${r.id}/${deed}`, {});
          await ctx.render();
        } catch (error) {
          showErrors(error, feedback);
        }
      };
      const what = t(`stock.request.${r.kind}`, { van: r.van.name, warehouse: r.warehouse.name });
      return el(
        "li",
        {},
        `${what}: ${lines} `,
        el("button", { type: "button", on: { click: act } }, t(`stock.deed.${deed}`, { id: r.id })),
        feedback,
      );
    }),
  );
}

// What the last booking did, said once by the redraw that follows it.
let bookedNotice = null;
// What is being typed into the booking forms, kept across redraws (live updates redraw the screen).
const drafts = new Map();

/** Keep the field's value in `drafts` as it changes, and put back a kept one. */
function kept(input) {
  if (drafts.has(input.id)) input.value = drafts.get(input.id);
  for (const type of ["input", "change"]) input.addEventListener(type, () => drafts.set(input.id, input.value));
  return input;
}

/** A form that books one movement (a receipt or an adjustment), then redraws the screen. */
function bookingForm(ctx, { id, title, locations, parts, signed, send }) {
  const where = kept(
    select(
      `${id}-location`,
      locations.map((l) => [l.id, l.name]),
    ),
  );
  const part = kept(
    select(
      `${id}-part`,
      parts.map((p) => [p.sku, `${p.sku} ${p.name}`]),
    ),
  );
  const qty = kept(
    el("input", {
      id: `${id}-qty`,
      type: "number",
      step: "any",
      required: true,
      ...(signed ? {} : { min: "0.001" }),
    }),
  );
  const reason = kept(el("input", { id: `${id}-reason`, maxlength: 2000, required: signed }));
  const feedback = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    try {
      const moved = await send({
        location_id: Number(where.value),
        sku: part.value,
        qty: Number(qty.value),
        reason: reason.value.trim() || null,
      });
      bookedNotice = t("stock.booked", { sku: moved.part.sku, qty: number(moved.qty), location: moved.location.name });
      for (const input of [where, part, qty, reason]) drafts.delete(input.id);
      await ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "form",
    { class: "row", "aria-label": title, on: { submit } },
    el(
      "fieldset",
      {},
      el("legend", {}, title),
      field(`${id}-location`, signed ? t("stock.adjustWhere") : t("stock.warehouse"), where),
      field(`${id}-part`, t("stock.part"), part),
      field(`${id}-qty`, signed ? t("stock.signedQty") : t("stock.qty"), qty),
      field(`${id}-reason`, signed ? t("stock.reason") : t("stock.receiptReason"), reason),
      feedback,
      el("button", { type: "submit" }, t("stock.book")),
    ),
  );
}

/** `#/stock?location=ID&low=1` balances; `#/stock?part=ID` one part's movements. */
export async function stockView(ctx) {
  const partId = ctx.params.get("part");
  if (partId && /^\d+$/.test(partId)) return partMovements(partId);
  const locationId = /^\d+$/.test(ctx.params.get("location") ?? "") ? ctx.params.get("location") : "";
  const lowOnly = ctx.params.get("low") === "1";
  const query = new URLSearchParams({ per_page: "200" });
  if (locationId) query.set("location_id", locationId);
  if (lowOnly) query.set("low", "true");
  const [locations, stock, requisitions, returns, catalogue] = await Promise.all([
    request("GET", "/stock/locations"),
    request("GET", `/stock?${query}`),
    request("GET", "/requisitions?status=requested&per_page=50"),
    request("GET", "/returns?status=requested&per_page=50"),
    request("GET", "/parts?active=true&per_page=200"),
  ]);
  const approved = await request("GET", "/requisitions?status=approved&per_page=50");
  const go = (location, low) => {
    const next = new URLSearchParams();
    if (location) next.set("location", location);
    if (low) next.set("low", "1");
    ctx.go(`#/stock${next.size ? `?${next}` : ""}`);
  };
  const where = select(
    "stock-location",
    locations.items.map((l) => [l.id, l.kind === "van" ? t("stock.van", { name: l.name }) : l.name]),
    locationId,
    t("stock.everywhere"),
  );
  const low = el("input", { id: "stock-low", type: "checkbox", checked: lowOnly });
  where.addEventListener("change", () => go(where.value, low.checked));
  low.addEventListener("change", () => go(where.value, low.checked));
  const flagged = stock.items.filter((r) => r.low || r.negative).length;
  const notice = bookedNotice;
  bookedNotice = null;
  const warehouses = locations.items.filter((l) => l.kind === "warehouse" && l.active);
  const forms = catalogue.items.length
    ? [
        warehouses.length
          ? bookingForm(ctx, {
              id: "receipt",
              title: t("stock.receive"),
              locations: warehouses,
              parts: catalogue.items,
              signed: false,
              send: ({ location_id, sku, qty, reason }) =>
                change("POST", "/stock/receipts", { location_id, lines: [{ sku, qty }], reason }).then(
                  (m) => m.items[0],
                ),
            })
          : null,
        bookingForm(ctx, {
          id: "adjust",
          title: t("stock.adjust"),
          locations: locations.items,
          parts: catalogue.items,
          signed: true,
          send: (body) => change("POST", "/stock/adjustments", body),
        }),
      ]
    : [];
  return el(
    "section",
    {},
    el("h2", {}, t("stock.title")),
    el(
      "div",
      { class: "row" },
      field("stock-location", t("stock.location"), where),
      el("div", { class: "field" }, low, el("label", { for: "stock-low" }, t("stock.lowOnly"))),
    ),
    el("p", { class: "meta", role: "status" }, notice ?? t("stock.count", { rows: stock.total, flagged })),
    stock.items.length
      ? table(
          t("stock.balances"),
          [
            t("stock.col.location"),
            t("stock.col.sku"),
            t("stock.col.part"),
            t("stock.col.qty"),
            t("stock.col.min"),
            t("stock.col.old"),
            t("stock.col.flags"),
          ],
          stock.items.map(balanceRow),
        )
      : el("p", {}, t("stock.none")),
    el("h3", {}, t("stock.pending")),
    pendingList(ctx, [...requisitions.items, ...approved.items, ...returns.items]),
    forms,
  );
}

async function partMovements(partId) {
  const [part, movements] = await Promise.all([
    request("GET", `/parts/${partId}`),
    request("GET", `/stock/movements?part_id=${partId}&per_page=200`),
  ]);
  return el(
    "section",
    {},
    el("h2", {}, t("stock.movementsOf", { sku: part.sku, name: part.name })),
    el("p", {}, el("a", { href: "#/stock" }, t("stock.back"))),
    movements.items.length
      ? table(
          t("stock.movements"),
          [
            t("stock.col.when"),
            t("stock.col.location"),
            t("stock.col.kind"),
            t("stock.col.qty"),
            t("stock.col.after"),
            t("stock.col.job"),
            t("stock.col.reason"),
            t("stock.col.flags"),
          ],
          movements.items.map(movementRow),
        )
      : el("p", {}, t("stock.noMovements")),
  );
}
