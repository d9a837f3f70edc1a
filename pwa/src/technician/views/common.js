// Pieces shared by the screens: SLA countdowns, distance and ETA.
import { el } from "../../shared/dom.js";
import { distanceKm, etaMinutes } from "../../shared/geo.js";
import { slaCountdown } from "../../shared/workflow.js";
import { duration, kilometres, t } from "../i18n.js";

/** Time left to respond (before arrival) or to resolve (on site); red once past due. */
export function countdown(job, meta, now = Date.now()) {
  const timer = slaCountdown(job, meta, now);
  if (!timer) return null;
  const { responding, minutes } = timer;
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
