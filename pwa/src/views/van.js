// "My van": the parts in the technician's van, as the server's ledger counts them, downloaded while
// online and kept on the phone (IndexedDB settings), so the screen opens without signal. Parts logged
// on this phone that have not reached the server yet are shown beside the count they will change.
import { request } from "../api.js";
import { el } from "../dom.js";
import { clockTime, number, t } from "../i18n.js";
import { getSetting, putSetting } from "../store.js";

const VAN = "van"; // setting: {items, at} from GET /stock (the technician's own van)

/** Download the van's stock onto the phone; offline or on failure the previous copy stays. */
export async function refreshVan(db) {
  if (!navigator.onLine) return false;
  try {
    const answer = await request("GET", "/stock?per_page=200");
    await putSetting(db, VAN, { items: answer.items, at: new Date().toISOString() });
    return true;
  } catch {
    return false;
  }
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
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              [t("vanSku"), t("vanPart"), t("vanQty"), t("vanWaiting"), t("vanFlag")].map((c) =>
                el("th", { scope: "col" }, c),
              ),
            ),
          ),
          el("tbody", {}, rows),
        )
      : el("p", { class: "pad" }, copy ? t("vanEmpty") : t("vanNotYet")),
  );
}
