// Shared by the console's screens: formatting, SLA countdowns and the filters' vocabulary.
import { el } from "../dom.js";

export const STATUSES = ["new", "assigned", "accepted", "en_route", "on_site", "on_hold", "completed"];
export const PRIORITIES = ["urgent", "high", "normal", "low"];
export const CHANNELS = ["phone", "web", "app", "email", "wechat", "walk_in", "portal"];
export const LABEL = {
  new: "New", assigned: "Assigned", accepted: "Accepted", en_route: "On the way", on_site: "On site",
  on_hold: "On hold", completed: "Completed", closed: "Closed", cancelled: "Cancelled",
  urgent: "Urgent", high: "High", normal: "Normal", low: "Low",
};

export function when(iso) {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" }) : "—";
}

export function minutesText(minutes) {
  const m = Math.abs(Math.round(minutes));
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}

/** The SLA timer that matters now: respond until on site, then resolve; red when past due. */
export function slaTimer(job, now = Date.now()) {
  const responding = ["new", "assigned", "accepted", "en_route"].includes(job.status);
  const due = responding ? job.response_due_at : job.resolve_due_at;
  if (!due || ["completed", "closed", "cancelled"].includes(job.status)) return null;
  const minutes = (Date.parse(due) - now) / 60000;
  const late = minutes < 0 || job.overdue;
  const text = late ? `Overdue ${minutesText(minutes)}` : `${responding ? "Respond" : "Resolve"} in ${minutesText(minutes)}`;
  return el("span", { class: late ? "sla late" : "sla" }, text);
}

export function select(id, options, value = "", blank = null) {
  return el(
    "select",
    { id },
    blank !== null ? el("option", { value: "" }, blank) : null,
    options.map(([v, text]) => el("option", { value: v, selected: String(v) === String(value) }, text)),
  );
}
