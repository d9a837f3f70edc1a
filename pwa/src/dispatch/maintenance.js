// Preventive maintenance (保养) in the console: every plan with its next occurrence, paused or
// resumed in place, and a plan's page with the occurrences made into work orders.
import { change, request } from "../shared/api.js";
import { columnHeads, el } from "../shared/dom.js";
import { LABEL, showErrors, when } from "./common.js";
import { t } from "./i18n.js";

const header = (keys) => columnHeads(keys.map((key) => t(key)));

function toggle(ctx, plan, feedback) {
  const label = plan.active ? t("maintenance.pause") : t("maintenance.resume");
  const click = async () => {
    try {
      await change("PATCH", `/maintenance-plans/${plan.id}`, { active: !plan.active });
      ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el("button", { type: "button", "aria-label": `${label}: ${plan.title}`, on: { click } }, label);
}

function planRow(ctx, plan, feedback) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, el("a", { href: `#/maintenance/${plan.id}` }, plan.title)),
    el("td", {}, el("a", { href: `#/assets/${plan.asset.id}` }, `${plan.asset.model} · ${plan.asset.serial}`)),
    el("td", {}, plan.asset.customer_name),
    el("td", {}, plan.rrule),
    el("td", {}, plan.active ? (plan.next_occurs_on ?? t("none")) : t("maintenance.paused")),
    el("td", {}, toggle(ctx, plan, feedback)),
  );
}

export async function maintenanceView(ctx) {
  const page = await request("GET", "/maintenance-plans?per_page=200");
  const feedback = el("div", { class: "error", role: "alert" });
  return el(
    "div",
    {},
    el("h2", {}, t("nav.maintenance")),
    el("p", { class: "meta" }, t("maintenance.intro")),
    feedback,
    page.items.length
      ? el(
          "table",
          { "aria-label": t("maintenance.title") },
          header([
            "maintenance.field.title",
            "maintenance.column.asset",
            "customers.column.customer",
            "maintenance.field.rrule",
            "maintenance.column.next",
            "maintenance.column.action",
          ]),
          el(
            "tbody",
            {},
            page.items.map((plan) => planRow(ctx, plan, feedback)),
          ),
        )
      : el("p", {}, t("maintenance.noneAtAll")),
  );
}

function occurrenceRow(occurrence) {
  const job = occurrence.work_order;
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, occurrence.occurs_on),
    el("td", {}, job ? el("a", { href: `#/jobs/${job.id}` }, job.number) : t("none")),
    el("td", {}, job ? (LABEL[job.status] ?? job.status) : ""),
    el("td", {}, job?.technician?.name ?? t("none")),
    el("td", {}, when(occurrence.created_at)),
  );
}

export async function maintenancePlanView(ctx) {
  const plan = await request("GET", `/maintenance-plans/${ctx.id}`);
  const feedback = el("div", { class: "error", role: "alert" });
  return el(
    "article",
    { class: "job" },
    el("p", {}, el("a", { href: "#/maintenance" }, `← ${t("nav.maintenance")}`)),
    el("h2", {}, plan.title),
    el(
      "p",
      {},
      el("a", { href: `#/assets/${plan.asset.id}` }, `${plan.asset.model} · ${plan.asset.serial}`),
      ` · ${plan.asset.customer_name}`,
    ),
    el("p", {}, t("maintenance.summary", { rrule: plan.rrule, starts: plan.starts_on, lead: plan.lead_days })),
    el("p", { role: "status" }, plan.active ? t("maintenance.activeNow") : t("maintenance.paused")),
    toggle(ctx, plan, feedback),
    feedback,
    el("h3", { id: "plan-upcoming" }, t("maintenance.upcoming")),
    plan.upcoming.length
      ? el(
          "ul",
          { "aria-labelledby": "plan-upcoming" },
          plan.upcoming.map((day) => el("li", {}, day)),
        )
      : el("p", {}, t("none")),
    el("h3", { id: "plan-occurrences" }, t("maintenance.occurrences")),
    plan.occurrences.length
      ? el(
          "table",
          { "aria-labelledby": "plan-occurrences" },
          header([
            "maintenance.column.day",
            "board.column.number",
            "board.column.status",
            "board.column.technician",
            "maintenance.column.made",
          ]),
          el("tbody", {}, plan.occurrences.map(occurrenceRow)),
        )
      : el("p", {}, t("maintenance.noOccurrences")),
  );
}
