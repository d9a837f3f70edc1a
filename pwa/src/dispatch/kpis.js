// KPIs over a chosen period: the figures with their definitions, daily trends, and breakdowns by
// technician and by priority; CSV export of the KPIs and of the period's work orders.
import { request } from "../api.js";
import { el, field } from "../dom.js";
import { lineChart } from "./charts.js";
import { select } from "./common.js";

export const FIGURES = [
  ["created", "Created", ""],
  ["completed", "Completed", ""],
  ["closed", "Closed", ""],
  ["avg_response_minutes", "Average response", " min"],
  ["avg_resolution_minutes", "Average resolution", " min"],
  ["response_sla_met_pct", "Response SLA met", "%"],
  ["resolution_sla_met_pct", "Resolution SLA met", "%"],
  ["first_time_fix_rate", "First-time fix rate", "%"],
  ["repeat_visit_rate", "Repeat visit rate", "%"],
  ["csat_avg", "Customer satisfaction (1-5)", ""],
  ["complaint_rate", "Complaint rate", "%"],
  ["reassigned", "Reassigned", ""],
  ["late_deeds", "Deeds sent late", ""],
  ["flagged_deeds", "Doubtful deeds", ""],
  ["mean_gap_minutes", "Mean delay of late deeds", " min"],
  ["flagged_answers", "Answers flagged as staff's", ""],
  ["remote_resolution_rate", "Resolved remotely", "%"],
  ["complaints", "Complaints", ""],
  ["complaints_closed_in_time_pct", "Complaints closed in time", "%"],
  ["follow_ups_done_pct", "Follow-up calls done", "%"],
  ["follow_up_satisfaction_avg", "Follow-up satisfaction", ""],
  ["quality_score", "Quality score", ""],
];
const DEFINITIONS = {
  avg_response_minutes: "first arrival − creation",
  avg_resolution_minutes: "completion − creation",
  response_sla_met_pct: "on site by the response due time",
  resolution_sla_met_pct: "completed by the resolve due time",
  first_time_fix_rate: "closed without a reopen, with one visit",
  repeat_visit_rate: "reopened within 30 days of completion",
  csat_avg: "mean rating of confirmations",
  complaint_rate: "disputes / customer answers",
  reassigned: "assigned more than once",
  late_deeds: "received over 5 min after their time",
  flagged_deeds: "time or place doubtful",
  flagged_answers: "a customer's answer given in a staff session or away from the site",
  mean_gap_minutes: "received − time of the deed",
  remote_resolution_rate: "completed by phone or remote help / completed",
  complaints: "complaints taken in",
  complaints_closed_in_time_pct: "complaints completed by their resolve due time (48 h)",
  follow_ups_done_pct: "follow-up calls recorded / follow-up calls due",
  follow_up_satisfaction_avg: "mean satisfaction (1-5) given on follow-up calls",
  quality_score: "mean quality review score (0-100)",
};
// Which time of each deed the figures read: as the phone dated it, or as the server received it
// (a technician's phone can date a late arrival early; the received clock cannot be set back).
const CLOCKS = [
  ["deed", "Time of the deed"],
  ["received", "Time received"],
];
const period = { from: null, to: null, clock: "deed" };

// After the label with a space, so the term reads "Average response first arrival − creation".
const definition = (key) => (DEFINITIONS[key] ? [" ", el("span", { class: "meta" }, DEFINITIONS[key])] : null);
const show = (value, unit) => (value == null ? "—" : `${value}${unit}`);
const isoDay = (date) => date.toISOString().slice(0, 10);

function range() {
  const to = period.to ?? isoDay(new Date(Date.now() + 86400000));
  const from = period.from ?? isoDay(new Date(Date.now() - 29 * 86400000));
  return { from, to, query: `from=${from}T00:00:00Z&to=${to}T00:00:00Z&clock=${period.clock}` };
}

function breakdownTable(title, rows) {
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
        FIGURES.map(([, label]) => el("th", { scope: "col" }, label)),
      ),
    ),
    el(
      "tbody",
      {},
      rows.map((row) =>
        el(
          "tr",
          {},
          el("th", { scope: "row" }, row.label ?? "Unassigned"),
          FIGURES.map(([key, , unit]) => el("td", {}, show(row[key], unit))),
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
  const clockSelect = select("kpi-clock", CLOCKS, period.clock);
  const apply = (event) => {
    event.preventDefault();
    Object.assign(period, { from: fromInput.value, to: toInput.value, clock: clockSelect.value });
    ctx.render();
  };
  const trend = (key) => byDay.rows.map((row) => ({ day: row.key, value: row[key] }));
  return el(
    "div",
    { class: "kpis" },
    el("h2", {}, "Service KPIs"),
    el(
      "form",
      { class: "row", on: { submit: apply } },
      field("kpi-from", "From", fromInput),
      field("kpi-to", "To (exclusive)", toInput),
      field("kpi-clock", "Times", clockSelect),
      el("button", { type: "submit" }, "Show"),
      el(
        "a",
        {
          href: `/api/v1/reports/kpis.csv?by=technician&${query}`,
          class: "button secondary",
          role: "button",
          download: "",
        },
        "Export CSV",
      ),
      el(
        "a",
        {
          href: `/api/v1/work-orders/export.csv?status=new,assigned,accepted,en_route,on_site,on_hold,completed,closed,cancelled`,
          class: "button secondary",
          download: "",
        },
        "Export work orders",
      ),
    ),
    el(
      "dl",
      { class: "figures", "aria-label": "KPI figures" },
      FIGURES.map(([key, label, unit]) =>
        // A <dl> group holds only <dt> and <dd>: the definition is part of the term it explains.
        el(
          "div",
          { class: "figure", "data-kpi": key },
          el("dt", {}, label, definition(key)),
          el("dd", {}, show(total[key], unit)),
        ),
      ),
    ),
    el(
      "div",
      { class: "charts" },
      lineChart("Average response (min) per day", trend("avg_response_minutes")),
      lineChart("Average resolution (min) per day", trend("avg_resolution_minutes")),
      lineChart("Response SLA met (%) per day", trend("response_sla_met_pct"), "%"),
      lineChart("First-time fix rate (%) per day", trend("first_time_fix_rate"), "%"),
      lineChart("Repeat visits (%) per day", trend("repeat_visit_rate"), "%"),
      lineChart("Satisfaction per day", trend("csat_avg")),
      lineChart("Complaints (%) per day", trend("complaint_rate"), "%"),
    ),
    el("h3", {}, "By technician"),
    breakdownTable("Technician", byTechnician.rows),
    el("h3", {}, "By priority"),
    breakdownTable("Priority", byPriority.rows),
  );
}
