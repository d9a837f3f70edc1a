// Follow-up calls (回访) in the console: the queue (due, overdue, done) with each customer's phone
// as a call link, and one call on one screen: the job, its history, and the outcome form (reached,
// satisfaction, comment, and a reopen when the problem is back).
import { change, request } from "../shared/api.js";
import { columnHeads, el, field } from "../shared/dom.js";
import { eventWords, LABEL, showErrors, when } from "./common.js";
import { labels, t } from "./i18n.js";

// The screen's words, read from the catalogue at each use (so a language switch shows at the next redraw).
const TEXT = {
  get title() {
    return t("nav.followUps");
  },
  tabs: labels("followUps.tab.", ["due", "overdue", "done"]),
  get queueLabel() {
    return t("followUps.queue");
  },
  none: labels("followUps.none.", ["due", "overdue", "done"]),
  count: (n) => t(n === 1 ? "followUps.oneCall" : "followUps.calls", { count: n }),
  get columns() {
    return ["job", "customer", "phone", "reason", "due", "outcome"].map((c) => t(`followUps.column.${c}`));
  },
  reasons: labels("followUps.reason.", ["complaint", "low_rating", "dispute", "sample"]),
  call: (f) => t("followUps.call", { number: f.work_order.number }),
  callPhone: (c) => t("followUps.callPhone", { name: c.name, phone: c.phone }),
  get noPhone() {
    return t("followUps.noPhone");
  },
  get job() {
    return t("followUps.job");
  },
  get history() {
    return t("followUps.history");
  },
  get outcome() {
    return t("followUps.column.outcome");
  },
  get reached() {
    return t("followUps.reachedLabel");
  },
  get satisfaction() {
    return t("followUps.satisfaction");
  },
  get notAsked() {
    return t("followUps.notAsked");
  },
  get comment() {
    return t("followUps.comment");
  },
  get reopen() {
    return t("followUps.reopen");
  },
  get record() {
    return t("followUps.record");
  },
  recorded: (f) => t("followUps.recorded", { at: when(f.done_at) }),
  get back() {
    return t("followUps.back");
  },
  satisfactionWords: (o) =>
    o.satisfaction ? t("followUps.satisfactionIs", { score: o.satisfaction }) : t("followUps.noRating"),
};
const STATUSES = ["due", "overdue", "done"];

function outcomeText(followUp) {
  const o = followUp.outcome;
  if (!o) return t("none");
  const parts = [
    t(o.reached ? "followUp.reached" : "followUp.notReached"),
    o.reached ? TEXT.satisfactionWords(o) : null,
  ];
  if (o.reopened) parts.push(t("followUps.jobReopened"));
  return parts.filter(Boolean).join(t("list.comma"));
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
    { "aria-label": t("followUps.statusTabs"), class: "tabs" },
    STATUSES.map((s) =>
      el("a", { href: `#/follow-ups?status=${s}`, "aria-current": s === status ? "page" : null }, TEXT.tabs[s]),
    ),
  );
  const table = page.items.length
    ? el(
        "table",
        { "aria-label": TEXT.queueLabel },
        columnHeads(TEXT.columns),
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
    return el("li", {}, at, ` · ${sentence}`, comment ? `${t("job.colon")}${t("job.quoted", { comment })}` : null);
  };
  return el("ol", { class: "timeline", "aria-label": TEXT.history }, job.events.map(item));
}

/** One call: whom to call and about what, the job's history, and the outcome (once). */
export async function followUpView(ctx) {
  const followUp = await request("GET", `/follow-ups/${ctx.id}`);
  const job = await request("GET", `/work-orders/${followUp.work_order.id}`);
  const said = followUp.outcome?.comment ? ` — ${t("job.quoted", { comment: followUp.outcome.comment })}` : "";
  const done = followUp.done_at
    ? el("p", { role: "status" }, `${TEXT.recorded(followUp)}${t("job.colon")}${outcomeText(followUp)}`, said)
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
      el("dt", {}, t("followUps.column.customer")),
      el("dd", {}, job.customer.name, " · ", phoneLink(job.customer)),
      el("dt", {}, t("followUps.column.reason")),
      el("dd", {}, TEXT.reasons[followUp.reason] ?? followUp.reason),
      el("dt", {}, t("followUps.column.due")),
      el("dd", {}, due, followUp.overdue ? t("followUps.overdue") : ""),
      el("dt", {}, TEXT.job),
      el("dd", {}, jobLink, t("job.notes", { notes: LABEL[job.status] ?? job.status })),
      el("dt", {}, t("followUps.resolution")),
      el("dd", {}, job.resolution ?? t("none")),
    ),
    done,
    el("h3", {}, TEXT.history),
    history(job),
  );
}
