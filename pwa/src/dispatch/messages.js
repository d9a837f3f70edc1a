// Customer messages in the console: every message of the outbox with its delivery state (queued,
// in flight, sent, failed), newest first, by status or for one job (`#/messages?work_order_id=12`).
import { request } from "../shared/api.js";
import { columnHeads, el } from "../shared/dom.js";
import { MESSAGE_CHANNEL, MESSAGE_TEMPLATE, when } from "./common.js";
import { labels, t } from "./i18n.js";

const STATUSES = ["queued", "sending", "sent", "failed"];
const STATUS_LABEL = labels("messages.status.", STATUSES);
const COLUMNS = ["created", "job", "to", "message", "status", "delivery"];

function delivery(message) {
  if (message.status === "sent")
    return t("messages.sentVia", { at: when(message.sent_at), provider: message.provider });
  if (message.status === "failed")
    return t("messages.gaveUp", { attempts: message.attempts, error: message.last_error });
  if (message.status === "sending") return t("messages.inFlight", { attempts: message.attempts });
  return message.attempts
    ? t("messages.retry", { at: when(message.next_attempt_at), attempts: message.attempts, error: message.last_error })
    : t("messages.waiting");
}

function row(message) {
  const job = message.work_order_id
    ? el("a", { href: `#/jobs/${message.work_order_id}` }, message.number)
    : t("messages.noJob");
  return el(
    "tr",
    { class: message.status === "failed" ? "overdue" : null },
    el("td", {}, el("time", { datetime: message.created_at }, when(message.created_at))),
    el("td", {}, job),
    el("td", {}, `${message.recipient} (${MESSAGE_CHANNEL[message.channel] ?? message.channel})`),
    el(
      "td",
      {},
      el("strong", {}, MESSAGE_TEMPLATE[message.template] ?? message.template),
      el("span", { class: "meta", lang: message.language }, ` ${message.body}`),
    ),
    el("td", {}, STATUS_LABEL[message.status] ?? message.status),
    el("td", {}, delivery(message)),
  );
}

/** The messages: one tab per status, and all; `work_order_id` narrows them to one job. */
export async function messagesView(ctx) {
  const status = STATUSES.includes(ctx.params.get("status")) ? ctx.params.get("status") : "";
  const job = Number(ctx.params.get("work_order_id")) || null;
  const customer = Number(ctx.params.get("customer_id")) || null;
  const query = new URLSearchParams({ per_page: "200" });
  if (status) query.set("status", status);
  if (job) query.set("work_order_id", String(job));
  if (customer) query.set("customer_id", String(customer));
  const page = await request("GET", `/messages?${query}`);
  const link = (s) => {
    const params = new URLSearchParams();
    if (s) params.set("status", s);
    if (job) params.set("work_order_id", String(job));
    if (customer) params.set("customer_id", String(customer));
    return `#/messages${params.size ? `?${params}` : ""}`;
  };
  const tabs = el(
    "nav",
    { "aria-label": t("messages.filter"), class: "tabs" },
    ["", ...STATUSES].map((s) =>
      el("a", { href: link(s), "aria-current": s === status ? "page" : null }, s ? STATUS_LABEL[s] : t("messages.all")),
    ),
  );
  const table = page.items.length
    ? el(
        "table",
        { "aria-label": t("messages.title") },
        columnHeads(COLUMNS.map((c) => t(`messages.column.${c}`))),
        el("tbody", {}, page.items.map(row)),
      )
    : el("p", {}, t("messages.none"));
  const count = el("p", { class: "meta", role: "status" }, t("messages.count", { count: page.total }));
  const number = `WO-${String(job).padStart(6, "0")}`;
  const heading = job ? t("messages.titleForJob", { number }) : t("messages.title");
  return el("section", {}, el("h2", {}, heading), tabs, count, table);
}
