// Follow-up calls (回访) in the console: the queue (due, overdue, done) with each customer's phone
// as a call link, and one call on one screen: the job, its history, and the outcome form (reached,
// satisfaction, comment, and a reopen when the problem is back).
import { change, request } from "../api.js";
import { el, field } from "../dom.js";
import { eventWords, showErrors, when } from "./common.js";

const TEXT = {
  title: "Follow-up calls",
  tabs: { due: "Due", overdue: "Overdue", done: "Done" },
  queueLabel: "Follow-up queue",
  none: { due: "No call is due.", overdue: "No call is overdue.", done: "No call recorded yet." },
  count: (n) => (n === 1 ? "1 call" : `${n} calls`),
  columns: ["Job", "Customer", "Phone", "Reason", "Due", "Outcome"],
  reasons: { complaint: "Complaint", low_rating: "Low rating", dispute: "Dispute", sample: "Sample" },
  call: (f) => `Follow-up call for ${f.work_order.number}`,
  callPhone: (c) => `Call ${c.name} on ${c.phone}`,
  noPhone: "no phone on record",
  job: "The job",
  history: "History",
  outcome: "Outcome",
  reached: "The customer answered",
  satisfaction: "Satisfaction (1-5)",
  notAsked: "Not asked",
  comment: "What the customer said",
  reopen: "The problem is back: reopen the job (a repeat visit)",
  record: "Record the outcome",
  recorded: (f) => `Recorded ${when(f.done_at)}`,
  back: "← Follow-up calls",
  satisfactionWords: (o) => (o.satisfaction ? `satisfaction ${o.satisfaction}/5` : "no rating"),
};
const STATUSES = ["due", "overdue", "done"];

function outcomeText(followUp) {
  const o = followUp.outcome;
  if (!o) return "—";
  const parts = [o.reached ? "reached" : "not reached", o.reached ? TEXT.satisfactionWords(o) : null];
  if (o.reopened) parts.push("job reopened");
  return parts.filter(Boolean).join(", ");
}

function phoneLink(customer) {
  if (!customer.phone) return TEXT.noPhone;
  const number = customer.phone.replace(/[^+\d]/g, "");
  return el("a", { href: `tel:${number}`, "aria-label": TEXT.callPhone(customer) }, customer.phone);
}

function queueRow(followUp) {
  const job = followUp.work_order;
  return el(
    "tr",
    { class: followUp.overdue ? "overdue" : null },
    el("td", {}, el("a", { href: `#/follow-ups/${followUp.id}` }, `${job.number} ${job.title}`)),
    el("td", {}, job.customer.name),
    el("td", {}, phoneLink(job.customer)),
    el("td", {}, TEXT.reasons[followUp.reason] ?? followUp.reason),
    el("td", {}, el("time", { datetime: followUp.due_at }, when(followUp.due_at))),
    el("td", {}, outcomeText(followUp)),
  );
}

/** The queue: one tab per status (`#/follow-ups?status=overdue`), open calls by due time. */
export async function followUpsView(ctx) {
  const status = STATUSES.includes(ctx.params.get("status")) ? ctx.params.get("status") : "due";
  const page = await request("GET", `/follow-ups?status=${status}&per_page=200`);
  const tabs = el(
    "nav",
    { "aria-label": "Follow-up status", class: "tabs" },
    STATUSES.map((s) =>
      el("a", { href: `#/follow-ups?status=${s}`, "aria-current": s === status ? "page" : null }, TEXT.tabs[s]),
    ),
  );
  const table = page.items.length
    ? el(
        "table",
        { "aria-label": TEXT.queueLabel },
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            TEXT.columns.map((c) => el("th", { scope: "col" }, c)),
          ),
        ),
        el("tbody", {}, page.items.map(queueRow)),
      )
    : el("p", {}, TEXT.none[status]);
  const count = el("p", { class: "meta", role: "status" }, TEXT.count(page.total));
  return el("section", {}, el("h2", {}, TEXT.title), tabs, count, table);
}

function outcomeForm(ctx, followUp) {
  const reached = el("input", { id: "follow-up-reached", type: "checkbox" });
  const satisfaction = el(
    "select",
    { id: "follow-up-satisfaction" },
    el("option", { value: "" }, TEXT.notAsked),
    [5, 4, 3, 2, 1].map((n) => el("option", { value: String(n) }, String(n))),
  );
  const comment = el("textarea", { id: "follow-up-comment", maxlength: 2000, rows: 3 });
  const reopen = el("input", { id: "follow-up-reopen", type: "checkbox" });
  const feedback = el("div", { class: "error", role: "alert" });
  const submit = async (event) => {
    event.preventDefault();
    const body = { reached: reached.checked, comment: comment.value.trim() || null, reopen: reopen.checked };
    if (satisfaction.value) body.satisfaction = Number(satisfaction.value);
    try {
      await change("POST", `/follow-ups/${followUp.id}/outcome`, body);
      ctx.render();
    } catch (error) {
      showErrors(error, feedback);
    }
  };
  return el(
    "form",
    { "aria-label": TEXT.outcome, on: { submit } },
    el("h3", {}, TEXT.outcome),
    el("div", { class: "field check" }, reached, el("label", { for: "follow-up-reached" }, TEXT.reached)),
    field("follow-up-satisfaction", TEXT.satisfaction, satisfaction),
    field("follow-up-comment", TEXT.comment, comment),
    el("div", { class: "field check" }, reopen, el("label", { for: "follow-up-reopen" }, TEXT.reopen)),
    feedback,
    el("button", { type: "submit" }, TEXT.record),
  );
}

function history(job) {
  const item = (event) => {
    const { sentence, comment } = eventWords(event);
    const at = el("time", { datetime: event.occurred_at }, when(event.occurred_at));
    return el("li", {}, at, ` · ${sentence}`, comment ? `: “${comment}”` : null);
  };
  return el("ol", { class: "timeline", "aria-label": TEXT.history }, job.events.map(item));
}

/** One call: whom to call and about what, the job's history, and the outcome (once). */
export async function followUpView(ctx) {
  const followUp = await request("GET", `/follow-ups/${ctx.id}`);
  const job = await request("GET", `/work-orders/${followUp.work_order.id}`);
  const said = followUp.outcome?.comment ? ` — “${followUp.outcome.comment}”` : "";
  const done = followUp.done_at
    ? el("p", { role: "status" }, `${TEXT.recorded(followUp)}: ${outcomeText(followUp)}`, said)
    : outcomeForm(ctx, followUp);
  const due = el("time", { datetime: followUp.due_at }, when(followUp.due_at));
  const jobLink = el("a", { href: `#/jobs/${job.id}` }, `${job.number} ${job.title}`);
  return el(
    "section",
    {},
    el("p", {}, el("a", { href: "#/follow-ups" }, TEXT.back)),
    el("h2", {}, TEXT.call(followUp)),
    el(
      "dl",
      {},
      el("dt", {}, "Customer"),
      el("dd", {}, job.customer.name, " · ", phoneLink(job.customer)),
      el("dt", {}, "Reason"),
      el("dd", {}, TEXT.reasons[followUp.reason] ?? followUp.reason),
      el("dt", {}, "Due"),
      el("dd", {}, due, followUp.overdue ? " (overdue)" : ""),
      el("dt", {}, TEXT.job),
      el("dd", {}, jobLink, ` (${job.status.replaceAll("_", " ")})`),
      el("dt", {}, "Resolution"),
      el("dd", {}, job.resolution ?? "—"),
    ),
    done,
    el("h3", {}, TEXT.history),
    history(job),
  );
}
