// Shared by the console's screens: formatting, SLA countdowns and the filters' vocabulary.
import { ApiError } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { slaCountdown } from "../shared/workflow.js";
import { clockTime, duration, labels, number, t } from "./i18n.js";

export const STATUSES = ["new", "assigned", "accepted", "en_route", "on_site", "on_hold", "completed"];
export const PRIORITIES = ["urgent", "high", "normal", "low"];
export const CHANNELS = ["phone", "web", "app", "email", "wechat", "walk_in", "portal"];
const STATUS_LABEL = labels("status.", [...STATUSES, "closed", "cancelled"]);
const PRIORITY_LABEL = labels("priority.", PRIORITIES);
const CHANNEL_LABEL = labels("channel.", CHANNELS);
/** A status, priority or channel in the console's language (`LABEL[job.status]`); undefined for a word
 * it does not know. */
export const LABEL = new Proxy(
  {},
  { get: (_, word) => STATUS_LABEL[word] ?? PRIORITY_LABEL[word] ?? CHANNEL_LABEL[word] },
);

/** A date and time in the console's language ("12/1/26, 10:03 AM", "2026/12/1 10:03"), or a dash. */
export function when(iso) {
  return iso ? clockTime(iso) : t("none");
}

/** Minutes as "1 h 5 min" / "1 小时 5 分钟" (the sign is the caller's). */
export function minutesText(minutes) {
  return duration(minutes);
}

/** The SLA timer that matters now (meta's sla_countdown: respond until on site, then resolve); red when
 * past due. */
