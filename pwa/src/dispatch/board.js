// The board: work orders by status with filters, SLA timers, overdue, at-risk, escalated and reopened flags.
// A text search looks through every job, closed and cancelled ones too, as an after-sales desk does
// when a customer calls back: its results are a list, not the board's open columns.
import { request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { CHANNELS, LABEL, PRIORITIES, STATUSES, select, slaTimer, technicianLabel, when } from "./common.js";
import { t } from "./i18n.js";
import { TYPE_LABEL, typeSelect } from "./kinds.js";

const filters = { type: "", priority: "", channel: "", technician_id: "", overdue: false, q: "" };
const EVERY_STATUS = [...STATUSES, "closed", "cancelled"];
const TEXT = {
  results: (n, q) => t("board.results", { count: n, q }),
  open: (n) => t("board.open", { count: n }),
  reopened: (reason) => (reason ? t("board.reopenedBecause", { reason }) : t("board.reopened")),
};
// The reason a reopened job came back, by "id:version" (read from its timeline once per change).
const reopenReasons = new Map();
const REOPEN_LOOKUPS = 30;

function query() {
  const params = new URLSearchParams({ status: (filters.q ? EVERY_STATUS : STATUSES).join(","), per_page: "200" });
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value === true ? "true" : value);
  return params;
}

/** Open jobs that came back (the customer disputed, or the dispatcher reopened): the latest reason. */
async function loadReopenReasons(jobs) {
  const key = (job) => `${job.id}:${job.version}`;
  const missing = jobs.filter((j) => j.reopen_count > 0 && !reopenReasons.has(key(j))).slice(0, REOPEN_LOOKUPS);
  await Promise.all(
    missing.map(async (job) => {
      const detail = await request("GET", `/work-orders/${job.id}`).catch(() => null);
      const reopen = detail?.events.filter((e) => e.action === "reopen").at(-1);
      reopenReasons.set(key(job), reopen?.details?.reason ?? null);
    }),
  );
  return (job) => (job.reopen_count > 0 ? TEXT.reopened(reopenReasons.get(key(job))) : null);
}

function card(job, roster, reopened, meta) {
  return el(
    "li",
    { class: `card priority-${job.priority}`, "data-status": job.status },
    el("a", { href: `#/jobs/${job.id}` }, `${job.number} · ${job.title}`),
    el(
      "p",
      { class: "meta" },
      `${TYPE_LABEL[job.type] ?? job.type} · ${LABEL[job.priority]} · ${LABEL[job.channel] ?? job.channel} · ${job.customer.name}`,
    ),
    el("p", { class: "meta" }, job.technician ? technicianLabel(job.technician, roster) : t("board.unassigned")),
    slaTimer(job, meta),
    job.overdue ? el("span", { class: "flag late" }, t("board.overdue")) : null,
    !job.overdue && job.at_risk ? el("span", { class: "flag at-risk" }, t("board.atRisk")) : null,
    job.escalated_at ? el("span", { class: "flag escalated" }, t("board.escalated")) : null,
    reopened(job) ? el("span", { class: "flag reopened" }, reopened(job)) : null,
  );
}

function results(page, roster) {
  const row = (job) =>
    el(
      "tr",
      { "data-status": job.status },
      el("th", { scope: "row" }, el("a", { href: `#/jobs/${job.id}` }, job.number)),
      el("td", {}, job.title),
      el(
        "td",
        {},
        el("a", { href: `#/customers/${job.customer.id}` }, job.customer.name),
        el("div", { class: "meta" }, job.customer.phone ?? ""),
      ),
      el("td", {}, job.address ?? t("none")),
      el("td", {}, LABEL[job.status] ?? job.status),
      el("td", {}, job.technician ? technicianLabel(job.technician, roster) : t("none")),
      el("td", {}, when(job.created_at)),
    );
  const names = ["number", "title", "customer", "address", "status", "technician", "created"];
  return el(
    "table",
    { "aria-label": t("board.searchResults") },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        names.map((h) => el("th", { scope: "col" }, t(`board.column.${h}`))),
      ),
    ),
    el("tbody", {}, page.items.map(row)),
  );
}

