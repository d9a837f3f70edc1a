// Shared by the console's screens: formatting, SLA countdowns and the filters' vocabulary.
import { ApiError } from "../api.js";
import { el } from "../dom.js";
import { clockTime, duration, t } from "./i18n.js";

export const STATUSES = ["new", "assigned", "accepted", "en_route", "on_site", "on_hold", "completed"];
export const PRIORITIES = ["urgent", "high", "normal", "low"];
export const CHANNELS = ["phone", "web", "app", "email", "wechat", "walk_in", "portal"];
export const LABEL = {
  new: "New",
  assigned: "Assigned",
  accepted: "Accepted",
  en_route: "On the way",
  on_site: "On site",
  on_hold: "On hold",
  completed: "Completed",
  closed: "Closed",
  cancelled: "Cancelled",
  urgent: "Urgent",
  high: "High",
  normal: "Normal",
  low: "Low",
};

/** A date and time in the console's language ("12/1/26, 10:03 AM", "2026/12/1 10:03"), or a dash. */
export function when(iso) {
  return iso ? clockTime(iso) : t("none");
}

/** Minutes as "1 h 5 min" / "1 小时 5 分钟" (the sign is the caller's). */
export function minutesText(minutes) {
  return duration(minutes);
}

/** The SLA timer that matters now: respond until on site, then resolve; red when past due. */
export function slaTimer(job, now = Date.now()) {
  const responding = ["new", "assigned", "accepted", "en_route"].includes(job.status);
  const due = responding ? job.response_due_at : job.resolve_due_at;
  if (!due || ["completed", "closed", "cancelled"].includes(job.status)) return null;
  const minutes = (Date.parse(due) - now) / 60000;
  const late = minutes < 0 || job.overdue;
  const text = late
    ? `Overdue ${minutesText(minutes)}`
    : `${responding ? "Respond" : "Resolve"} in ${minutesText(minutes)}`;
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

/** Technicians with the same name told apart: "Li Wei (+86 139 …)" or, without a phone, "Li Wei #12". */
export function technicianLabel(technician, roster = []) {
  if (!technician) return "";
  const key = (name) => (name ?? "").trim().toLowerCase();
  const twins = roster.filter((t) => t.id !== technician.id && key(t.name) === key(technician.name));
  if (!twins.length) return technician.name;
  const phone = technician.phone ?? roster.find((t) => t.id === technician.id)?.phone;
  const phoneTellsApart = phone && twins.every((t) => t.phone !== phone);
  return phoneTellsApart ? `${technician.name} (${phone})` : `${technician.name} #${technician.id}`;
}

// The timeline's words, in one place (a later issue moves them into a translation catalogue).
// Each entry turns an event into a sentence; `w.who` is the actor in words, `w.tech(key)` the
// technician the event's details name under that key.
const REASSIGN_REASONS = {
  not_accepted: "not accepted in time",
  response_overdue: "past its response deadline",
  at_risk: "would be reached after its response deadline",
  auto_assign: "the earliest arrival",
};
const LOG_WORDS = { note: "Note added", fix: "Fix recorded", part: "Parts used" };
const FIELD_WORDS = {
  title: "title",
  description: "description",
  priority: "priority",
  channel: "channel",
  required_skills: "skills",
  lat: "location",
  lon: "location",
  address: "address",
  response_due_at: "respond-by time",
  resolve_due_at: "resolve-by time",
};
const fieldList = (changes) => [...new Set(Object.keys(changes ?? {}).map((f) => FIELD_WORDS[f] ?? f))].join(", ");
const why = (d) => REASSIGN_REASONS[d.reason] ?? d.reason ?? "overdue";
const trip = (d) =>
  d.distance_km != null ? `; ${Number(d.distance_km).toFixed(1)} km, about ${d.eta_minutes} min` : "";
const via = (d) => (d.via === "link" ? "through the confirmation link" : "on the technician's phone");

export const EVENT_WORDS = {
  created: (e, w) => `Created by ${w.who} (${e.details.channel ?? "?"}, ${LABEL[e.details.priority] ?? "?"})`,
  updated: (e, w) => `Edited by ${w.who}: ${fieldList(e.details.changes) || "no field"}`,
  // `to_technician_id` since one assignment vocabulary (`technician_id` in events stored before it)
  assign: (e, w) => {
    const to = w.tech("to_technician_id" in e.details ? "to_technician_id" : "technician_id");
    return e.details.from_technician_id
      ? `Reassigned from ${w.tech("from_technician_id")} to ${to} by ${w.who}`
      : `Assigned to ${to} by ${w.who}`;
  },
  auto_reassigned: (e, w) =>
    (e.details.from_technician_id ? `Moved from ${w.tech("from_technician_id")} to ` : "Given to ") +
    `${w.tech("to_technician_id")} by the scheduler (${why(e.details)}${trip(e.details)})`,
  planned: (e, w) =>
    `Day plan ${e.details.plan_id} applied by ${w.who}: stop ${e.details.order} of ${w.tech("technician_id")}'s route, ` +
    `about ${when(e.details.planned_at)}`,
  escalated: (e) => `Escalated by the scheduler: nobody qualified (${why(e.details)})`,
  accept: (e, w) => `Accepted by ${w.who}`,
  decline: (e, w) => `Declined by ${w.who}`,
  depart: (e, w) => `${w.who} is on the way`,
  arrive: (e, w) => `${w.who} arrived on site${e.details.first_arrival === false ? " (again)" : ""}`,
  pause: (e, w) => `Put on hold by ${w.who}`,
  resume: (e, w) => `Work resumed by ${w.who}`,
  complete: (e, w) => `Completed by ${w.who}${e.details.first_time_fix ? " (fixed first time)" : ""}`,
  resolve_remotely: (e, w) => `Resolved by phone by ${w.who}, nobody drove`,
  close: (e) =>
    `Closed: signed by ${e.details.signer_name ?? "the customer"} ${via(e.details)}` +
    (e.details.rating ? `, rating ${e.details.rating}/5` : ""),
  reopen: (e, w) =>
    e.actor.kind === "customer"
      ? `Reopened by the customer${e.details.signer_name ? ` (${e.details.signer_name})` : ""}`
      : `Reopened by ${w.who}`,
  cancel: (e, w) => `Cancelled by ${w.who}`,
  log_added: (e, w) =>
    `${LOG_WORDS[e.details.kind] ?? "Log added"}${e.details.parts ? ` (${e.details.parts} lines)` : ""} by ${w.who}`,
  attachment_added: (e, w) => `Photo added by ${w.who}`,
  confirmation_link_created: (e, w) =>
    `Confirmation link created by ${w.who}` +
    (e.details.expires_at ? `, valid until ${when(e.details.expires_at)}` : ""),
  refused_change_forwarded: (e, w) =>
    `Forwarded by ${w.who} after the job was taken from them (${e.details.action ?? e.details.kind ?? "a change"})`,
  position_implausible: (e, w) => `The position of ${w.who} jumped further than anyone travels`,
  follow_up_done: (e, w) =>
    `Follow-up call recorded by ${w.who}: ${e.details.reached ? "reached" : "not reached"}` +
    (e.details.satisfaction ? `, satisfaction ${e.details.satisfaction}/5` : "") +
    (e.details.reopened ? ", job reopened" : ""),
};

// Why a deed's time or place looks doubtful (the server's `deed_flags`), in words.
const DEED_DOUBTS = {
  late_without_offline: () => "sent long after it was done, with no offline time",
  before_offline: (f) => `dated before the phone went offline (${when(f.offline_since)})`,
  online_meanwhile: (f) => `the phone was online meanwhile (${when(f.seen_at)})`,
  far_from_site: (f) =>
    `${f.km} km from the site (by ${f.source === "ping" ? "the last position sent" : "its position"})`,
  impossible_speed: (f) => `${f.km} km from the previous position in ${f.seconds} s`,
};

/** The doubts about an event's time or place, as phrases; empty when there are none. */
export function deedDoubts(event) {
  return (event.deed_flags ?? []).map((flag) => DEED_DOUBTS[flag.code]?.(flag) ?? flag.code.replaceAll("_", " "));
}
// The comment an event carries, shown as a quotation after its sentence.
const QUOTED = {
  decline: "reason",
  pause: "reason",
  reopen: "reason",
  cancel: "reason",
  complete: "resolution",
  resolve_remotely: "resolution",
  refused_change_forwarded: "text",
  follow_up_done: "comment",
};
const ACTOR_KINDS = { scheduler: "the scheduler", customer: "the customer", system: "the system" };

/** The actor of an event in words: a user by name (a close on the phone names its technician), else what
 * acted. A customer has no name here: their words are the event's comment, never its actor. */
export function actorWords(event) {
  return event.actor?.name ?? ACTOR_KINDS[event.actor?.kind] ?? "someone";
}

/** An event as a sentence, and the comment it carries (a reason, a resolution, a forwarded note and its parts). */
export function eventWords(event, roster = []) {
  const e = { ...event, details: event.details ?? {} };
  const tech = (key) => {
    const id = e.details[key];
    if (id == null) return "nobody";
    const known = roster.find((t) => t.id === id);
    return known ? technicianLabel(known, roster) : (e.technicians?.[id] ?? `technician #${id}`);
  };
  const words = EVENT_WORDS[e.action];
  const who = actorWords(e);
  const sentence = words ? words(e, { who, tech }) : `${e.action.replaceAll("_", " ")} by ${who}`;
  const parts = Array.isArray(e.details.parts) ? e.details.parts.map((p) => `${p.qty} × ${p.name}`) : [];
  const comment = [e.details[QUOTED[e.action]], ...parts].filter((c) => c != null && c !== "").join("; ");
  return { sentence, comment: comment || null };
}

/** A refusal in the form's alert box: the server's sentence and each field's problems; a request
 * that got no answer says that nothing was saved. */
export function showErrors(error, box) {
  if (!(error instanceof ApiError)) {
    box.textContent = "The server did not answer; nothing was saved.";
    return;
  }
  const fields = Object.entries(error.fields ?? {}).map(([name, why]) => `${name}: ${[].concat(why).join(", ")}`);
  const list = fields.length
    ? el(
        "ul",
        {},
        fields.map((f) => el("li", {}, f)),
      )
    : null;
  box.replaceChildren(el("p", {}, error.message), list);
}
