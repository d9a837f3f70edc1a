// A job's charges as a table: call-out, labour, parts, the total. Shared by the technician app (shown
// to the customer before sign-off) and the customer's confirmation page, each with its own words.
// Money comes in integer minor units (fen for CNY) with its currency.
import { el } from "./dom.js";

/** An amount of minor units in the language's way ("¥241.00", "CN¥241.00"). */
export function money(amount, currency, language) {
  try {
    return new Intl.NumberFormat(language, { style: "currency", currency }).format(amount / 100);
  } catch {
    return `${currency} ${(amount / 100).toFixed(2)}`; // an unknown currency code
  }
}

/**
 * The charges table. `words(key, values)` gives the caller's strings for: chargeCallout,
 * chargeLabour ({minutes}), chargePart ({name}, {sku}, {qty}), chargeItem, chargeAmount, chargeTotal.
 */
export function chargesTable(charges, words, language, caption) {
  const amount = (value) => money(value, charges.currency, language);
  const name = (line) => {
    if (line.kind === "callout") return words("chargeCallout");
    if (line.kind === "labour") return words("chargeLabour", { minutes: line.quantity });
    return words("chargePart", { name: line.description, sku: line.sku, qty: line.quantity });
  };
  return el(
    "table",
    { class: "charges" },
    el("caption", {}, caption),
    el(
      "thead",
      {},
      el("tr", {}, el("th", { scope: "col" }, words("chargeItem")), el("th", { scope: "col" }, words("chargeAmount"))),
    ),
    el(
      "tbody",
      {},
      charges.lines.map((line) =>
        el("tr", {}, el("td", {}, name(line)), el("td", { class: "num" }, amount(line.amount))),
      ),
    ),
    el(
      "tfoot",
      {},
      el("tr", {}, el("th", { scope: "row" }, words("chargeTotal")), el("td", { class: "num" }, amount(charges.total))),
    ),
  );
}
