// Pieces shared by the screens: SLA countdowns, distance and ETA.
import { el } from "../../shared/dom.js";
import { distanceKm, etaMinutes } from "../../shared/geo.js";
import { duration, kilometres, t } from "../i18n.js";

export const ACTIVE = new Set(["assigned", "accepted", "en_route"]);

/** Time left to respond (before arrival) or to resolve (on site); red once past due. */
export function countdown(job, now = Date.now()) {
  const responding = ACTIVE.has(job.status);
  const due = responding ? job.response_due_at : job.resolve_due_at;
  if (!due || !["assigned", "accepted", "en_route", "on_site", "on_hold"].includes(job.status)) return null;
  const minutes = (Date.parse(due) - now) / 60000;
  const late = minutes < 0 || (responding && job.overdue);
  const text = late
    ? t("overdueBy", { time: duration(minutes) })
    : t(responding ? "dueIn" : "resolveIn", { time: duration(minutes) });
  return el("span", { class: late ? "due overdue" : "due" }, text);
}

/** "3.2 km away · about 7 min" from the technician's position, or null without one. */
export function distanceText(job, position, meta) {
  if (!position || !job.location) return null;
  const km = distanceKm(position, job.location);
  return t("away", { distance: kilometres(km), eta: duration(etaMinutes(km, meta.average_speed_kmh)) });
}