function filterForm(ctx, technicians) {
  const type = typeSelect("f-type", filters.type, t("board.any"));
  const priority = select(
    "f-priority",
    PRIORITIES.map((p) => [p, LABEL[p]]),
    filters.priority,
    t("board.any"),
  );
  const channel = select(
    "f-channel",
    CHANNELS.map((c) => [c, LABEL[c]]),
    filters.channel,
    t("board.any"),
  );
  const technicianOptions = technicians.map((tech) => [tech.id, technicianLabel(tech, technicians)]);
  const technician = select("f-technician", technicianOptions, filters.technician_id, t("board.anyone"));
  const overdue = el("input", { id: "f-overdue", type: "checkbox", checked: filters.overdue });
  const text = el("input", { id: "f-q", type: "search", value: filters.q, placeholder: "138 0013 8000, WO-000123" });
  const apply = (event, q = text.value.trim()) => {
    event?.preventDefault();
    const chosen = {
      type: type.value,
      priority: priority.value,
      channel: channel.value,
      technician_id: technician.value,
    };
    Object.assign(filters, chosen, { overdue: overdue.checked, q });
    ctx.render();
  };
  for (const input of [type, priority, channel, technician, overdue]) input.addEventListener("change", apply);
  return el(
    "form",
    { class: "filters", role: "search", on: { submit: apply } },
    field("f-type", t("board.typeFilter"), type),
    field("f-priority", t("board.priorityFilter"), priority),
    field("f-channel", t("board.channelFilter"), channel),
    field("f-technician", t("board.technicianFilter"), technician),
    el("label", { class: "check" }, overdue, ` ${t("board.overdueOnly")}`),
    field("f-q", t("board.search"), text),
    el("button", { type: "submit" }, t("board.filter")),
    filters.q
      ? el(
          "button",
          { type: "button", class: "secondary", on: { click: () => apply(null, "") } },
          t("board.clearSearch"),
        )
      : null,
  );
}

/** Open complaints and the follow-up calls waiting (due and overdue), read at each redraw of the
 * board (so live with it), each a link to its filtered list; nothing if they cannot be read. */
async function deskCounts() {
  const counts = await request("GET", "/board/counts").catch(() => null);
  if (!counts) return null;
  const { complaints_open: open, complaints_late: late, follow_ups_due: due, follow_ups_overdue: overdue } = counts;
  return el(
    "span",
    { class: "desk-counts" },
    el(
      "a",
      { href: "#/board?type=complaint", class: `complaint-count${late ? " late" : ""}` },
      t("board.complaints", { open, late }),
    ),
    el(
      "a",
      { href: overdue ? "#/follow-ups?status=overdue" : "#/follow-ups", class: "follow-up-count" },
      t("board.followUps", { due, overdue }),
    ),
  );
}

export async function boardView(ctx) {
  if (ctx.params?.has("type")) {
    // A link to the board filtered by a kind of case (the complaints count): the filter is set, and
    // the address goes back to the board's own, so the filter form can change it again.
    filters.type = ctx.params.get("type");
    history.replaceState(null, "", "#/board");
  }
  const [page, technicians, counts] = await Promise.all([
    request("GET", `/work-orders?${query()}`),
    ctx.technicians(),
    deskCounts(),
  ]);
  const reopened = filters.q ? () => null : await loadReopenReasons(page.items);
  const columns = STATUSES.map((status) => {
    const jobs = page.items.filter((job) => job.status === status);
    return el(
      "section",
      { class: "column", "aria-labelledby": `col-${status}` },
      el("h2", { id: `col-${status}` }, `${LABEL[status]} (${jobs.length})`),
      el(
        "ul",
        { "aria-label": LABEL[status] },
        jobs.map((job) => card(job, technicians, reopened, ctx.meta)),
      ),
    );
  });
  return el(
    "div",
    {},
    el(
      "div",
      { class: "toolbar" },
      el("a", { href: "#/new", class: "button", role: "button" }, t("nav.new")),
      el(
        "a",
        { href: `/api/v1/work-orders/export.csv?${query()}`, class: "button secondary", download: "" },
        t("board.exportCsv"),
      ),
      counts,
    ),
    filterForm(ctx, technicians),
    el("p", { class: "meta", role: "status" }, filters.q ? TEXT.results(page.total, filters.q) : TEXT.open(page.total)),
    filters.q ? results(page, technicians) : el("div", { class: "board" }, columns),
  );
}
