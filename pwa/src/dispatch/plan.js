// The day plan: pick a day, let the routing solver propose each technician's route, look at the
// routes on the map and as timelines (with what could not be planned, and why), then apply it:
// every job is assigned in its route's order and the technicians' phones show the planned times.
import L from "leaflet";
import { ApiError, change, request } from "../api.js";
import { el, field } from "../dom.js";
import { LABEL, when } from "./common.js";
import { baseMap } from "./map.js";

const ROUTE_COLOURS = ["#0b5cad", "#b35c00", "#1b6e2a", "#7b1fa2", "#b00020", "#00796b", "#5d4037", "#455a64"];
// The plan on screen survives redraws (live updates, the nav): the form and the routes stay.
const state = { date: null, plan: null, error: null };

const time = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
const plural = (count, noun) => `${count} ${noun}${count === 1 ? "" : "s"}`;
const tomorrow = () => new Date(Date.now() + 86400000).toLocaleDateString("en-CA"); // YYYY-MM-DD, local

async function propose(date, ctx) {
  state.date = date;
  try {
    state.plan = await change("POST", "/plans", { date });
    state.error = null;
  } catch (error) {
    state.error = error instanceof ApiError ? error.message : "The server did not answer.";
  }
  ctx.render();
}

async function apply(ctx) {
  try {
    state.plan = await change("POST", `/plans/${state.plan.id}/apply`);
    state.error = null;
  } catch (error) {
    state.error = error instanceof ApiError ? error.message : "The server did not answer.";
  }
  ctx.render();
}

function routeMap(plan, meta) {
  const container = el("div", { class: "big-map", role: "application", "aria-label": "Map of the planned routes" });
  requestAnimationFrame(() => {
    const map = baseMap(container, meta);
    const bounds = [];
    plan.routes.forEach((route, index) => {
      const colour = ROUTE_COLOURS[index % ROUTE_COLOURS.length];
      const path = [route.start, ...route.stops.map((s) => s.location), route.end].map((p) => [p.lat, p.lon]);
      bounds.push(...path);
      L.polyline(path, { color: colour, weight: 4, opacity: 0.8 })
        .bindPopup(() => el("span", {}, route.name))
        .addTo(map);
      route.stops.forEach((stop, order) => {
        L.circleMarker([stop.location.lat, stop.location.lon], {
          radius: 7,
          color: colour,
          fillColor: colour,
          fillOpacity: 0.9,
        })
          .bindPopup(() =>
            el(
              "a",
              { href: `#/jobs/${stop.work_order_id}` },
              `${order + 1}. ${stop.number} ${stop.title} · ${time(stop.arrive_at)}`,
            ),
          )
          .addTo(map);
      });
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  });
  return container;
}

function timeline(route, index) {
  const swatch = el("span", { class: "swatch" });
  swatch.style.background = ROUTE_COLOURS[index % ROUTE_COLOURS.length]; // CSSOM: allowed by the CSP
  const hours = Math.floor(route.minutes / 60);
  const summary = `${route.stops.length} stops · ${route.km.toFixed(1)} km · ${hours} h ${route.minutes % 60} min driving and on site`;
  return el(
    "section",
    { class: "card", "aria-label": `Route of ${route.name}` },
    el("h3", {}, swatch, " ", route.name),
    el("p", { class: "meta" }, `Leaves ${time(route.start.at)} · ${summary}`),
    el(
      "ol",
      { class: "timeline" },
      route.stops.map((stop) =>
        el(
          "li",
          {},
          el("time", { datetime: stop.arrive_at }, `${time(stop.arrive_at)}–${time(stop.leave_at)}`),
          " ",
          el("a", { href: `#/jobs/${stop.work_order_id}` }, `${stop.number} ${stop.title}`),
          ` · ${LABEL[stop.priority] ?? stop.priority}`,
          stop.due_at ? el("span", { class: "meta" }, ` · due ${when(stop.due_at)}`) : null,
        ),
      ),
    ),
  );
}

function leftOut(title, rows, name) {
  if (!rows?.length) return null;
  return el(
    "section",
    { "aria-label": title },
    el("h3", {}, title),
    el(
      "ul",
      {},
      rows.map((row) => el("li", {}, name(row), `: ${row.reason}`)),
    ),
  );
}

function appliedSummary(plan) {
  const done = plan.applied;
  if (!done) return null;
  const skipped = done.skipped.map((s) => `#${s.work_order_id} (${s.reason})`).join(", ");
  return el(
    "p",
    { role: "status", class: "notice" },
    `Applied: ${done.assigned.length} assigned, ${done.kept.length} kept with their technician` +
      (skipped ? `; skipped because they changed: ${skipped}` : "."),
  );
}

function planDetails(plan, ctx, names) {
  const planned = plan.routes.reduce((n, r) => n + r.stops.length, 0);
  return el(
    "div",
    {},
    el(
      "p",
      { role: "status", class: "meta" },
      `${planned} jobs planned on ${plural(plan.routes.length, "route")} · ${plan.km_total.toFixed(1)} km in total · solved in ${plan.solve_ms} ms`,
    ),
    plan.applied_at
      ? appliedSummary(plan)
      : el("button", { type: "button", on: { click: () => apply(ctx) } }, "Apply plan"),
    routeMap(plan, ctx.meta),
    plan.routes.map(timeline),
    leftOut("Unplanned", plan.unplanned, (row) =>
      el("a", { href: `#/jobs/${row.work_order_id}` }, `Job #${row.work_order_id}`),
    ),
    leftOut(
      "Not planned today",
      plan.unavailable,
      (row) => names.get(row.technician_id) ?? `Technician #${row.technician_id}`,
    ),
  );
}

export async function planView(ctx) {
  const wanted = Number(ctx.params.get("id"));
  if (wanted && state.plan?.id !== wanted) state.plan = await request("GET", `/plans/${wanted}`);
  const technicians = await ctx.technicians();
  const names = new Map(technicians.map((t) => [t.id, t.name]));
  const dateInput = el("input", {
    id: "plan-date",
    type: "date",
    required: true,
    value: state.date ?? state.plan?.date ?? tomorrow(),
  });
  const submit = (event) => {
    event.preventDefault();
    propose(dateInput.value, ctx);
  };
  return el(
    "div",
    { class: "plan" },
    el("h2", {}, "Day plan"),
    el(
      "form",
      { class: "row", on: { submit } },
      field("plan-date", "Day", dateInput),
      el("button", { type: "submit" }, "Propose"),
    ),
    state.error ? el("p", { class: "error", role: "alert" }, state.error) : null,
    state.plan
      ? planDetails(state.plan, ctx, names)
      : el("p", { class: "meta" }, "Pick a day and propose a plan: nothing changes until you apply it."),
  );
}
