// The price list in the console (#/prices): call-out fee, labour per hour and its billing block,
// whether jobs without a warranty decision are charged, and the parts' prices by SKU. Admins change
// it; dispatchers read it. Amounts are typed in the currency's units (123.45) and sent as minor units.
import { ApiError, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { money } from "../shared/charges.js";
import { showErrors } from "./common.js";
import { clockTime, currentLanguage, t } from "./i18n.js";

/** "123.45" → 12345; null when it is not an amount with at most two decimals. */
export function minorUnits(text) {
  const value = String(text).trim().replace(",", ".");
  if (!/^-?\d+(\.\d{0,2})?$/.test(value)) return null;
  const [whole, fraction = ""] = value.replace("-", "").split(".");
  const amount = Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  return value.startsWith("-") ? -amount : amount;
}

const units = (amount) => (amount / 100).toFixed(2);

function amountInput(id, amount, readOnly, label) {
  return el("input", {
    id,
    inputmode: "decimal",
    value: units(amount),
    readonly: readOnly,
    required: true,
    "aria-label": label ?? null,
  });
}

function partRow(part, index, readOnly, remove) {
  const id = (name) => `part-${index}-${name}`;
  return el(
    "tr",
    { class: "part-row" },
    el("td", {}, el("input", { id: id("sku"), value: part.sku, readonly: readOnly, "aria-label": t("prices.sku") })),
    el(
      "td",
      {},
      el("input", { id: id("name"), value: part.name, readonly: readOnly, "aria-label": t("prices.partName") }),
    ),
    el("td", {}, amountInput(id("price"), part.unit_price, readOnly, t("prices.unitPrice"))),
    readOnly
      ? null
      : el(
          "td",
          {},
          el(
            "button",
            {
              type: "button",
              class: "secondary",
              on: { click: remove },
              "aria-label": t("prices.removePart", { sku: part.sku || index + 1 }),
            },
            t("prices.remove"),
          ),
        ),
  );
}

export async function pricesView(ctx) {
  const prices = await request("GET", "/price-list");
  const readOnly = ctx.user.role !== "admin";
  const currency = prices.currency;
  const callout = amountInput("callout-fee", prices.callout_fee, readOnly);
  const labour = amountInput("labour-per-hour", prices.labour_per_hour, readOnly);
  const block = el("input", {
    id: "labour-block",
    type: "number",
    min: 1,
    max: 60,
    value: prices.labour_block_minutes,
    readonly: readOnly,
  });
  const without = el("input", {
    id: "charge-without-warranty",
    type: "checkbox",
    checked: prices.charge_without_warranty,
    disabled: readOnly,
  });
  let parts = prices.parts.map((p) => ({ ...p }));
  const body = el("tbody");
  const status = el("p", { role: "status" });
  const errors = el("div", { class: "error", role: "alert" });

  const readRows = () =>
    [...body.querySelectorAll("tr.part-row")].map((row) => {
      const [sku, name, price] = row.querySelectorAll("input");
      return { sku: sku.value.trim(), name: name.value.trim(), unit_price: minorUnits(price.value) ?? price.value };
    });
  const drawRows = () =>
    body.replaceChildren(
      ...parts.map((part, index) =>
        partRow(part, index, readOnly, () => {
          parts = readRows();
          parts.splice(index, 1);
          drawRows();
        }),
      ),
    );
  drawRows();

  const submit = async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    status.textContent = "";
    const amount = (input) => minorUnits(input.value) ?? input.value;
    const payload = {
      callout_fee: amount(callout),
      labour_per_hour: amount(labour),
      labour_block_minutes: Number(block.value),
      charge_without_warranty: without.checked,
      parts: readRows(),
    };
    try {
      await request("PUT", "/price-list", payload);
      status.textContent = t("prices.saved");
    } catch (error) {
      if (error instanceof ApiError) return showErrors(error, errors);
      errors.textContent = t("error.nothingSaved");
    }
  };
  const addPart = () => {
    parts = [...readRows(), { sku: "", name: "", unit_price: 0 }];
    drawRows();
    body.querySelector(`#part-${parts.length - 1}-sku`)?.focus();
  };

  return el(
    "form",
    { class: "prices", on: { submit }, "aria-labelledby": "prices-title" },
    el("h2", { id: "prices-title" }, t("prices.title")),
    el(
      "p",
      { class: "meta" },
      prices.configured
        ? t("prices.updated", { time: clockTime(prices.updated_at), currency })
        : t("prices.notConfigured", { currency }),
    ),
    readOnly ? el("p", { class: "meta" }, t("prices.readOnly")) : null,
    field("callout-fee", t("prices.callout", { currency }), callout),
    field("labour-per-hour", t("prices.labour", { currency }), labour),
    field("labour-block", t("prices.block"), block),
    el(
      "div",
      { class: "field" },
      without,
      " ",
      el("label", { for: "charge-without-warranty" }, t("prices.withoutWarranty")),
    ),
    el(
      "table",
      { class: "parts-prices" },
      el("caption", {}, t("prices.parts", { currency })),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, t("prices.sku")),
          el("th", { scope: "col" }, t("prices.partName")),
          el("th", { scope: "col" }, t("prices.unitPrice")),
          readOnly ? null : el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, t("prices.remove"))),
        ),
      ),
      body,
    ),
    readOnly
      ? null
      : el(
          "div",
          { class: "row" },
          el("button", { type: "button", class: "secondary", on: { click: addPart } }, t("prices.addPart")),
          el("button", { type: "submit" }, t("prices.save")),
        ),
    el("p", { class: "meta" }, t("prices.example", { amount: money(12345, currency, currentLanguage()) })),
    errors,
    status,
  );
}
