// My jobs: most urgent first, with the SLA countdown, distance and ETA, and the day plan's stop
// and time when one was applied; pull down (or press Refresh) to refresh; the on-shift switch.
import { el } from "../../shared/dom.js";
import { clockTime, t } from "../i18n.js";
import { currentPosition } from "../location.js";
import { getSetting } from "../store.js";
import { refreshArticles } from "./articles.js";
import { countdown, distanceText } from "./common.js";

const PULL_PX = 70;

function jobCard(job, position, meta) {
  return el(
    "li",
    { class: `job priority-${job.priority}` },
    el(
      "a",
      { href: `#/jobs/${job.id}` },
      el("p", { class: "meta" }, `${job.number} · ${t(`priority_${job.priority}`)} · ${t(`status_${job.status}`)}`),
      el("h3", {}, job.title),
      el("p", {}, job.customer?.name ?? "", job.address ? ` — ${job.address}` : ""),
      countdown(job, meta),
      el("p", { class: "meta" }, distanceText(job, position, meta)),
      plannedStop(job),
    ),
  );
}

/** Where an applied day plan put the job in the technician's day: its stop number and time. */
function plannedStop(job) {
  if (job.planned_order == null || !job.planned_at) return null;
  return el("p", { class: "planned" }, t("plannedStop", { order: job.planned_order, time: clockTime(job.planned_at) }));
}

function shiftSwitch(ctx) {
  const box = el("input", {
    id: "on-shift",
    type: "checkbox",
    role: "switch",
    checked: ctx.shift.onShift,
    on: { change: (e) => ctx.shift.set(e.target.checked) },
  });
  return el(
    "div",
    { class: "shift" },
    el("label", { for: "on-shift" }, box, " ", t("onShift")),
    el("p", { class: "meta" }, ctx.shift.denied ? t("locationDenied") : t("locationConsent")),
  );
}

/** Pull-to-refresh on touch screens: a pull of PULL_PX from the top of the page refreshes. */
function pullToRefresh(list, refresh) {
  let startY = null;
  list.addEventListener(
    "touchstart",
    (e) => {
      startY = window.scrollY === 0 ? e.touches[0].clientY : null;
    },
    { passive: true },
  );
  list.addEventListener(
    "touchmove",
    (e) => {
      if (startY !== null) list.classList.toggle("pulling", e.touches[0].clientY - startY > PULL_PX);
    },
    { passive: true },
  );
  list.addEventListener("touchend", () => {
    if (list.classList.contains("pulling")) refresh();
    list.classList.remove("pulling");
    startY = null;
  });
}

export async function jobsView(ctx) {
  const [jobs, position, refreshedAt] = await Promise.all([
    ctx.work.jobs(),
    currentPosition(ctx.db),
    getSetting(ctx.db, "refreshedAt"),
  ]);
  const refresh = () => ctx.refresh();
  refreshArticles(ctx.db); // the knowledge base for offline reading, at most every few minutes
  const list = el(
    "ul",
    { class: "jobs", "aria-label": t("myJobs"), "data-pull-label": t("pullToRefresh") },
    jobs.length ? jobs.map((job) => jobCard(job, position, ctx.meta)) : el("li", {}, t("noJobs")),
  );
  pullToRefresh(list, refresh);
  return el(
    "section",
    {},
    shiftSwitch(ctx),
    el(
      "div",
      { class: "title-row" },
      el("h2", {}, t("myJobs")),
      el("button", { type: "button", class: "secondary", on: { click: refresh } }, t("refresh")),
    ),
    refreshedAt ? el("p", { class: "meta pad" }, t("updatedAt", { time: clockTime(refreshedAt) })) : null,
    list,
  );
}
