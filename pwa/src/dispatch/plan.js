// The day plan: pick a day, let the routing solver propose each technician's route, look at the
// routes on the map and as timelines (with what could not be planned, and why), then apply it:
// every job is assigned in its route's order and the technicians' phones show the planned times.
import L from "leaflet";
import { ApiError, change, request } from "../shared/api.js";
import { el, field } from "../shared/dom.js";
import { LABEL, minutesText, when } from "./common.js";
import { number, t, timeOfDay } from "./i18n.js";
import { baseMap } from "./map.js";

const ROUTE_COLOURS = ["#0b5cad", "#b35c00", "#1b6e2a", "#7b1fa2", "#b00020", "#00796b", "#5d4037", "#455a64"];
// The plan on screen survives redraws (live updates, the nav): the form and the routes stay.
const state = { date: null, plan: null, error: null };

const time = timeOfDay;
const tomorrow = () => new Date(Date.now() + 86400000).toLocaleDateString("en-CA"); // YYYY-MM-DD, local

async function propose(date, ctx) {
  state.date = date;
  try {
    state.plan = await change("POST", "/plans", { date });
    state.error = null;
  } catch (error) {
    state.error = error instanceof ApiError ? error.message : t("error.noAnswer");
  }
  ctx.render();
}

async function apply(ctx) {
  try {
    state.plan = await change("POST", `/plans/${state.plan.id}/apply`);
    state.error = null;
  } catch (error) {
    state.error = error instanceof ApiError ? error.message : t("error.noAnswer");
  }
  ctx.render();
}

function routeMap(plan, meta) {
  const container = el("div", { class: "big-map", role: "application", "aria-label": t("plan.map") });
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
  const summary = t("plan.routeSummary", {
    stops: route.stops.length,
    km: number(route.km, 1),
    time: minutesText(route.minutes),
  });
  return el(
    "section",
    { class: "card", "aria-label": t("plan.routeOf", { name: route.name }) },
    el("h3", {}, swatch, " ", route.name),
    el("p", { class: "meta" }, t("plan.leaves", { at: time(route.start.at), summary })),
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
          stop.due_at ? el("span", { class: "meta" }, ` · ${t("plan.due", { at: when(stop.due_at) })}`) : null,
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
      rows.map((row) => el("li", {}, name(row), `${t("job.colon")}${row.reason}`)),
    ),
  );
}

function appliedSummary(plan) {
  const done = plan.applied;
  if (!done) return null;
  const skipped = done.skipped.map((s) => `#${s.work_order_id} (${s.reason})`).join(t("list.comma"));
  return el(
    "p",
    { role: "status", class: "notice" },
    t(skipped ? "plan.appliedSkipped" : "plan.applied", {
      assigned: done.assigned.length,
      kept: done.kept.length,
      skipped,
    }),
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
      t(plan.routes.length === 1 ? "plan.summaryOneRoute" : "plan.summary", {
        planned,
        routes: plan.routes.length,
        km: number(plan.km_total, 1),
        ms: number(plan.solve_ms),
      }),
    ),
    plan.applied_at
      ? appliedSummary(plan)
      : el("button", { type: "button", on: { click: () => apply(ctx) } }, t("plan.apply")),
    routeMap(plan, ctx.meta),
    plan.routes.map(timeline),
    leftOut(t("plan.unplanned"), plan.unplanned, (row) =>
      el("a", { href: `#/jobs/${row.work_order_id}` }, t("plan.jobNumber", { id: row.work_order_id })),
    ),
    leftOut(
      t("plan.unavailable"),
      plan.unavailable,
      (row) => names.get(row.technician_id) ?? t("actor.technicianNumber", { id: row.technician_id }),
    ),
  );
}

export async function planView(ctx) {
  const wanted = Number(ctx.params.get("id"));
  if (wanted && state.plan?.id !== wanted) state.plan = await request("GET", `/plans/${wanted}`);
  const technicians = await ctx.technicians();
  const names = new Map(technicians.map((tech) => [tech.id, tech.name]));
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
    el("h2", {}, t("nav.plan")),
    el(
      "form",
      { class: "row", on: { submit } },
      field("plan-date", t("plan.day"), dateInput),
      el("button", { type: "submit" }, t("plan.propose")),
    ),
    state.error ? el("p", { class: "error", role: "alert" }, state.error) : null,
    state.plan ? planDetails(state.plan, ctx, names) : el("p", { class: "meta" }, t("plan.hint")),
  );
}
