// KPIs over a chosen period: the figures with their definitions, daily trends, and breakdowns by
// technician and by priority; CSV export of the KPIs and of the period's work orders.
import { request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { lineChart } from "./charts.js";
import { LABEL, select } from "./common.js";
import { number, t } from "./i18n.js";

// [key, unit]: the figure's name and definition are the catalogue's kpi.<key> and kpi.<key>.definition.
export const FIGURES = [
  ["created", ""],
  ["completed", ""],
  ["closed", ""],
  ["avg_response_minutes", "min"],
  ["avg_resolution_minutes", "min"],
  ["response_sla_met_pct", "%"],
  ["resolution_sla_met_pct", "%"],
  ["first_time_fix_rate", "%"],
  ["repeat_visit_rate", "%"],
  ["csat_avg", ""],
  ["complaint_rate", "%"],
  ["reassigned", ""],
  ["late_deeds", ""],
  ["flagged_deeds", ""],
  ["mean_gap_minutes", "min"],
  ["flagged_answers", ""],
  ["remote_resolution_rate", "%"],
  ["complaints", ""],
  ["complaints_closed_in_time_pct", "%"],
  ["follow_ups_done_pct", "%"],
  ["follow_up_satisfaction_avg", ""],
  ["quality_score", ""],
  ["repeat_repairs", ""],
];
// Which time of each deed the figures read: as the phone dated it, or as the server received it
// (a technician's phone can date a late arrival early; the received clock cannot be set back).
const CLOCKS = ["deed", "received"];
const period = { from: null, to: null, clock: "deed" };

// After the label with a space, so the term reads "Average response first arrival − creation".
const definition = (key) => {
  const text = t(`kpi.${key}.definition`);
  return text === `kpi.${key}.definition` ? null : [" ", el("span", { class: "meta" }, text)];
};
const show = (value, unit) =>
  value == null ? t("none") : unit ? t(`kpis.unit.${unit}`, { value: number(value) }) : number(value);
const figureName = (key) => t(`kpi.${key}`);
const isoDay = (date) => date.toISOString().slice(0, 10);

function range() {
  const to = period.to ?? isoDay(new Date(Date.now() + 86400000));
  const from = period.from ?? isoDay(new Date(Date.now() - 29 * 86400000));
  return { from, to, query: `from=${from}T00:00:00Z&to=${to}T00:00:00Z&clock=${period.clock}` };
}

function breakdownTable(title, rows, rowLabel = (row) => row.label) {
  return el(
    "table",
    { "aria-label": title },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, title),
        FIGURES.map(([key]) => el("th", { scope: "col" }, figureName(key))),
      ),
    ),
    el(
      "tbody",
      {},
      rows.map((row) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, rowLabel(row) ?? t("kpis.unassigned")),
          FIGURES.map(([key, unit]) => el("td", {}, show(row[key], unit))),
        ),
      ),
    ),
  );
}

export async function kpisView(ctx) {
  const { from, to, query } = range();
  const [total, byDay, byTechnician, byPriority] = await Promise.all([
    request("GET", `/reports/kpis?${query}`),
    request("GET", `/reports/kpis/breakdown?by=day&${query}`),
    request("GET", `/reports/kpis/breakdown?by=technician&${query}`),
    request("GET", `/reports/kpis/breakdown?by=priority&${query}`),
  ]);
  const fromInput = el("input", { id: "kpi-from", type: "date", value: from });
  const toInput = el("input", { id: "kpi-to", type: "date", value: to });
  const clocks = CLOCKS.map((clock) => [clock, t(`kpis.clock.${clock}`)]);
  const clockSelect = select("kpi-clock", clocks, period.clock);
  const apply = (event) => {
    event.preventDefault();
    Object.assign(period, { from: fromInput.value, to: toInput.value, clock: clockSelect.value });
    ctx.render();
  };
  const trend = (key) => byDay.rows.map((row) => ({ day: row.key, value: row[key] }));
  return el(
    "div",
    { class: "kpis" },
    el("h2", {}, t("kpis.title")),
    el(
      "form",
      { class: "row", on: { submit: apply } },
      field("kpi-from", t("kpis.from"), fromInput),
      field("kpi-to", t("kpis.to"), toInput),
      field("kpi-clock", t("kpis.clock"), clockSelect),
      el("button", { type: "submit" }, t("kpis.show")),
      el(
        "a",
        {
          href: `/api/v1/reports/kpis.csv?by=technician&${query}`,
          class: "button secondary",
          role: "button",
          download: "",
        },
        t("kpis.exportCsv"),
      ),
      el(
        "a",
        {
          href: `/api/v1/work-orders/export.csv?status=new,assigned,accepted,en_route,on_site,on_hold,completed,closed,cancelled`,
          class: "button secondary",
          download: "",
        },
        t("kpis.exportJobs"),
      ),
    ),
    el(
      "dl",
      { class: "figures", "aria-label": t("kpis.figures") },
      FIGURES.map(([key, unit]) =>
        // A <dl> group holds only <dt> and <dd>: the definition is part of the term it explains.
        el(
          "div",
          { class: "figure", "data-kpi": key },
          el("dt", {}, figureName(key), definition(key)),
          el("dd", {}, show(total[key], unit)),
        ),
      ),
    ),
    el(
      "div",
      { class: "charts" },
      lineChart(t("kpis.chart.avg_response_minutes"), trend("avg_response_minutes")),
      lineChart(t("kpis.chart.avg_resolution_minutes"), trend("avg_resolution_minutes")),
      lineChart(t("kpis.chart.response_sla_met_pct"), trend("response_sla_met_pct"), "%"),
      lineChart(t("kpis.chart.first_time_fix_rate"), trend("first_time_fix_rate"), "%"),
      lineChart(t("kpis.chart.repeat_visit_rate"), trend("repeat_visit_rate"), "%"),
      lineChart(t("kpis.chart.csat_avg"), trend("csat_avg")),
      lineChart(t("kpis.chart.complaint_rate"), trend("complaint_rate"), "%"),
    ),
    el("h3", {}, t("kpis.byTechnician")),
    breakdownTable(t("kpis.technician"), byTechnician.rows),
    el("h3", {}, t("kpis.byPriority")),
    breakdownTable(t("kpis.priority"), byPriority.rows, (row) => LABEL[row.label] ?? row.label),
  );
}