export function slaTimer(job, meta, now = Date.now()) {
  const timer = slaCountdown(job, meta, now);
  if (!timer) return null;
  const { responding, minutes } = timer;
  const late = minutes < 0 || job.overdue;
  const time = minutesText(minutes);
  const text = late ? t("sla.overdue", { time }) : t(responding ? "sla.respondIn" : "sla.resolveIn", { time });
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

// The timeline's words, in the catalogues ("event.", "reason.", "field.", "doubt." keys).
// Each entry turns an event into a sentence; `w.who` is the actor in words, `w.tech(key)` the
// technician the event's details name under that key.
const REASONS = ["not_accepted", "response_overdue", "at_risk", "auto_assign"];
const LOGS = ["note", "fix", "part"];
const FIELDS = {
  title: "title",
  description: "description",
  priority: "priority",
  channel: "channel",
  required_skills: "skills",
  lat: "location",
  lon: "location",
  address: "address",
  response_due_at: "respondBy",
  resolve_due_at: "resolveBy",
};
const fieldList = (changes) =>
  [...new Set(Object.keys(changes ?? {}).map((f) => (FIELDS[f] ? t(`field.${FIELDS[f]}`) : f)))].join(t("list.comma"));
const why = (d) => (REASONS.includes(d.reason) ? t(`reason.${d.reason}`) : (d.reason ?? t("reason.overdue")));
const trip = (d) =>
  d.distance_km != null ? t("event.trip", { km: number(Number(d.distance_km), 1), eta: d.eta_minutes }) : "";
const via = (d) => t(d.via === "link" ? "via.link" : "via.phone");
const word = (value) => (value == null ? "?" : (LABEL[value] ?? value));

// The customer's messages (messages.js) as the timeline names them.
export const MESSAGE_CHANNEL = labels("messages.channel.", ["sms", "email", "log"]);
export const MESSAGE_TEMPLATE = labels("messages.template.", [
  "assigned",
  "departed",
  "departed_no_eta",
  "completed",
  "portal_code",
]);

export const EVENT_WORDS = {
  created: (e, w) =>
    t("event.created", { who: w.who, channel: word(e.details.channel), priority: word(e.details.priority) }),
  updated: (e, w) => t("event.updated", { who: w.who, fields: fieldList(e.details.changes) || t("event.noField") }),
  // `to_technician_id` since one assignment vocabulary (`technician_id` in events stored before it)
  assign: (e, w) => {
    const to = w.tech("to_technician_id" in e.details ? "to_technician_id" : "technician_id");
    return e.details.from_technician_id
      ? t("event.reassigned", { from: w.tech("from_technician_id"), to, who: w.who })
      : t("event.assigned", { to, who: w.who });
  },
  auto_reassigned: (e, w) =>
    t(e.details.from_technician_id ? "event.autoMoved" : "event.autoGiven", {
      from: e.details.from_technician_id ? w.tech("from_technician_id") : "",
      to: w.tech("to_technician_id"),
      why: why(e.details),
      trip: trip(e.details),
    }),
  planned: (e, w) =>
    t("event.planned", {
      plan: e.details.plan_id,
      who: w.who,
      order: e.details.order,
      tech: w.tech("technician_id"),
      at: when(e.details.planned_at),
    }),
  escalated: (e) => t("event.escalated", { why: why(e.details) }),
  accept: (e, w) => t("event.accept", { who: w.who }),
  decline: (e, w) => t("event.decline", { who: w.who }),
  depart: (e, w) => t("event.depart", { who: w.who }),
  arrive: (e, w) => t(e.details.first_arrival === false ? "event.arriveAgain" : "event.arrive", { who: w.who }),
  pause: (e, w) => t("event.pause", { who: w.who }),
  resume: (e, w) => t("event.resume", { who: w.who }),
  complete: (e, w) => t(e.details.first_time_fix ? "event.completeFirstTime" : "event.complete", { who: w.who }),
  resolve_remotely: (e, w) => t("event.resolveRemotely", { who: w.who }),
  close: (e) =>
    t(e.details.rating ? "event.closeRated" : "event.close", {
      signer: e.details.signer_name ?? t("event.theCustomer"),
      via: via(e.details),
      rating: e.details.rating,
    }),
  reopen: (e, w) =>
    e.actor.kind === "customer"
      ? e.details.signer_name
        ? t("event.reopenByNamedCustomer", { signer: e.details.signer_name })
        : t("event.reopenByCustomer")
      : t("event.reopen", { who: w.who }),
  cancel: (e, w) => t("event.cancel", { who: w.who }),
  log_added: (e, w) =>
    t(e.details.parts ? "event.logParts" : "event.log", {
      what: LOGS.includes(e.details.kind) ? t(`log.${e.details.kind}`) : t("log.added"),
      count: e.details.parts,
      who: w.who,
    }),
  attachment_added: (e, w) => t("event.photo", { who: w.who }),
  confirmation_link_created: (e, w) =>
    e.details.expires_at
      ? t("event.linkUntil", { who: w.who, until: when(e.details.expires_at) })
      : t("event.link", { who: w.who }),
  refused_change_forwarded: (e, w) =>
    t("event.forwarded", { who: w.who, what: e.details.action ?? e.details.kind ?? t("event.aChange") }),
  position_implausible: (e, w) => t("event.positionJump", { who: w.who }),
  message_queued: (e) =>
    t("event.messageQueued", {
      what: MESSAGE_TEMPLATE[e.details.template] ?? e.details.template ?? "",
      channel: MESSAGE_CHANNEL[e.details.channel] ?? e.details.channel ?? "",
      to: e.details.to ?? "",
    }),
  message_sent: (e) =>
    t("event.messageSent", {
      channel: MESSAGE_CHANNEL[e.details.channel] ?? e.details.channel ?? "",
      to: e.details.to ?? "",
      provider: e.details.provider ?? "",
    }),
  message_failed: (e) => t("event.messageFailed", { attempts: e.details.attempts ?? "", error: e.details.error ?? "" }),
  follow_up_done: (e, w) =>
    t("event.followUp", {
      who: w.who,
      outcome:
        t(e.details.reached ? "followUp.reached" : "followUp.notReached") +
        (e.details.satisfaction ? t("followUp.satisfaction", { score: e.details.satisfaction }) : "") +
        (e.details.reopened ? t("followUp.reopened") : ""),
    }),
};

// Why a deed's time or place looks doubtful (the server's `deed_flags`), in words.
const DEED_DOUBTS = {
  late_without_offline: () => t("doubt.lateWithoutOffline"),
  before_offline: (f) => t("doubt.beforeOffline", { at: when(f.offline_since) }),
  online_meanwhile: (f) => t("doubt.onlineMeanwhile", { at: when(f.seen_at) }),
  far_from_site: (f) =>
    t("doubt.farFromSite", { km: f.km, source: t(f.source === "ping" ? "doubt.lastPosition" : "doubt.ownPosition") }),
  impossible_speed: (f) => t("doubt.impossibleSpeed", { km: f.km, seconds: f.seconds }),
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
const ACTOR_KINDS = ["scheduler", "customer", "system"];

/** The actor of an event in words: a user by name (a close on the phone names its technician), else what
 * acted. A customer has no name here: their words are the event's comment, never its actor. */
export function actorWords(event) {
  const kind = event.actor?.kind;
  return event.actor?.name ?? (ACTOR_KINDS.includes(kind) ? t(`actor.${kind}`) : t("actor.someone"));
}

/** An event as a sentence, and the comment it carries (a reason, a resolution, a forwarded note and its parts). */
export function eventWords(event, roster = []) {
  const e = { ...event, details: event.details ?? {} };
  const tech = (key) => {
    const id = e.details[key];
    if (id == null) return t("actor.nobody");
    const known = roster.find((r) => r.id === id);
    return known ? technicianLabel(known, roster) : (e.technicians?.[id] ?? t("actor.technicianNumber", { id }));
  };
  const words = EVENT_WORDS[e.action];
  const who = actorWords(e);
  const sentence = words ? words(e, { who, tech }) : t("event.other", { action: e.action.replaceAll("_", " "), who });
  const parts = Array.isArray(e.details.parts) ? e.details.parts.map((p) => `${p.qty} × ${p.name}`) : [];
  const comment = [e.details[QUOTED[e.action]], ...parts]
    .filter((c) => c != null && c !== "")
    .join(t("list.semicolon"));
  return { sentence, comment: comment || null };
}

/** A refusal in the form's alert box: the server's sentence and each field's problems; a request
 * that got no answer says that nothing was saved. */
export function showErrors(error, box) {
  if (!(error instanceof ApiError)) {
    box.textContent = t("error.nothingSaved");
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
