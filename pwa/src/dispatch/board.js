// The board: work orders by status with filters, SLA timers, overdue and escalated flags.
import { request } from "../api.js";
import { el, field } from "../dom.js";
import { CHANNELS, LABEL, PRIORITIES, STATUSES, select, slaTimer } from "./common.js";

const filters = { priority: "", channel: "", technician_id: "", overdue: false, q: "" };

function query() {
  const params = new URLSearchParams({ status: STATUSES.join(","), per_page: "200" });
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value === true ? "true" : value);
  return params;
}

function card(job) {
  return el(
    "li",
    { class: `card priority-${job.priority}`, "data-status": job.status },
    el("a", { href: `#/jobs/${job.id}` }, `${job.number} · ${job.title}`),
    el("p", { class: "meta" }, `${LABEL[job.priority]} · ${job.channel} · ${job.customer.name}`),
    el("p", { class: "meta" }, job.technician ? job.technician.name : "Unassigned"),
    slaTimer(job),
    job.overdue ? el("span", { class: "flag late" }, "Overdue") : null,
    job.escalated_at ? el("span", { class: "flag escalated" }, "Escalated") : null,
  );
}

function filterForm(ctx, technicians) {
  const priority = select("f-priority", PRIORITIES.map((p) => [p, LABEL[p]]), filters.priority, "Any");
  const channel = select("f-channel", CHANNELS.map((c) => [c, c]), filters.channel, "Any");
  const technician = select("f-technician", technicians.map((t) => [t.id, t.name]), filters.technician_id, "Anyone");
  const overdue = el("input", { id: "f-overdue", type: "checkbox", checked: filters.overdue });
  const text = el("input", { id: "f-q", type: "search", value: filters.q, placeholder: "Number, title, customer" });
  const apply = (event) => {
    event?.preventDefault();
    Object.assign(filters, { priority: priority.value, channel: channel.value, technician_id: technician.value, overdue: overdue.checked, q: text.value.trim() });
    ctx.render();
  };
  for (const input of [priority, channel, technician, overdue]) input.addEventListener("change", apply);
  return el(
    "form",
    { class: "filters", role: "search", on: { submit: apply } },
    field("f-priority", "Priority filter", priority),
    field("f-channel", "Channel filter", channel),
    field("f-technician", "Technician filter", technician),
    el("label", { class: "check" }, overdue, " Overdue only"),
    field("f-q", "Search", text),
    el("button", { type: "submit" }, "Filter"),
  );
}

export async function boardView(ctx) {
  const [page, technicians] = await Promise.all([request("GET", `/work-orders?${query()}`), ctx.technicians()]);
  const columns = STATUSES.map((status) => {
    const jobs = page.items.filter((job) => job.status === status);
    return el(
      "section",
      { class: "column", "aria-labelledby": `col-${status}` },
      el("h2", { id: `col-${status}` }, `${LABEL[status]} (${jobs.length})`),
      el("ul", { "aria-label": LABEL[status] }, jobs.map(card)),
    );
  });
  return el(
    "div",
    {},
    el("div", { class: "toolbar" }, el("a", { href: "#/new", class: "button", role: "button" }, "New work order"), el("a", { href: `/api/v1/work-orders/export.csv?${query()}`, class: "button secondary", download: "" }, "Export CSV")),
    filterForm(ctx, technicians),
    el("p", { class: "meta", role: "status" }, `${page.total} open work orders`),
    el("div", { class: "board" }, columns),
  );
}
